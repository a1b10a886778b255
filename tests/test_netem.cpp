/* Lossy networks and congestion control (issue 11, part 4), with real
 * parts only: the streamer in the root namespace, headless Chromium in a
 * namespace of its own (tests/nvcfnetem.h) reached over a link that loses,
 * delays (tests/netem-bridge.py: the kernel has no netem) and caps (tbf)
 * the media direction. Each test prints
 * its figures (NACK, PLI, freezes, longest decode gap, bitrate timeline)
 * as one "netem:" line, for the report. Root only: skipped otherwise. */
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <sstream>

#include "nvcfnetem.h"
#include "nvcfproc.h"
#include "nvcftest.h"

using namespace nvcftest;

namespace {

#define NETEM_REQUIRE()                                       \
  do {                                                        \
    std::string why_ = root_missing();                        \
    if (!why_.empty())                                        \
      GTEST_SKIP() << "the netem suite needs root: " << why_; \
    PEERS_REQUIRE({"playwright-core"}, {"chromium"});         \
  } while (0)

/* A noisy picture, so the encoder spends the bitrate it is given (a still
 * test card would undershoot any target and never meet a cap). */
constexpr const char* kSource =
    "videotestsrc is-live=true pattern=snow ! video/x-raw,width=320,height=240,framerate=30/1";

/* The streamer bound to the veth's root end, and the session's webrtcbin
 * once one is made (for its SDP and connection state). */
class Sender {
 public:
  Sender(const ViewerNetwork& net, const std::string& props)
      : streamer_("control-address=" + net.host_address() + " ice-addresses=" + net.host_address() +
                      " video-encoder=x264enc resume-timeout=0 " + props,
                  kSource),
        host_(net.host_address()) {
    g_signal_connect(streamer_.sink(), "webrtcbin-created",
                     G_CALLBACK(+[](GstElement*, const gchar*, GstElement* webrtc, gpointer data) {
                       auto* self = static_cast<Sender*>(data);
                       std::lock_guard<std::mutex> l(self->lock_);
                       if (!self->webrtc_)
                         self->webrtc_ = GST_ELEMENT(gst_object_ref(webrtc));
                     }),
                     this);
  }
  ~Sender() {
    streamer_.set_state(GST_STATE_NULL);
    if (webrtc_)
      gst_object_unref(webrtc_);
  }
  bool start() {
    return streamer_.set_state(GST_STATE_PLAYING) && streamer_.wait_ready_state("ready", 15000);
  }
  std::string signalling() const {
    return "ws://" + host_ + ":" + std::to_string(streamer_.streaming_port()) + "/sign_in";
  }
  GstElement* webrtc() {
    std::lock_guard<std::mutex> l(lock_);
    return webrtc_;
  }
  bool connected() {
    GstElement* w = webrtc();
    if (!w)
      return false;
    GstWebRTCPeerConnectionState state;
    g_object_get(w, "connection-state", &state, NULL);
    return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
  }
  std::string local_sdp() {
    GstElement* w = webrtc();
    GstWebRTCSessionDescription* d = nullptr;
    if (w)
      g_object_get(w, "local-description", &d, NULL);
    if (!d)
      return "";
    gchar* text = gst_sdp_message_as_text(d->sdp);
    std::string out = text;
    g_free(text);
    gst_webrtc_session_description_free(d);
    return out;
  }
  /* The bitrate the encoder is set to now, kbit/s (x264enc's unit). */
  unsigned encoder_kbps() {
    GstElement* enc = gst_bin_get_by_name(GST_BIN(streamer_.sink()), "video_0-encoder");
    guint kbps = 0;
    if (enc) {
      g_object_get(enc, "bitrate", &kbps, NULL);
      gst_object_unref(enc);
    }
    return kbps;
  }
  /* video-bitrate of the element's stats. */
  unsigned stats_kbps() {
    GstStructure* s = nullptr;
    g_object_get(streamer_.sink(), "stats", &s, NULL);
    guint kbps = 0;
    if (s) {
      gst_structure_get_uint(s, "video-bitrate", &kbps);
      gst_structure_free(s);
    }
    return kbps;
  }
  Streamer& streamer() { return streamer_; }

