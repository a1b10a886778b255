/* nvcfwebrtcsink properties: defaults, the environment, validation. */
#include <gtest/gtest.h>

#include <cstdlib>

#include "nvcftest.h"

namespace {

struct Props {
  guint control = 0, streaming = 0, max = 0;
  std::string endpoint, range, address;
};

Props read(GstElement* e) {
  Props p;
  gchar *endpoint, *range, *address;
  g_object_get(e, "control-port", &p.control, "streaming-port", &p.streaming, "start-endpoint",
               &endpoint, "port-range", &range, "control-address", &address, "max-sessions", &p.max,
               NULL);
  p.endpoint = endpoint;
  p.range = range;
  p.address = address;
  g_free(endpoint);
  g_free(range);
  g_free(address);
  return p;
}

class Element : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }
  void TearDown() override {
    for (const char* v : {"CONTROL_SERVER_PORT", "STREAMING_SERVER_PORT",
                          "STREAMING_START_ENDPOINT", "STREAMING_PORT_BINDING_RANGE"})
      unsetenv(v);
  }
  GstElement* make() { return gst_element_factory_make("nvcfwebrtcsink", nullptr); }
};

}  // namespace

TEST_F(Element, BuiltInDefaults) {
  TearDown();
  GstElement* e = make();
  ASSERT_NE(e, nullptr);
  Props p = read(e);
  EXPECT_EQ(p.control, 8111u);
  EXPECT_EQ(p.streaming, 49100u);
  EXPECT_EQ(p.endpoint, "/sign_in");
  EXPECT_EQ(p.range, "47998-48020");
  EXPECT_EQ(p.address, "");
  EXPECT_EQ(p.max, 1u);
  gst_object_unref(e);
}

TEST_F(Element, DefaultsFromEnvironment) {
  setenv("CONTROL_SERVER_PORT", "8011", 1);
  setenv("STREAMING_SERVER_PORT", "49200", 1);
  setenv("STREAMING_START_ENDPOINT", "/stream/start", 1);
  setenv("STREAMING_PORT_BINDING_RANGE", "40000-40100", 1);
  GstElement* e = make();
  Props p = read(e);
  EXPECT_EQ(p.control, 8011u);
  EXPECT_EQ(p.streaming, 49200u);
  EXPECT_EQ(p.endpoint, "/stream/start");
  EXPECT_EQ(p.range, "40000-40100");
  /* An explicit property still wins. */
  g_object_set(e, "control-port", 9000u, NULL);
  EXPECT_EQ(read(e).control, 9000u);
  gst_object_unref(e);
}

TEST_F(Element, BadEnvironmentFallsBackToDefaults) {
  setenv("CONTROL_SERVER_PORT", "eighty", 1);
  setenv("STREAMING_PORT_BINDING_RANGE", "50000-40000", 1);
  setenv("NVCF_SESSION_POLICY", "sometimes", 1);
  /* Each bad value is named on stderr (g_warning), whatever GST_DEBUG says. */
  g_test_expect_message(nullptr, G_LOG_LEVEL_WARNING, "*CONTROL_SERVER_PORT*");
  g_test_expect_message(nullptr, G_LOG_LEVEL_WARNING,
                        "*STREAMING_PORT_BINDING_RANGE*using 47998-48020*");
  g_test_expect_message(nullptr, G_LOG_LEVEL_WARNING,
                        "*NVCF_SESSION_POLICY must be reuse or exit*");
  GstElement* e = make();
  g_test_assert_expected_messages();
  unsetenv("NVCF_SESSION_POLICY");
  Props p = read(e);
  EXPECT_EQ(p.control, 8111u);
  EXPECT_EQ(p.range, "47998-48020");
  gst_object_unref(e);
}

