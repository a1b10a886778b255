/* Credentials rotation end to end, with a real coturn on 127.0.0.1 and
 * werift viewers, under the relay policy (ice-transport-policy=relay), so
 * every packet crosses coturn and a session works only when the TURN
 * credentials it used are valid at coturn at that moment.
 *
 * Credentials are time-limited TURN REST credentials, as NVCF posts them
 * (username "<expiry>:<user>", password base64(HMAC-SHA1(secret,
 * username))); coturn checks them with use-auth-secret. NVCF rotates the
 * shared secret (a cron job) and posts new credentials: a session running
 * on the old ones must go on, the next session and a restart of a running
 * one (its resume: a fresh webrtcbin and ICE agent, which is how a session
 * restarts ICE here, webrtcbin having no ICE restart of its own) must use
 * the new ones. */
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "nvcfproc.h"
#include "nvcfsecrets.h"
#include "nvcftest.h"
#include "nvcfturn.h"

using namespace nvcftest;
namespace sec = nvcftest::secrets;

namespace {

constexpr const char* kSource =
    "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=15/1";
/* Relay only, on loopback; coturn relays from its own range. */
constexpr const char* kRelayOnly =
    "ice-addresses=127.0.0.1 ice-transport-policy=relay video-encoder=x264enc ";
constexpr const char* kRelayPorts = "63000-63199";

/* Every webrtcbin the element made, by session, with its local candidates;
 * sessions that ended, with nothing else to tell them apart. */
struct Watch {
  std::mutex lock;
  std::vector<std::pair<std::string, GstElement*>> made;  // session id, webrtcbin (unowned)
  std::map<GstElement*, std::vector<std::string>> candidates;
  std::vector<std::string> ended;

  size_t made_for(const std::string& id) {
    std::lock_guard<std::mutex> l(lock);
    size_t n = 0;
    for (auto& [sid, w] : made)
      n += sid == id;
    return n;
  }
  std::string id_of(size_t i) {
    std::lock_guard<std::mutex> l(lock);
    return i < made.size() ? made[i].first : "";
  }
  /* Local candidates of the i-th webrtcbin made. */
  std::vector<std::string> candidates_of(size_t i) {
    std::lock_guard<std::mutex> l(lock);
    return i < made.size() ? candidates[made[i].second] : std::vector<std::string>{};
  }
  bool has_ended(const std::string& id) {
    std::lock_guard<std::mutex> l(lock);
    for (auto& e : ended)
      if (e == id)
        return true;
    return false;
  }
  size_t count() {
    std::lock_guard<std::mutex> l(lock);
    return made.size();
  }

  void attach(GstElement* sink) {
    g_signal_connect(sink, "webrtcbin-created",
                     G_CALLBACK(+[](GstElement*, const gchar* id, GstElement* webrtc, Watch* w) {
                       {
                         std::lock_guard<std::mutex> l(w->lock);
                         w->made.emplace_back(id, webrtc);
                       }
                       g_signal_connect(webrtc, "on-ice-candidate",
                                        G_CALLBACK(+[](GstElement* e, guint, gchar* c, Watch* w) {
                                          std::lock_guard<std::mutex> l(w->lock);
                                          w->candidates[e].push_back(c ? c : "");
                                        }),
                                        w);
                     }),
                     this);
    g_signal_connect(sink, "session-ended",
                     G_CALLBACK(+[](GstElement*, const gchar* id, const gchar*, Watch* w) {
                       std::lock_guard<std::mutex> l(w->lock);
                       w->ended.push_back(id);
                     }),
                     this);
  }
};

/* The last "video packets N" a --progress viewer logged. */
long video_packets(const Child& viewer) {
  static const std::regex re("video packets (\\d+)");
  std::string err = viewer.err();
  long n = -1;
  for (std::sregex_iterator it(err.begin(), err.end(), re), end; it != end; ++it)
    n = std::stol((*it)[1]);
  return n;
}

/* The viewer's packet count grows by more than `more` within timeout_ms. */
bool keeps_receiving(const Child& viewer, long more, unsigned timeout_ms) {
  long from = video_packets(viewer);
  return wait_until([&] { return video_packets(viewer) > from + more; }, timeout_ms, 100);
}

/* Viewers signal loopback candidates only, so the relay never sends to
 * this machine's other addresses (tests reach 127.0.0.0/8 only); a pair
 * to an address the viewer's own pair filter refuses could also be
 * selected on this side alone. */
void expect_loopback_peers(const Coturn& turn) {
  auto peers = turn.peers();
  EXPECT_FALSE(peers.empty()) << "coturn logged no permission\n" << tail(turn.proc->out(), 2000);
  for (const auto& p : peers)
    EXPECT_TRUE(g_str_has_prefix(p.c_str(), "127.")) << "coturn was asked to relay to " << p;
}

bool all_relay(const std::vector<std::string>& cands) {
  if (cands.empty())
    return false;
  for (auto& c : cands)
    if (c.find(" typ relay") == std::string::npos)
      return false;
  return true;
}

unsigned post(const Streamer& s, const nvcf::Credentials& c) {
  return http(s.control_port(), "POST", "/v1/streaming/creds", "application/json",
              nvcf::credentials_json(c))
      .status;
}

class Rotation : public ::testing::Test {
 protected:
  void SetUp() override { init(); }