 private:
  Streamer streamer_;
  std::string host_;
  std::mutex lock_;
  GstElement* webrtc_ = nullptr; /* protected by lock_ */
};

/* Chromium in the viewer's namespace, watching for hold_s after its first
 * 30 frames. */
bool start_viewer(Child& viewer, const ViewerNetwork& net, Sender& sender, unsigned hold_s) {
  return viewer.start(net.inside({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                                  sender.signalling(), "--frames", "30", "--timeout", "40",
                                  "--sample-ms", "100", "--hold-seconds", std::to_string(hold_s)}));
}

std::string figures(const std::string& condition, const Json& r) {
  std::ostringstream o;
  o << "netem: " << condition << ": framesDecoded " << r["framesDecoded"].number() << " nack "
    << r["nackCount"].number() << " pli " << r["pliCount"].number() << " keyFrames "
    << r["keyFramesDecoded"].number() << " freezes " << r["freezeCount"].number()
    << " framesDropped " << r["framesDropped"].number() << " packetsLost "
    << r["packetsLost"].number() << " retransmitted " << r["retransmittedPackets"].number()
    << " longestGapMs " << r["longestGapMs"].number() << " rttMs " << r["roundTripTimeMs"].number();
  return o.str();
}

class Netem : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init(); }
};

struct Condition {
  const char* name;
  Impairment impairment;
};

/* Under loss or delay Chromium keeps decoding for the whole window: its
 * losses are repaired by NACK/RTX (the offer carries rtx payloads), what
 * cannot be repaired by a key unit on PLI. */
void keeps_decoding(const Condition& c) {
  ViewerNetwork net(c.impairment);
  ASSERT_TRUE(net.ok()) << net.error();
  Sender sender(net, "video-bitrate=1500");
  ASSERT_TRUE(sender.start());

  Child viewer("chromium");
  ASSERT_TRUE(start_viewer(viewer, net, sender, 15));
  Json r = viewer.json(90000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  std::string report = figures(c.name, r);
  printf("%s\n", report.c_str());
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();

  std::string sdp = sender.local_sdp();
  EXPECT_TRUE(contains(sdp, "rtx/90000")) << "no RTX in the offer:\n" << sdp;
  EXPECT_TRUE(contains(sdp, "nack")) << sdp;
  EXPECT_TRUE(contains(r["candidatePair"]["local"].str(), net.viewer_address()))
      << "media did not cross the shaped veth: " << r.text();

  /* 15 s at 30 fps; decoding never stood still for long. */
  EXPECT_GT(r["framesDecoded"].number(), 300) << report;
  EXPECT_LT(r["longestGapMs"].number(), 1500) << report;
  if (c.impairment.loss > 0) {
    EXPECT_GT(r["packetsLost"].number() + r["nackCount"].number(), 0)
        << "the link lost nothing: " << report;
    EXPECT_GT(r["nackCount"].number(), 0) << report;
    EXPECT_GT(r["retransmittedPackets"].number(), 0) << "no retransmission arrived: " << report;
  } else {
    EXPECT_GE(r["roundTripTimeMs"].number(), 40) << "the delay was not applied: " << report;
  }
  /* A key unit answers PLI: more than the first one was decoded. */
  if (r["pliCount"].number() >= 2) {
    EXPECT_GE(r["keyFramesDecoded"].number(), 2) << report;
  }
}

}  // namespace

TEST_F(Netem, KeepsDecodingAtTwoPercentLoss) {
  NETEM_REQUIRE();
  keeps_decoding({"loss 2%", {0.02, 0, 0}});
}