TEST_F(Element, RefusesBadPortRange) {
  GstElement* e = make();
  g_object_set(e, "port-range", "40000-40010", NULL);
  EXPECT_EQ(read(e).range, "40000-40010");
  /* g_warning names the problem; the old value stays. */
  for (const char* bad : {"40010-40000", "80-90", "x", "40000-70000"}) {
    g_test_expect_message(nullptr, G_LOG_LEVEL_WARNING, "*invalid port range*");
    g_object_set(e, "port-range", bad, NULL);
    g_test_assert_expected_messages();
    EXPECT_EQ(read(e).range, "40000-40010") << bad;
  }
  gst_object_unref(e);
}

TEST_F(Element, RefusesBadEndpoint) {
  GstElement* e = make();
  g_test_expect_message(nullptr, G_LOG_LEVEL_WARNING, "*must start with*");
  g_object_set(e, "start-endpoint", "sign_in", NULL);
  g_test_assert_expected_messages();
  EXPECT_EQ(read(e).endpoint, "/sign_in");
  gst_object_unref(e);
}

TEST_F(Element, RequestPads) {
  GstElement* e = make();
  GstPad* v0 = gst_element_request_pad_simple(e, "video_%u");
  GstPad* a0 = gst_element_request_pad_simple(e, "audio_%u");
  GstPad* v1 = gst_element_request_pad_simple(e, "video_%u");
  ASSERT_TRUE(v0 && a0 && v1);
  EXPECT_STREQ(GST_PAD_NAME(v0), "video_0");
  EXPECT_STREQ(GST_PAD_NAME(v1), "video_1");
  EXPECT_STREQ(GST_PAD_NAME(a0), "audio_0");
  gst_element_release_request_pad(e, v1);
  EXPECT_EQ(gst_element_get_static_pad(e, "video_1"), nullptr);
  gst_object_unref(v0);
  gst_object_unref(v1);
  gst_object_unref(a0);
  gst_object_unref(e);
}

namespace {

/* The stats' video-bitrate (kbit/s) and video-encoder; 0 and "" when absent. */
std::pair<guint, std::string> encoder_stats(GstElement* sink) {
  GstStructure* st = nullptr;
  g_object_get(sink, "stats", &st, NULL);
  guint kbps = 0;
  std::string factory;
  if (st) {
    gst_structure_get_uint(st, "video-bitrate", &kbps);
    if (const gchar* f = gst_structure_get_string(st, "video-encoder"))
      factory = f;
    gst_structure_free(st);
  }
  return {kbps, factory};
}

}  // namespace

/* Encoded input: the bitrate is the upstream encoder's (through capsfilter
 * and queue), not the element's video-bitrate, which it does not use. */
TEST_F(Element, StatsBitrateFromUpstreamEncoder) {
  nvcftest::Streamer x264(
      "video-bitrate=4000",
      "videotestsrc ! x264enc bitrate=600 ! video/x-h264,profile=constrained-baseline ! queue");
  ASSERT_NE(x264.sink(), nullptr);
  EXPECT_EQ(encoder_stats(x264.sink()), std::make_pair(600u, std::string("x264enc")));

  /* vp8enc counts bit/s. */
  nvcftest::Streamer vp8("video-bitrate=4000", "videotestsrc ! vp8enc target-bitrate=300000");
  ASSERT_NE(vp8.sink(), nullptr);
  EXPECT_EQ(encoder_stats(vp8.sink()), std::make_pair(300u, std::string("vp8enc")));
}

/* No encoder to be found (encoded data from an application): no bitrate
 * rather than a made-up one. */
TEST_F(Element, StatsBitrateAbsentWithoutEncoder) {
  nvcftest::Streamer s("video-bitrate=4000", "appsrc caps=video/x-h264,stream-format=byte-stream");
  ASSERT_NE(s.sink(), nullptr);
  GstStructure* st = nullptr;
  g_object_get(s.sink(), "stats", &st, NULL);
  ASSERT_NE(st, nullptr);
  EXPECT_FALSE(gst_structure_has_field(st, "video-bitrate")) << gst_structure_to_string(st);
  EXPECT_FALSE(gst_structure_has_field(st, "video-encoder")) << gst_structure_to_string(st);
  gst_structure_free(st);
}