  std::vector<std::string> viewer_args(const Streamer& s, std::vector<std::string> more) {
    std::vector<std::string> argv = {
        program("node"), e2e_path("werift-viewer.mjs"), "--signalling",
        "ws://127.0.0.1:" + std::to_string(s.streaming_port()) + "/sign_in"};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  }
};

/* Warnings our categories logged, captured while the object lives. */
struct Warnings {
  static std::mutex lock;
  static std::vector<std::string> lines;
  static void log(GstDebugCategory* cat, GstDebugLevel level, const gchar*, const gchar*, gint,
                  GObject*, GstDebugMessage* m, gpointer) {
    if (level > GST_LEVEL_WARNING || !g_str_has_prefix(gst_debug_category_get_name(cat), "nvcf"))
      return;
    std::lock_guard<std::mutex> l(lock);
    lines.push_back(gst_debug_message_get(m));
  }
  Warnings() { gst_debug_add_log_function(log, nullptr, nullptr); }
  ~Warnings() { gst_debug_remove_log_function(log); }
  bool any(const std::string& part) {
    std::lock_guard<std::mutex> l(lock);
    for (auto& s : lines)
      if (s.find(part) != std::string::npos)
        return true;
    return false;
  }
};
std::mutex Warnings::lock;
std::vector<std::string> Warnings::lines;

}  // namespace

/* Session A runs on credentials from secret 1. NVCF rotates three times:
 * each time coturn gets the next secret and forgets the last one, and
 * credentials from the new secret are posted. A is never torn down and
 * its relay keeps carrying media; a session started while the stale
 * credentials are still posted fails cleanly (coturn refuses them: the
 * proof that coturn knows only the new secret); a session after the post
 * streams, so it used the new credentials; and A's restarts (after the
 * second rotation and after the last: a dropped socket and resume, a
 * fresh webrtcbin and ICE gathering) stream again, on the credentials
 * current at that moment. */