TEST_F(Netem, KeepsDecodingAtFivePercentLoss) {
  NETEM_REQUIRE();
  keeps_decoding({"loss 5%", {0.05, 0, 0}});
}

TEST_F(Netem, KeepsDecodingAt50msDelayWithJitter) {
  NETEM_REQUIRE();
  keeps_decoding({"delay 50ms +-10ms", {0, 50, 10}});
}

namespace {

/* The encoder's bitrate every 500 ms while the test waits, as "t:kbps". */
struct Timeline {
  gint64 start = g_get_monotonic_time();
  std::string text;
  unsigned lowest = ~0u;
  /* Samples for up to timeout_ms, until done(kbps); the seconds it took,
   * or -1. */
  double until(Sender& sender, unsigned timeout_ms, const std::function<bool(unsigned)>& done) {
    gint64 from = g_get_monotonic_time();
    for (;;) {
      unsigned kbps = sender.encoder_kbps();
      gint64 now = g_get_monotonic_time();
      char point[48];
      snprintf(point, sizeof point, " %.1f:%u", (now - start) / 1e6, kbps);
      text += point;
      lowest = std::min(lowest, kbps);
      if (done(kbps))
        return (now - from) / 1e6;
      if (now - from > (gint64)timeout_ms * 1000)
        return -1;
      pause(500);
    }
  }
  void mark(const char* what) { text += std::string(" [") + what + "]"; }
};

constexpr const char* kTwccExtension = "transport-wide-cc-extensions";

bool wait_connected(Sender& sender) {
  return wait_until([&] { return sender.connected(); }, 40000, 100);
}

}  // namespace

/* The cap drops from 4 to 1 Mbit/s mid-session, then lifts: the encoder's
 * bitrate falls below the cap within seconds and rises again after it,
 * and Chromium keeps decoding all along. */
