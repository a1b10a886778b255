/* The control server over real HTTP on 127.0.0.1 with a free port. */
#include <gtest/gtest.h>

#include "nvcftest.h"
#include "core/json.h"
#include "nvcfsecrets.h"

using nvcftest::http;
using nvcftest::Streamer;

class ControlServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }
};

static const std::string kGoodCreds =
    R"({"stunIp":"127.0.0.1","stunPort":3478,"username":"user","password":)" +
    nvcf::json::quote(nvcftest::secrets::kPostedPassword) + "}";

TEST_F(ControlServer, BindsFreePortOnReadyAndReleasesOnNull) {
  Streamer s;
  EXPECT_EQ(s.control_port(), 0u);
  ASSERT_TRUE(s.set_state(GST_STATE_READY));
  unsigned port = s.control_port();
  ASSERT_NE(port, 0u);
  EXPECT_EQ(http(port, "GET", "/v1/streaming/ready").status, 500u);  // starting
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
  EXPECT_EQ(http(port, "GET", "/v1/streaming/ready").status, 0u);  // port closed
  EXPECT_EQ(s.control_port(), 0u);                                 // back to the setting
}

TEST_F(ControlServer, ReadyFollowsPipelineState) {
  Streamer s;
  ASSERT_TRUE(s.set_state(GST_STATE_PAUSED));
  unsigned port = s.control_port();
  auto r = http(port, "GET", "/v1/streaming/ready");
  EXPECT_EQ(r.status, 500u);
  EXPECT_NE(r.body.find("\"state\":\"starting\""), std::string::npos) << r.body;
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(s.wait_ready_state("ready", 5000)) << s.ready_state();
  r = http(port, "GET", "/v1/streaming/ready");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.body.find("\"state\":\"ready\""), std::string::npos) << r.body;
  EXPECT_EQ(s.ready_state(), "ready");
  EXPECT_EQ(http(port, "HEAD", "/v1/streaming/ready").status, 200u);
  ASSERT_TRUE(s.set_state(GST_STATE_PAUSED));
  EXPECT_EQ(http(port, "GET", "/v1/streaming/ready").status, 500u);
}

/* PLAYING with both servers up is not enough: a viewer NVCF sends at the
 * first 200 must find media. Here the source holds its first buffer back. */
TEST_F(ControlServer, ReadyWaitsForMedia) {
  /* No caps property: the caps come with the first sample. */
  Streamer s("", "appsrc name=src is-live=true format=time");
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  unsigned port = s.control_port();
  g_usleep(300000);
  auto r = http(port, "GET", "/v1/streaming/ready");
  EXPECT_EQ(r.status, 500u);
  EXPECT_NE(r.body.find("\"state\":\"starting\""), std::string::npos) << r.body;

  GstElement* src = gst_bin_get_by_name(GST_BIN(s.pipeline()), "src");
  ASSERT_NE(src, nullptr);
  GstBuffer* frame = gst_buffer_new_allocate(nullptr, 64 * 48 * 3 / 2, nullptr);
  gst_buffer_memset(frame, 0, 0x80, 64 * 48 * 3 / 2);
  GST_BUFFER_PTS(frame) = 0;
  GST_BUFFER_DURATION(frame) = GST_SECOND / 30;
  GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  GstSample* sample = gst_sample_new(frame, caps, nullptr, nullptr);
  GstFlowReturn flow = GST_FLOW_ERROR;
  g_signal_emit_by_name(src, "push-sample", sample, &flow);
  gst_sample_unref(sample);
  gst_caps_unref(caps);
  gst_buffer_unref(frame);
  gst_object_unref(src);
  EXPECT_EQ(flow, GST_FLOW_OK);
  ASSERT_TRUE(s.wait_ready_state("ready", 5000)) << s.ready_state();
  EXPECT_EQ(http(port, "GET", "/v1/streaming/ready").status, 200u);
}

