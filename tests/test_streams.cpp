/* Per-pad streams against the real element: a pad that ends is no longer
 * offered while the others keep serving, the element drains only when
 * every pad has ended, and which thread carries a pad's media to the
 * sessions. */
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "nvcftest.h"
#include "nvcfws.h"

using namespace nvcftest;

namespace {

const char* kVideo =
    "videotestsrc is-live=true %s ! video/x-raw,width=160,height=120,framerate=15/1 ! "
    "nvcfwebrtcsink name=sink ice-addresses=127.0.0.1 video-encoder=x264enc "
    "audiotestsrc is-live=true %s ! sink.";

std::string description(const char* video_extra, const char* audio_extra) {
  gchar* d = g_strdup_printf(kVideo, video_extra, audio_extra);
  std::string out = d;
  g_free(d);
  return out;
}

/* The offer's media sections, e.g. {"video"} or {"video", "audio"}. */
std::vector<std::string> offered_media(WsClient& c) {
  auto m = c.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 10000);
  EXPECT_TRUE(m.has_value()) << "no offer";
  std::vector<std::string> kinds;
  if (!m)
    return kinds;
  std::string sdp = (*m)["sdp"]["sdp"].str();
  for (size_t at = sdp.find("m="); at != std::string::npos; at = sdp.find("\nm=", at + 1)) {
    size_t start = sdp[at] == '\n' ? at + 3 : at + 2;
    kinds.push_back(sdp.substr(start, sdp.find(' ', start) - start));
  }
  return kinds;
}

bool any_readiness(const Streamer& s, const std::string& state, unsigned ms) {
  GstBus* bus = gst_element_get_bus(s.pipeline());
  gint64 deadline = g_get_monotonic_time() + gint64(ms) * 1000;
  bool seen = false;
  while (!seen) {
    gint64 left = std::max<gint64>(0, deadline - g_get_monotonic_time());
    GstMessage* m = gst_bus_timed_pop_filtered(bus, left * GST_USECOND, GST_MESSAGE_ELEMENT);
    if (!m)
      break;
    const GstStructure* st = gst_message_get_structure(m);
    if (st && gst_structure_has_name(st, "nvcf-readiness"))
      seen = state == gst_structure_get_string(st, "state");
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  return seen;
}

class Streams : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init(); }
};

}  // namespace

/* Live video plus a short audio clip: once the audio ends, readiness stays
 * ready (it used to stay at draining for good) and a new viewer is offered
 * the video only. */
TEST_F(Streams, OnePadEndingKeepsServing) {
  Streamer s(Streamer::Description{}, description("", "num-buffers=10"));
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 10000));
  /* 10 buffers of 1024 samples at 44.1 kHz: the audio ends within 0.3 s. */
  EXPECT_FALSE(any_readiness(s, "draining", 2000)) << "one ended pad drained the element";
  EXPECT_EQ(s.ready_state(), "ready");
  auto r = http(s.control_port(), "GET", "/v1/streaming/ready");
  EXPECT_EQ(r.status, 200u) << r.body;

  WsClient c;
  connect_gst(c, s);
  std::string sid = start_session(c, producer_id(c));
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(offered_media(c), std::vector<std::string>({"video", "application"}));
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}

/* Every pad ended: no new sessions, readiness says draining. */
TEST_F(Streams, EveryPadEndingDrains) {
  Streamer s(Streamer::Description{}, description("num-buffers=8", "num-buffers=10"));
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  EXPECT_TRUE(any_readiness(s, "draining", 5000));
  EXPECT_EQ(s.ready_state(), "draining");
  auto r = http(s.control_port(), "GET", "/v1/streaming/ready");
  EXPECT_EQ(r.status, 500u) << r.body;
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}

/* Both pads live: a new viewer gets both. */
TEST_F(Streams, LivePadsAreAllOffered) {
  Streamer s(Streamer::Description{}, description("", ""));
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 10000));
  WsClient c;
  connect_gst(c, s);
  ASSERT_FALSE(start_session(c, producer_id(c)).empty());
  EXPECT_EQ(offered_media(c), std::vector<std::string>({"video", "audio", "application"}));
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}

namespace {

/* The thread that pushes the first buffer through a pad. */
struct FirstThread {
  std::mutex lock;
  GThread* thread = nullptr;

  void watch(GstElement* e, const char* pad_name) {
    GstPad* pad = gst_element_get_static_pad(e, pad_name);
    ASSERT_NE(pad, nullptr) << pad_name;
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer data) {
          auto* self = static_cast<FirstThread*>(data);
          std::lock_guard<std::mutex> l(self->lock);
          self->thread = g_thread_self();
          return GST_PAD_PROBE_REMOVE;
        },
        this, NULL);
    gst_object_unref(pad);
  }
  GThread* wait(unsigned ms) {
    for (unsigned waited = 0; waited < ms; waited += 10) {
      {
        std::lock_guard<std::mutex> l(lock);
        if (thread)
          return thread;
      }
      g_usleep(10000);
    }
    return nullptr;
  }
};

/* Where upstream's buffers reach the shared tee from: ours, from `name`'s
 * src pad, and the tee's. */
std::pair<GThread*, GThread*> tee_thread(const std::string& pipeline, const char* name) {
  Streamer s(Streamer::Description{}, pipeline);
  GstElement* up = gst_bin_get_by_name(GST_BIN(s.pipeline()), name);
  GstElement* tee = gst_bin_get_by_name(GST_BIN(s.pipeline()), "video_0-tee");
  EXPECT_NE(up, nullptr);
  EXPECT_NE(tee, nullptr);
  if (!up || !tee)
    return {nullptr, nullptr};
  FirstThread at_up, at_tee;
  at_up.watch(up, "src");
  at_tee.watch(tee, "sink");
  gst_object_unref(up);
  gst_object_unref(tee);
  EXPECT_TRUE(s.set_state(GST_STATE_PLAYING));
  std::pair<GThread*, GThread*> out{at_up.wait(10000), at_tee.wait(10000)};
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
  return out;
}

}  // namespace

/* Encoded input reaches the tee in upstream's thread (no hand-off before
 * the sessions' queues: the entry is a pass-through), while raw input is
 * encoded behind a queue, in a thread of its own. */
TEST_F(Streams, EncodedInputIsNotHandedOffRawInputIs) {
  auto [enc, tee] = tee_thread(
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1 ! "
      "x264enc name=up tune=zerolatency ! nvcfwebrtcsink ice-addresses=127.0.0.1",
      "up");
  ASSERT_NE(enc, nullptr);
  ASSERT_NE(tee, nullptr);
  EXPECT_EQ(enc, tee) << "encoded input was handed to another thread before the tee";

  auto [src, raw_tee] = tee_thread(
      "videotestsrc name=up is-live=true ! video/x-raw,width=160,height=120,framerate=15/1 ! "
      "nvcfwebrtcsink ice-addresses=127.0.0.1 video-encoder=x264enc",
      "up");
  ASSERT_NE(src, nullptr);
  ASSERT_NE(raw_tee, nullptr);
  EXPECT_NE(src, raw_tee) << "raw input was encoded in the capture thread";
}