TEST_F(Rotation, NextSessionAndRestartUseNewCredentials) {
  PEERS_REQUIRE({"ws", "werift"}, {"turnserver", "turnadmin"});
  const std::vector<std::string> secrets = {sec::kRestSecret, sec::kRestSecret2, sec::kRestSecret3,
                                            sec::kRestSecret4};
  Coturn turn(Coturn::rotating_secrets(), kRelayPorts);
  ASSERT_TRUE(turn.add_secret(secrets[0])) << "turnadmin could not add a secret";
  ASSERT_TRUE(turn.start()) << turn.describe();

  Streamer s(std::string(kRelayOnly) + "max-sessions=3 resume-timeout=30", kSource);
  Watch watch;
  watch.attach(s.sink());
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_EQ(post(s, sec::rest(secrets[0], "viewer-a", turn.port)), 200u);
  ASSERT_TRUE(wait_ready_state(s.control_port(), "ready", 20000));

  Child a("viewer-a");
  ASSERT_TRUE(a.start(viewer_args(s, {"--subprotocol", "nvcf-reqid.rotation-viewer-a", "--progress",
                                      "--packets", "100000000", "--timeout", "240"})));
  ASSERT_TRUE(wait_until([&] { return video_packets(a) > 30; }, 30000, 100))
      << a.describe() << "\ncoturn: " << turn.proc->out();
  std::string a_id = watch.id_of(0);
  ASSERT_FALSE(a_id.empty());
  EXPECT_TRUE(all_relay(watch.candidates_of(0))) << "A gathered more than relay candidates";

  size_t a_webrtcbins = 1;
  unsigned sessions_ok = 0, sessions_refused = 0;
  /* A restarts: its new ICE agent gathers with the credentials current now,
   * and A streams again. */
  auto restart_a = [&] {
    long at_drop = video_packets(a);
    a.signal(SIGUSR1);
    a_webrtcbins++;
    ASSERT_TRUE(wait_until([&] { return watch.made_for(a_id) == a_webrtcbins; }, 20000, 100))
        << "A's restart made no fresh webrtcbin\n"
        << a.describe();
    EXPECT_TRUE(wait_until([&] { return video_packets(a) > at_drop + 60; }, 30000, 100))
        << "A got no media after its restart\n"
        << a.describe() << "\ncoturn: " << tail(turn.proc->out(), 3000);
    EXPECT_TRUE(all_relay(watch.candidates_of(watch.count() - 1)));
  };

  for (size_t i = 1; i < secrets.size(); i++) {
    SCOPED_TRACE("rotation " + std::to_string(i));
    /* Rotation at coturn: the last secret's credentials are invalid now. */
    ASSERT_TRUE(turn.add_secret(secrets[i]));
    ASSERT_TRUE(turn.delete_secret(secrets[i - 1]));
    EXPECT_TRUE(keeps_receiving(a, 30, 20000)) << "A stalled when coturn rotated\n" << a.describe();

    /* The stale credentials still posted: a new session gets no relay and
     * ends with a reason naming the TURN server; A goes on. */
    {
      Child c("viewer-stale-" + std::to_string(i));
      ASSERT_TRUE(c.start(viewer_args(s, {"--packets", "10", "--timeout", "30"})));
      Json r = c.json(40000);
      ASSERT_TRUE(r.is_object()) << c.describe();
      EXPECT_FALSE(r["ok"].boolean()) << "stale credentials worked: coturn did not rotate\n"
                                      << r.text();
      EXPECT_TRUE(contains(c.err(), "gave no relay candidate")) << c.describe();
      EXPECT_EQ(r["videoPackets"].number(), 0) << r.text();
      sessions_refused++;
    }
    EXPECT_TRUE(keeps_receiving(a, 30, 20000)) << "A stalled beside a failing session\n"
                                               << a.describe();

    /* NVCF posts the new credentials mid-session. */
    ASSERT_EQ(post(s, sec::rest(secrets[i], "viewer-b", turn.port)), 200u);
    EXPECT_TRUE(keeps_receiving(a, 30, 20000)) << "A stalled after the post\n" << a.describe();
    ASSERT_TRUE(wait_ready_state(s.control_port(), "ready", 20000));

    /* B works, so it used the new credentials (the only ones coturn
     * knows). */
    size_t b_index = watch.count();
    {
      Child b("viewer-b-" + std::to_string(i));
      ASSERT_TRUE(b.start(viewer_args(s, {"--packets", "100", "--timeout", "40"})));
      Json r = b.json(50000);
      ASSERT_TRUE(r.is_object()) << b.describe();
      EXPECT_TRUE(r["ok"].boolean())
          << r.text() << "\n"
          << b.describe() << "\ncoturn: " << tail(turn.proc->out(), 3000);
      EXPECT_GE(r["videoPackets"].number(), 100) << r.text();
      EXPECT_TRUE(g_str_has_prefix(r["candidatePair"]["remote"].str().c_str(), "relay"))
          << r.text();
      EXPECT_TRUE(all_relay(watch.candidates_of(b_index)));
      sessions_ok += r["ok"].boolean();
    }
    if (i == 1) {
      /* A dot dump with live TURN sessions, for secrets-grep
       * (GST_DEBUG_DUMP_DOT_DIR is under the build directory). */
      GST_DEBUG_BIN_TO_DOT_FILE(GST_BIN(s.pipeline()), GST_DEBUG_GRAPH_SHOW_ALL, "rotation-live");
      if (const char* dot = g_getenv("GST_DEBUG_DUMP_DOT_DIR")) {
        EXPECT_TRUE(contains(read_file(std::string(dot) + "/rotation-live.dot"), "GstWebRTCBin"));
      }
    }
    /* A was not torn down by any of it: still live, still receiving, on
     * the webrtcbins of its own restarts only. */
    EXPECT_EQ(watch.made_for(a_id), a_webrtcbins);
    EXPECT_FALSE(watch.has_ended(a_id));
    EXPECT_TRUE(keeps_receiving(a, 30, 20000)) << "A stalled after B\n" << a.describe();
    if (i == 2 || i + 1 == secrets.size())
      restart_a();
  }

  a.signal(SIGTERM);
  Json r = a.json(15000);
  ASSERT_TRUE(r.is_object()) << a.describe();
  EXPECT_TRUE(r["resumed"].boolean()) << r.text();
  EXPECT_TRUE(contains(r["error"].str(), "interrupted")) << "A ended early: " << r.text();
  std::cout << "rotations: " << secrets.size() - 1 << "; sessions: " << watch.count()
            << " webrtcbins (A and its " << a_webrtcbins - 1 << " restarts, " << sessions_ok
            << " new sessions on fresh credentials, " << sessions_refused
            << " refused on stale ones); A received " << r["videoPackets"].number()
            << " video packets, " << r["videoPacketsBeforeResume"].number()
            << " before its last restart\n";
  expect_loopback_peers(turn);
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
}