TEST_F(ControlServer, StatusCodes) {
  Streamer s;
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  unsigned port = s.control_port();

  auto ok = http(port, "POST", "/v1/streaming/creds", "application/json", kGoodCreds);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, R"({"success":true})");

  auto bad = http(port, "POST", "/v1/streaming/creds", "application/json",
                  R"({"stunIp":"127.0.0.1","stunPort":"x","username":"u","password":"p"})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("\"success\":false"), std::string::npos);
  EXPECT_NE(bad.body.find("stunPort"), std::string::npos) << bad.body;

  EXPECT_EQ(http(port, "POST", "/v1/streaming/creds", "application/json", "{nope").status, 400u);
  EXPECT_EQ(http(port, "POST", "/v1/streaming/creds", "text/plain", kGoodCreds).status, 415u);
  EXPECT_EQ(http(port, "POST", "/v1/streaming/creds", "", kGoodCreds).status, 415u);
  EXPECT_EQ(http(port, "POST", "/v1/streaming/creds", "application/json; charset=utf-8", kGoodCreds)
                .status,
            200u);

  std::string big(64 * 1024 + 1, ' ');
  EXPECT_EQ(http(port, "POST", "/v1/streaming/creds", "application/json", big).status, 413u);

  auto wrong = http(port, "GET", "/v1/streaming/creds");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.allow, "POST");
  auto wrong2 = http(port, "POST", "/v1/streaming/ready", "application/json", "{}");
  EXPECT_EQ(wrong2.status, 405u);
  EXPECT_EQ(wrong2.allow, "GET, HEAD");
  EXPECT_EQ(http(port, "GET", "/").status, 404u);
  EXPECT_EQ(http(port, "GET", "/v1/streaming/readyx").status, 404u);

  /* Still serving after all that (ready once media flows). */
  ASSERT_TRUE(s.wait_ready_state("ready", 5000)) << s.ready_state();
  EXPECT_EQ(http(port, "GET", "/v1/streaming/ready").status, 200u);
}

TEST_F(ControlServer, CredentialsSignalAndBusMessage) {
  Streamer s;
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  struct Seen {
    std::string host;
    guint port = 0;
    int count = 0;
  } seen;
  g_signal_connect(s.sink(), "credentials-changed",
                   G_CALLBACK(+[](GstElement*, const gchar* host, guint port, gpointer data) {
                     auto* seen = static_cast<Seen*>(data);
                     seen->host = host;
                     seen->port = port;
                     seen->count++;
                   }),
                   &seen);
  ASSERT_EQ(http(s.control_port(), "POST", "/v1/streaming/creds", "application/json",
                 R"({"stunIp":"10.9.8.7","stunPort":3479,"username":"a","password":)" +
                     nvcf::json::quote(nvcftest::secrets::kPostedPassword2) + "}")
                .status,
            200u);
  EXPECT_EQ(seen.count, 1);
  EXPECT_EQ(seen.host, "10.9.8.7");
  EXPECT_EQ(seen.port, 3479u);
  GstStructure* st = nullptr;
  ASSERT_TRUE(s.wait_element_message("nvcf-credentials-changed", 2000, &st));
  EXPECT_STREQ(gst_structure_get_string(st, "host"), "10.9.8.7");
  EXPECT_FALSE(gst_structure_has_field(st, "password"));
  EXPECT_FALSE(gst_structure_has_field(st, "username"));
  gst_structure_free(st);

  /* A refused POST changes nothing. */
  http(s.control_port(), "POST", "/v1/streaming/creds", "application/json", R"({"stunIp":""})");
  EXPECT_EQ(seen.count, 1);
}

TEST_F(ControlServer, ReadinessTransitionsArePosted) {
  Streamer s;
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  GstStructure* st = nullptr;
  /* starting (READY, servers listening) then ready (PLAYING). */
  bool ready = false;
  for (int i = 0; i < 3 && !ready; i++) {
    if (!s.wait_element_message("nvcf-readiness", 2000, &st))
      break;
    ready = g_strcmp0(gst_structure_get_string(st, "state"), "ready") == 0;
    gst_structure_free(st);
  }
  EXPECT_TRUE(ready);
}

TEST_F(ControlServer, PortInUseIsAClearError) {
  Streamer a;
  ASSERT_TRUE(a.set_state(GST_STATE_READY));
  Streamer b("control-port=" + std::to_string(a.control_port()));
  EXPECT_EQ(gst_element_set_state(b.pipeline(), GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(b.pipeline());
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_NE(std::string(err->message).find("control server"), std::string::npos) << err->message;
  g_clear_error(&err);
  gst_message_unref(m);
  gst_object_unref(bus);
}
