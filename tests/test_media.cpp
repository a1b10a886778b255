/* The media chain's caps rules and session isolation against the real
 * element (issue 8, defect 1): an encoder upstream negotiates a profile
 * browsers decode, caps no browser decodes are refused when they arrive
 * with what to add, and a session whose branch fails ends alone while the
 * pipeline plays on. */
#include <gtest/gtest.h>

#include "nvcftest.h"
#include "nvcfws.h"

using namespace nvcftest;

namespace {

/* Errors (and EOS) posted on the pipeline's bus so far. */
std::vector<std::string> bus_problems(GstElement* pipeline, unsigned wait_ms = 0) {
  std::vector<std::string> out;
  GstBus* bus = gst_element_get_bus(pipeline);
  while (GstMessage* m = gst_bus_timed_pop_filtered(
             bus, wait_ms * GST_MSECOND, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
      out.push_back("EOS");
    } else {
      GError* e = nullptr;
      gchar* dbg = nullptr;
      gst_message_parse_error(m, &e, &dbg);
      out.push_back(std::string(GST_MESSAGE_SRC_NAME(m)) + ": " + e->message + " | " +
                    (dbg ? dbg : ""));
      g_clear_error(&e);
      g_free(dbg);
    }
    gst_message_unref(m);
    wait_ms = 0;
  }
  gst_object_unref(bus);
  return out;
}

std::string pad_profile(GstElement* sink) {
  GstPad* pad = gst_element_get_static_pad(sink, "video_0");
  GstCaps* caps = pad ? gst_pad_get_current_caps(pad) : nullptr;
  std::string profile;
  if (caps) {
    const gchar* p = gst_structure_get_string(gst_caps_get_structure(caps, 0), "profile");
    profile = p ? p : "(none)";
    gst_caps_unref(caps);
  }
  if (pad)
    gst_object_unref(pad);
  return profile;
}

/* A viewer that connected and started a session; its id ("" if refused). */
std::string start_viewer(WsClient& c, const Streamer& s, std::string* producer = nullptr) {
  connect_gst(c, s);
  std::string p = producer_id(c);
  if (producer)
    *producer = p;
  return start_session(c, p);
}

/* s playing, with one viewer whose session started; its offer within
 * timeout_ms. */
std::optional<Msg> first_offer(Streamer& s, WsClient& a, std::string* sid, unsigned timeout_ms) {
  if (!s.set_state(GST_STATE_PLAYING) || !wait_media(s, 10000))
    return std::nullopt;
  *sid = start_viewer(a, s);
  if (sid->empty())
    return std::nullopt;
  return a.next_matching([](const Msg& m) { return m["sdp"].exists(); }, timeout_ms);
}

class Media : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init(); }
};

}  // namespace

/* videotestsrc offers Y444 first; x264enc then made High 4:4:4 Predictive,
 * which no browser decodes, and the first viewer failed the pipeline. The
 * pad's caps answer makes x264enc pick an 8-bit 4:2:0 profile. */
TEST_F(Media, UpstreamX264NegotiatesAStreamableProfile) {
  for (const char* source : {"videotestsrc is-live=true ! x264enc",
                             "videotestsrc is-live=true ! x264enc tune=zerolatency"}) {
    Streamer s("ice-addresses=127.0.0.1", source);
    ASSERT_TRUE(s.set_state(GST_STATE_PLAYING)) << source;
    ASSERT_TRUE(wait_until([&] { return pad_profile(s.sink()) != ""; }, 10000)) << source;
    std::string profile = pad_profile(s.sink());
    EXPECT_TRUE(profile == "constrained-baseline" || profile == "baseline" || profile == "main" ||
                profile == "high")
        << source << " negotiated profile " << profile;
    EXPECT_TRUE(bus_problems(s.pipeline()).empty()) << source;
    EXPECT_TRUE(s.set_state(GST_STATE_NULL));
  }
}

/* Forced caps no browser decodes: an element error when they arrive that
 * says what to add, before any viewer comes. */