/* Time-limited credentials as NVCF derives them from coturn's
 * static-auth-secret: a relay-only session gets media. Credentials from
 * the wrong secret: that session ends cleanly, with a reason for the
 * viewer and a warning naming the TURN server, and the streamer serves the
 * next viewer, on good credentials. */
TEST_F(Rotation, HmacCredentialsWorkAndWrongOnesFailCleanly) {
  PEERS_REQUIRE({"ws", "werift"}, {"turnserver"});
  Coturn turn(Coturn::secret(sec::kRestSecret), kRelayPorts);
  ASSERT_TRUE(turn.start()) << turn.describe();
  Streamer s(std::string(kRelayOnly) + "resume-timeout=0", kSource);
  Watch watch;
  watch.attach(s.sink());
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  Warnings warnings;

  for (int round = 0; round < 2; round++) {
    ASSERT_EQ(post(s, sec::rest(sec::kRestSecret, "viewer-a", turn.port)), 200u);
    ASSERT_TRUE(wait_ready_state(s.control_port(), "ready", 20000));
    Child v("viewer-good-" + std::to_string(round));
    ASSERT_TRUE(v.start(viewer_args(s, {"--packets", "100", "--timeout", "40"})));
    Json r = v.json(50000);
    ASSERT_TRUE(r.is_object()) << v.describe();
    EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n"
                                   << v.describe() << "\ncoturn: " << tail(turn.proc->out(), 3000);
    EXPECT_TRUE(g_str_has_prefix(r["candidatePair"]["remote"].str().c_str(), "relay")) << r.text();
    if (round == 1)
      break;

    /* The wrong secret's credentials: coturn refuses them. */
    ASSERT_EQ(post(s, sec::rest(sec::kWrongRestSecret, "viewer-c", turn.port)), 200u);
    ASSERT_TRUE(wait_ready_state(s.control_port(), "ready", 20000));
    Child bad("viewer-wrong");
    ASSERT_TRUE(bad.start(viewer_args(s, {"--packets", "10", "--timeout", "30"})));
    Json rb = bad.json(40000);
    ASSERT_TRUE(rb.is_object()) << bad.describe();
    EXPECT_FALSE(rb["ok"].boolean()) << rb.text();
    EXPECT_TRUE(contains(rb["error"].str(), "streamer ended the session")) << rb.text();
    EXPECT_TRUE(contains(bad.err(), "ice-transport-policy is relay and the TURN server 127.0.0.1:" +
                                        std::to_string(turn.port) + " gave no relay candidate"))
        << bad.describe();
    EXPECT_TRUE(warnings.any("TURN server 127.0.0.1:" + std::to_string(turn.port) +
                             " gave no relay candidate"));
  }
  EXPECT_EQ(watch.count(), 3u);
  expect_loopback_peers(turn);
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
}