TEST_F(Netem, BitrateFollowsTheCapDownAndUp) {
  NETEM_REQUIRE();
  ViewerNetwork net;
  ASSERT_TRUE(net.ok()) << net.error();
  Sender sender(net, "video-bitrate=2500 max-video-bitrate=3000 min-video-bitrate=300");
  ASSERT_TRUE(sender.start());
  ASSERT_TRUE(net.shape("tbf rate 4mbit burst 32kb latency 100ms")) << net.error();

  Child viewer("chromium");
  ASSERT_TRUE(start_viewer(viewer, net, sender, 45));
  ASSERT_TRUE(wait_connected(sender)) << viewer.describe();
  EXPECT_TRUE(contains(sender.local_sdp(), kTwccExtension)) << sender.local_sdp();

  Timeline tl;
  tl.mark("4 Mbit/s");
  tl.until(sender, 6000, [](unsigned) { return false; });
  unsigned before = sender.encoder_kbps();
  EXPECT_GT(before, 1000u) << "above the coming cap before it comes:" << tl.text;

  ASSERT_TRUE(net.shape("tbf rate 1mbit burst 16kb latency 100ms")) << net.error();
  tl.mark("1 Mbit/s");
  double fell = tl.until(sender, 10000, [](unsigned kbps) { return kbps < 1000; });
  tl.until(sender, 4000, [](unsigned) { return false; });
  unsigned capped = sender.encoder_kbps();
  unsigned stats = sender.stats_kbps();

  ASSERT_TRUE(net.unshape()) << net.error();
  tl.mark("lifted");
  unsigned low = tl.lowest;
  double rose =
      tl.until(sender, 20000, [&](unsigned kbps) { return kbps > std::max(1500u, low + low / 2); });

  Json r = viewer.json(90000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  std::string report = figures("cap 4 -> 1 Mbit/s -> lifted", r);
  printf(
      "%s\nnetem: bitrate timeline (s:kbit/s):%s\nnetem: fell below 1000 after %.1f s, "
      "%u kbit/s under the cap (stats: %u), rose after %.1f s\n",
      report.c_str(), tl.text.c_str(), fell, capped, stats, rose);
  EXPECT_GE(fell, 0) << "the bitrate did not fall below the 1 Mbit/s cap:" << tl.text;
  EXPECT_LT(capped, 1000u) << "not kept below the cap:" << tl.text;
  EXPECT_LT(stats, 1000u) << "the stats property shows another bitrate";
  EXPECT_GE(rose, 0) << "the bitrate did not rise after the cap lifted:" << tl.text;
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_LT(r["longestGapMs"].number(), 3000) << report;
}

/* congestion-control=false: no TWCC extension in the offer (webrtcbin
 * offers the transport-cc feedback itself either way), and the encoder keeps
 * video-bitrate under a cap it cannot meet. */
TEST_F(Netem, CongestionControlOffKeepsTheBitrate) {
  NETEM_REQUIRE();
  ViewerNetwork net;
  ASSERT_TRUE(net.ok()) << net.error();
  Sender sender(net, "video-bitrate=2500 congestion-control=false");
  ASSERT_TRUE(sender.start());
  ASSERT_TRUE(net.shape("tbf rate 1mbit burst 16kb latency 100ms")) << net.error();

  Child viewer("chromium");
  ASSERT_TRUE(start_viewer(viewer, net, sender, 6));
  ASSERT_TRUE(wait_connected(sender)) << viewer.describe();
  EXPECT_FALSE(contains(sender.local_sdp(), kTwccExtension)) << sender.local_sdp();
  Timeline tl;
  tl.until(sender, 6000, [](unsigned) { return false; });
  EXPECT_EQ(tl.lowest, 2500u) << tl.text;
  EXPECT_EQ(sender.encoder_kbps(), 2500u) << tl.text;
  printf("netem: congestion-control=false under 1 Mbit/s: timeline%s\n", tl.text.c_str());
  viewer.stop();
}

/* Two viewers of one encode, one behind a 1 Mbit/s cap: the weakest
 * viewer's estimate bounds the shared encoder, and both keep decoding. */
TEST_F(Netem, WeakestViewerBoundsTheSharedEncoder) {
  NETEM_REQUIRE();
  ViewerNetwork fast, slow;
  ASSERT_TRUE(fast.ok()) << fast.error();
  ASSERT_TRUE(slow.ok()) << slow.error();
  /* Both viewers signal to the fast link's address (the slow one reaches
   * it through its own link); ICE on both link addresses. */
  Sender sender(fast, "max-sessions=2 video-bitrate=2500 ice-addresses=" + fast.host_address() +
                          "," + slow.host_address());
  ASSERT_TRUE(sender.start());
  ASSERT_TRUE(slow.shape("tbf rate 1mbit burst 16kb latency 100ms")) << slow.error();

  Child a("chromium-fast"), b("chromium-slow");
  ASSERT_TRUE(start_viewer(a, fast, sender, 20));
  ASSERT_TRUE(start_viewer(b, slow, sender, 15));
  Timeline tl;
  double fell = tl.until(sender, 30000, [](unsigned kbps) { return kbps < 1000; });
  Json ra = a.json(90000), rb = b.json(90000);
  ASSERT_TRUE(ra.is_object()) << a.describe();
  ASSERT_TRUE(rb.is_object()) << b.describe();
  printf("%s\n%s\nnetem: two viewers, one capped: timeline%s; below 1000 after %.1f s\n",
         figures("two viewers: uncapped", ra).c_str(), figures("two viewers: 1 Mbit/s", rb).c_str(),
         tl.text.c_str(), fell);
  EXPECT_GE(fell, 0) << "the capped viewer did not bound the encoder:" << tl.text;
  EXPECT_TRUE(ra["ok"].boolean()) << ra.text() << "\n" << a.describe();
  EXPECT_TRUE(rb["ok"].boolean()) << rb.text() << "\n" << b.describe();
}