TEST_F(Media, UnstreamableCapsAreRefusedWithAdvice) {
  Streamer s("ice-addresses=127.0.0.1",
             "videotestsrc is-live=true ! video/x-raw,format=Y444 ! x264enc ! "
             "video/x-h264,profile=high-4:4:4");
  s.set_state(GST_STATE_PLAYING);
  auto problems = bus_problems(s.pipeline(), 5000);
  ASSERT_FALSE(problems.empty()) << "no error for High 4:4:4 input";
  const std::string& e = problems.front();
  EXPECT_NE(e.find("sink"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot be streamed"), std::string::npos) << e;
  EXPECT_NE(e.find("high-4:4:4"), std::string::npos) << e;
  EXPECT_NE(e.find("video/x-h264,profile=high"), std::string::npos) << "no advice: " << e;
  s.set_state(GST_STATE_NULL);
}

/* A session whose branch cannot negotiate (its capsfilter made to refuse
 * RTP video) ends with an error for its viewer only: nothing reaches the
 * pipeline's bus, the source keeps running, and the next viewer gets a
 * session and an offer. */
TEST_F(Media, FailingBranchEndsOnlyItsSession) {
  Streamer s("ice-addresses=127.0.0.1 max-sessions=2 resume-timeout=0 video-encoder=x264enc",
             "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1");
  bool sabotage = true;
  g_signal_connect(s.sink(), "webrtcbin-created",
                   G_CALLBACK(+[](GstElement* sink, const gchar* id, GstElement*, gpointer data) {
                     if (!*static_cast<bool*>(data))
                       return;
                     std::string name =
                         std::string("session-") + std::string(id).substr(0, 8) + "-video_0-caps";
                     GstElement* f = gst_bin_get_by_name(GST_BIN(sink), name.c_str());
                     ASSERT_NE(f, nullptr) << name;
                     GstCaps* c = gst_caps_from_string("application/x-rtp,media=audio");
                     g_object_set(f, "caps", c, NULL);
                     gst_caps_unref(c);
                     gst_object_unref(f);
                   }),
                   &sabotage);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 10000));

  WsClient a;
  std::string producer;
  std::string sid = start_viewer(a, s, &producer);
  ASSERT_FALSE(sid.empty());
  auto error = a.next_matching([](const Msg& m) { return m.type() == "error"; }, 10000);
  ASSERT_TRUE(error.has_value()) << "the viewer was not told";
  EXPECT_NE((*error)["details"].str().find("cannot be sent"), std::string::npos) << error->text;
  EXPECT_TRUE(a.next_matching([&](const Msg& m) { return m.type() == "endSession"; }, 5000));

  /* The pipeline plays on: no error or EOS, video still flows. */
  pause(1000);
  EXPECT_EQ(bus_problems(s.pipeline()), std::vector<std::string>{});
  GstState state;
  gst_element_get_state(s.pipeline(), &state, nullptr, 0);
  EXPECT_EQ(state, GST_STATE_PLAYING);
  EXPECT_TRUE(wait_until([&] { return s.ready_state() == "ready"; }, 5000)) << s.ready_state();

  sabotage = false;
  WsClient b;
  connect_gst(b, s);
  ASSERT_FALSE(start_session(b, producer).empty());
  EXPECT_TRUE(b.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 10000))
      << "no offer for the next viewer";
  EXPECT_TRUE(bus_problems(s.pipeline()).empty());
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}

/* A viewer whose answer rejects the video m-line (port 0, as a browser
 * does for a codec it cannot decode) used to abort the whole process
 * inside webrtcbin; now its session ends with the reason. */
TEST_F(Media, RejectedMediaEndsOnlyThatSession) {
  Streamer s("ice-addresses=127.0.0.1 resume-timeout=0 video-encoder=x264enc",
             "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1");
  WsClient a;
  std::string sid;
  auto offer = first_offer(s, a, &sid, 10000);
  ASSERT_TRUE(offer.has_value());
  std::string sdp = (*offer)["sdp"]["sdp"].str();
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = sdp.find(from); at != std::string::npos; at = sdp.find(from, at + to.size()))
      sdp.replace(at, from.size(), to);
  };
  replace("a=setup:actpass", "a=setup:active");
  replace("m=video 9 ", "m=video 0 ");
  a.send_text(R"({"type":"peer","sessionId":")" + sid + R"(","sdp":{"type":"answer","sdp":)" +
              json_quote(sdp) + "}}");
  auto error = a.next_matching([](const Msg& m) { return m.type() == "error"; }, 10000);
  ASSERT_TRUE(error.has_value()) << "the viewer was not told";
  EXPECT_NE((*error)["details"].str().find("rejected the video"), std::string::npos) << error->text;
  EXPECT_TRUE(wait_until([&] { return s.ready_state() == "ready"; }, 5000)) << s.ready_state();
  EXPECT_TRUE(bus_problems(s.pipeline()).empty());
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}

/* A new session's branch gets its stream's caps when it starts, not with
 * the stream's next frame: the offer (which needs them) used to wait up to
 * a frame interval, here 10 s, and now goes out at once. */
TEST_F(Media, OfferDoesNotWaitForTheNextFrame) {
  Streamer s("ice-addresses=127.0.0.1 resume-timeout=0 video-encoder=x264enc",
             "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=1/10");
  WsClient a;
  std::string sid;
  /* 4 s: far inside the 10 s to the next frame, and slack for a loaded machine. */
  auto offer = first_offer(s, a, &sid, 4000);
  ASSERT_TRUE(offer.has_value()) << "the offer waited for the next frame";
  EXPECT_NE((*offer)["sdp"]["sdp"].str().find("H264"), std::string::npos);
  EXPECT_TRUE(bus_problems(s.pipeline()).empty());
  EXPECT_TRUE(s.set_state(GST_STATE_NULL));
}
