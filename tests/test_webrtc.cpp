/* nvcfwebrtcsink against real peers: headless Chromium (our web client, and
 * the unmodified gstwebrtc-api library) and werift (node child processes,
 * the scripts in tests/e2e), coturn as the TURN server, and
 * gst-launch-1.0 for the README's launch line. The pipeline runs in this
 * process so the tests can look inside it (pad probes, webrtcbin, sockets,
 * debug log); every peer is a child that prints one JSON line.
 *
 * All traffic stays on 127.0.0.1: ice-addresses=127.0.0.1 on the element,
 * loopback-only peers, coturn bound to 127.0.0.1. Tests whose tools are
 * missing (node_modules, chromium, turnserver) are skipped, naming them. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/video/navigation.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <gst/video/video.h>

#include <atomic>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nvcfjson.h"
#include "nvcfproc.h"
#include "nvcftest.h"
#include "nvcfws.h"
#include "nvcfsecrets.h"
#include "pipelinefile.h"

using namespace nvcftest;

namespace {

constexpr const char* kVideo =
    "videotestsrc name=vsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1";
constexpr const char* kAudio = " audiotestsrc is-live=true ! sink.";
/* ICE on loopback only; a viewer that drops ends its session at once
 * instead of waiting for a resume, so teardown never waits on one. */
constexpr const char* kLoopback = "ice-addresses=127.0.0.1 resume-timeout=0 ";

gint64 now_ms() {
  return g_get_monotonic_time() / 1000;
}

/* ------------------------------------------------------------------ tools */

enum Needs : unsigned {
  kNode = 1,
  kChromium = 2,
  kWerift = 4,
  kTurn = 8,
  kLaunch = 16,
  kGstWebrtcApi = 32
};

/* What is missing for a test, as a sentence part; "" when all is there. */
std::string missing(unsigned needs) {
  std::vector<std::string> gone;
  if (program("node").empty())
    gone.push_back("node");
  if (!exists(e2e_path("node_modules/ws")))
    gone.push_back(e2e_path("node_modules/ws") + " (npm install in tests/e2e)");
  if ((needs & kChromium) && !exists("/usr/bin/chromium"))
    gone.push_back("/usr/bin/chromium");
  if ((needs & kChromium) && !exists(e2e_path("node_modules/playwright-core")))
    gone.push_back(e2e_path("node_modules/playwright-core"));
  if ((needs & kWerift) && !exists(e2e_path("node_modules/werift")))
    gone.push_back(e2e_path("node_modules/werift"));
  if ((needs & kGstWebrtcApi) && !exists(e2e_path("node_modules/gstwebrtc-api")))
    gone.push_back(e2e_path("node_modules/gstwebrtc-api"));
  if ((needs & kTurn) && program("turnserver").empty())
    gone.push_back("turnserver (coturn)");
  if ((needs & kLaunch) && program("gst-launch-1.0").empty())
    gone.push_back("gst-launch-1.0");
  std::string out;
  for (auto& g : gone)
    out += (out.empty() ? "" : ", ") + g;
  return out;
}

/* Skipped where a peer is missing, unless the build asked for the peers
 * (-Dbrowser-tests=enabled, as scripts/test does): then a missing peer is a
 * failure, so a broken install cannot pass as a row of skips. */
#define REQUIRE_TOOLS(needs)                                                   \
  do {                                                                         \
    std::string gone_ = missing(needs);                                        \
    if (!gone_.empty() && g_strcmp0(g_getenv("NVCF_REQUIRE_PEERS"), "1") == 0) \
      FAIL() << "missing for this real-peer test: " << gone_;                  \
    if (!gone_.empty())                                                        \
      GTEST_SKIP() << "missing for this real-peer test: " << gone_;            \
  } while (0)

/* ---------------------------------------------------------------- coturn */

/* coturn on a free 127.0.0.1 port with long-term credentials; relays from a
 * range outside Linux's ephemeral ports (32768-60999). */
class Turn {
 public:
  static constexpr const char* kUser = "nvcfuser";
  static inline const std::string kPassword = nvcftest::secrets::kTurnPassword;

  ~Turn() { child_.stop(SIGTERM, 3000); }

  bool start() {
    port_ = free_port();
    if (!port_) {
      ADD_FAILURE() << "no free port for coturn";
      return false;
    }
    std::string conf = dir_.file("turnserver.conf");
    std::ofstream f(conf);
    f << "listening-ip=127.0.0.1\n"
      << "relay-ip=127.0.0.1\n"
      << "listening-port=" << port_ << "\n"
      << "min-port=61000\nmax-port=61999\n"
      << "lt-cred-mech\n"
      << "user=" << kUser << ":" << kPassword << "\n"
      << "realm=nvcf.test\n"
      << "allow-loopback-peers\n"
      << "no-tls\nno-dtls\nno-cli\n"
      << "no-multicast-peers\n"
      << "userdb=" << dir_.file("turndb") << "\n"
      << "pidfile=" << dir_.file("turnserver.pid") << "\n"
      << "log-file=" << dir_.file("turn.log") << "\n"
      << "simple-log\n";
    f.close();
    if (!child_.start({program("turnserver"), "-c", conf}))
      return false;
    if (!wait_until([&] { return tcp_accepts(port_) || !child_.running(); }, 10000, 50) ||
        !child_.running()) {
      ADD_FAILURE() << "coturn did not come up on 127.0.0.1:" << port_ << "\n"
                    << child_.describe() << "\nlog: " << tail(log(), 3000);
      return false;
    }
    return true;
  }
  unsigned port() const { return port_; }
  std::string log() const {
    /* coturn may add a date to the log file name. */
    std::string all = read_file(dir_.file("turn.log"));
    if (DIR* d = opendir(dir_.path.c_str())) {
      while (dirent* e = readdir(d))
        if (g_str_has_prefix(e->d_name, "turn") && g_str_has_suffix(e->d_name, ".log") &&
            std::string(e->d_name) != "turn.log")
          all += read_file(dir_.file(e->d_name));
      closedir(d);
    }
    return all;
  }
  std::string creds_json(const std::string& password) const {
    return std::string(R"({"stunIp":"127.0.0.1","stunPort":)") + std::to_string(port_) +
           R"(,"username":")" + kUser + R"(","password":")" + password + R"("})";
  }
  std::string ice_json(bool relay_only) const {
    return std::string(R"({"iceServers":[{"urls":"turn:127.0.0.1:)") + std::to_string(port_) +
           R"(","username":")" + kUser + R"(","credential":")" + kPassword + R"("}])" +
           (relay_only ? R"(,"iceTransportPolicy":"relay"})" : "}");
  }

 private:
  TempDir dir_;
  Child child_{"coturn"};
  unsigned port_ = 0;
};

/* ------------------------------------------------------- the element side */

/* Sessions and their webrtcbins as the element announces them; local ICE
 * candidates of every webrtcbin in the element. */
struct SessionWatch {
  std::mutex lock;
  std::set<std::string> live_ids;  // session-started, not yet session-ended
  std::map<std::string, std::string> started_meta, ended_meta;  // peer meta by session id
  int connected = 0;
  std::vector<std::string> turn_servers, stun_servers;  // per webrtcbin-created
  std::vector<guint> latencies;                         // per webrtcbin-created
  std::vector<std::string> bundle_policies;             // per webrtcbin-created
  std::vector<std::string> candidates;                  // local, all sessions
  std::vector<std::string> offers;                      // local SDP of connected sessions
  std::vector<std::string> synced_send_path;            // clock-synced send elements seen

  int live() {
    std::lock_guard<std::mutex> l(lock);
    return (int)live_ids.size();
  }
  bool wait_live(int n, int timeout_ms) {
    return wait_until([&] { return live() == n; }, timeout_ms, 50);
  }
  std::vector<std::string> local_candidates() {
    std::lock_guard<std::mutex> l(lock);
    return candidates;
  }

  static void on_started(GstElement*, const gchar* id, const gchar* meta, SessionWatch* w) {
    std::lock_guard<std::mutex> l(w->lock);
    w->live_ids.insert(id);
    w->started_meta[id] = meta ? meta : "(null)";
  }
  /* A session that fails to start ends without having started. */
  static void on_ended(GstElement*, const gchar* id, const gchar* meta, SessionWatch* w) {
    std::lock_guard<std::mutex> l(w->lock);
    w->live_ids.erase(id);
    w->ended_meta[id] = meta ? meta : "(null)";
  }
  static void on_webrtcbin(GstElement*, const gchar*, GstElement* webrtc, SessionWatch* w) {
    gchar *turn = nullptr, *stun = nullptr;
    guint latency = G_MAXUINT;
    GstWebRTCBundlePolicy bundle = GST_WEBRTC_BUNDLE_POLICY_NONE;
    g_object_get(webrtc, "turn-server", &turn, "stun-server", &stun, "latency", &latency,
                 "bundle-policy", &bundle, NULL);
    GEnumValue* v =
        g_enum_get_value(G_ENUM_CLASS(g_type_class_peek(GST_TYPE_WEBRTC_BUNDLE_POLICY)), bundle);
    std::lock_guard<std::mutex> l(w->lock);
    w->turn_servers.push_back(turn ? turn : "");
    w->stun_servers.push_back(stun ? stun : "");
    w->latencies.push_back(latency);
    w->bundle_policies.push_back(v ? v->value_nick : "?");
    g_free(turn);
    g_free(stun);
  }
  static void on_candidate(GstElement*, guint, gchar* candidate, SessionWatch* w) {
    std::lock_guard<std::mutex> l(w->lock);
    w->candidates.push_back(candidate ? candidate : "");
  }
  static void on_connection_state(GstElement* webrtc, GParamSpec*, SessionWatch* w) {
    GstWebRTCPeerConnectionState state;
    g_object_get(webrtc, "connection-state", &state, NULL);
    if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
      return;
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc, "local-description", &local, NULL);
    gchar* sdp = local ? gst_sdp_message_as_text(local->sdp) : nullptr;
    std::vector<std::string> synced = clock_synced_send_path(webrtc);
    std::lock_guard<std::mutex> l(w->lock);
    w->synced_send_path.insert(w->synced_send_path.end(), synced.begin(), synced.end());
    w->connected++;
    w->offers.push_back(sdp ? sdp : "");
    g_free(sdp);
    if (local)
      gst_webrtc_session_description_free(local);
  }
  /* The elements of webrtcbin's send path (clocksync, nicesink) that wait
   * for the clock: with live input none may, or every packet waits for
   * running time + the pipeline latency (33 ms with videotestsrc). */
  static std::vector<std::string> clock_synced_send_path(GstElement* webrtc) {
    std::vector<std::string> out;
    GstIterator* it = gst_bin_iterate_recurse(GST_BIN(webrtc));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
      GstElement* e = GST_ELEMENT(g_value_get_object(&v));
      GstElementFactory* f = gst_element_get_factory(e);
      const gchar* name = f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "";
      if (g_str_equal(name, "clocksync") || g_str_equal(name, "nicesink")) {
        gboolean sync = FALSE;
        g_object_get(e, "sync", &sync, NULL);
        if (sync)
          out.push_back(GST_ELEMENT_NAME(e));
      }
      g_value_reset(&v);
    }
    g_value_unset(&v);
    gst_iterator_free(it);
    return out;
  }
  /* An offer without a=ssrc lines: a peer that does not demux by payload
   * type (werift) cannot map the RTP to its track and counts nothing. */
  bool offer_without_ssrc() {
    std::lock_guard<std::mutex> l(lock);
    for (auto& o : offers)
      if (o.find("\na=ssrc:") == std::string::npos)
        return true;
    return false;
  }
  /* deep-element-added comes with gst_bin_add, before negotiation starts:
   * no local candidate can be missed (webrtcbin-created comes later). */
  static void on_deep_added(GstBin*, GstBin*, GstElement* e, SessionWatch* w) {
    if (g_strcmp0(G_OBJECT_TYPE_NAME(e), "GstWebRTCBin") != 0)
      return;
    g_signal_connect(e, "on-ice-candidate", G_CALLBACK(on_candidate), w);
    g_signal_connect(e, "notify::connection-state", G_CALLBACK(on_connection_state), w);
  }
  bool wait_connected(int n, int timeout_ms) {
    return wait_until(
        [&] {
          std::lock_guard<std::mutex> l(lock);
          return connected >= n;
        },
        timeout_ms, 50);
  }

  void attach(GstElement* sink) {
    g_signal_connect(sink, "session-started", G_CALLBACK(on_started), this);
    g_signal_connect(sink, "session-ended", G_CALLBACK(on_ended), this);
    g_signal_connect(sink, "webrtcbin-created", G_CALLBACK(on_webrtcbin), this);
    g_signal_connect(sink, "deep-element-added", G_CALLBACK(on_deep_added), this);
  }
};

/* Navigation events that reached the video source (a PadProbe's state on
 * its src pad, upstream events). */
struct NavigationEvents {
  std::mutex lock;
  std::vector<std::pair<double, double>> moves;
  std::vector<std::string> key_presses;

  GstPadProbeReturn on_probe(GstPadProbeInfo* info) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) != GST_EVENT_NAVIGATION)
      return GST_PAD_PROBE_OK;
    std::lock_guard<std::mutex> l(lock);
    switch (gst_navigation_event_get_type(ev)) {
      case GST_NAVIGATION_EVENT_MOUSE_MOVE: {
        gdouble x = 0, y = 0;
        if (gst_navigation_event_parse_mouse_move_event(ev, &x, &y))
          moves.emplace_back(x, y);
        break;
      }
      case GST_NAVIGATION_EVENT_KEY_PRESS: {
        const gchar* key = nullptr;
        if (gst_navigation_event_parse_key_event(ev, &key) && key)
          key_presses.push_back(key);
        break;
      }
      default:
        break;
    }
    return GST_PAD_PROBE_OK;
  }
  bool pressed(const std::string& key) {
    std::lock_guard<std::mutex> l(lock);
    return std::find(key_presses.begin(), key_presses.end(), key) != key_presses.end();
  }
  /* What the pages send: the mouse at the centre of 320x240 video, then "a". */
  void expect_centre_move_and_key_a() {
    EXPECT_TRUE(wait_until([&] { return moved_near(160, 120, 2); }, 3000, 50)) << summary();
    EXPECT_TRUE(wait_until([&] { return pressed("a"); }, 3000, 50)) << summary();
  }
  bool moved_near(double x, double y, double tol) {
    std::lock_guard<std::mutex> l(lock);
    for (auto& [mx, my] : moves)
      if (std::abs(mx - x) <= tol && std::abs(my - y) <= tol)
        return true;
    return false;
  }
  std::string summary() {
    std::lock_guard<std::mutex> l(lock);
    std::string s = "moves:";
    for (auto& [x, y] : moves)
      s += " (" + std::to_string(x) + "," + std::to_string(y) + ")";
    s += "; key presses:";
    for (auto& k : key_presses)
      s += " " + k;
    return s;
  }
};

/* Collects this process's GStreamer debug lines: ours and webrtcbin's (which
 * holds the ICE configuration, TURN URI included) at every level, and every
 * other category at INFO. A secret must not appear at any of them. */
struct LogCapture {
  std::mutex lock;
  std::string text;

  static void on_log(GstDebugCategory* cat, GstDebugLevel level, const gchar*, const gchar*, gint,
                     GObject*, GstDebugMessage* message, gpointer data) {
    auto* self = static_cast<LogCapture*>(data);
    const gchar* name = gst_debug_category_get_name(cat);
    const gchar* msg = gst_debug_message_get(message);
    std::lock_guard<std::mutex> l(self->lock);
    self->text +=
        std::string(gst_debug_level_get_name(level)) + " " + name + " " + (msg ? msg : "") + "\n";
  }
  void start() {
    gst_debug_remove_log_function(gst_debug_log_default);  // keep stderr quiet
    gst_debug_add_log_function(on_log, this, nullptr);
    gst_debug_set_threshold_from_string("*:INFO,nvcf*:MEMDUMP,webrtc*:MEMDUMP", TRUE);
  }
  void stop() {
    const gchar* env = g_getenv("GST_DEBUG");
    gst_debug_set_threshold_from_string(env ? env : "", TRUE);
    gst_debug_remove_log_function(on_log);
    restore_default_log();
  }
  std::string get() {
    std::lock_guard<std::mutex> l(lock);
    return text;
  }
};

/* Error messages on a bus, popped without blocking. */
std::vector<std::string> bus_errors(GstElement* pipeline) {
  std::vector<std::string> out;
  GstBus* bus = gst_element_get_bus(pipeline);
  while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* err = nullptr;
    gchar* dbg = nullptr;
    gst_message_parse_error(m, &err, &dbg);
    out.push_back(std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " +
                  (err ? err->message : "?") + " (" + (dbg ? dbg : "") + ")");
    g_clear_error(&err);
    g_free(dbg);
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  return out;
}

/* ----------------------------------------------------------- UDP sockets */

struct UdpSocket {
  std::string address;  // dotted IPv4 or IPv6 hex
  unsigned port = 0;
  bool multicast = false;
};

std::set<unsigned long> own_socket_inodes() {
  std::set<unsigned long> inodes;
  DIR* d = opendir("/proc/self/fd");
  if (!d)
    return inodes;
  while (dirent* e = readdir(d)) {
    char target[256];
    std::string link = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0)
      continue;
    target[n] = 0;
    unsigned long inode;
    if (sscanf(target, "socket:[%lu]", &inode) == 1)
      inodes.insert(inode);
  }
  closedir(d);
  return inodes;
}

/* This process's UDP sockets from /proc/net/udp{,6} by socket inode. */
std::vector<UdpSocket> own_udp_sockets() {
  std::vector<UdpSocket> out;
  std::set<unsigned long> inodes = own_socket_inodes();
  for (const char* table : {"/proc/self/net/udp", "/proc/self/net/udp6"}) {
    std::istringstream lines(read_file(table));
    std::string line;
    std::getline(lines, line);  // header
    bool v6 = g_str_has_suffix(table, "6");
    while (std::getline(lines, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, tr, retr, uid, timeout;
      unsigned long inode = 0;
      f >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> inode;
      if (!inodes.count(inode))
        continue;
      auto colon = local.find(':');
      if (colon == std::string::npos)
        continue;
      UdpSocket s;
      std::string addr = local.substr(0, colon);
      s.port = std::stoul(local.substr(colon + 1), nullptr, 16);
      if (!v6) {
        /* The kernel prints the network-order word as a host integer. */
        in_addr a;
        a.s_addr = (in_addr_t)std::stoul(addr, nullptr, 16);
        s.address = inet_ntoa(a);
        s.multicast = IN_MULTICAST(ntohl(a.s_addr));
      } else {
        s.address = "[" + addr + "]";
        /* ff00::/8: the first byte of the first printed word. */
        s.multicast =
            addr.size() >= 8 && (std::stoul(addr.substr(0, 8), nullptr, 16) & 0xff) == 0xff;
      }
      out.push_back(s);
    }
  }
  return out;
}

/* The lines of the first SDP section whose m= line starts with "m=<kind> "
 * (the m= line included); empty if there is none. */
std::vector<std::string> sdp_section(const std::string& sdp, const std::string& kind) {
  std::vector<std::string> out;
  std::istringstream lines(sdp);
  std::string line;
  bool in = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (g_str_has_prefix(line.c_str(), "m=")) {
      if (in)
        break;
      in = g_str_has_prefix(line.c_str(), ("m=" + kind + " ").c_str());
    }
    if (in)
      out.push_back(line);
  }
  return out;
}

bool has_line(const std::vector<std::string>& lines, const std::string& want) {
  return std::find(lines.begin(), lines.end(), want) != lines.end();
}

/* Force-key-unit requests arriving upstream at an encoder's src pad (a
 * PadProbe's state). */
struct KeyUnitRequests {
  std::atomic<int> requests{0};
  GstPadProbeReturn on_probe(GstPadProbeInfo* info) {
    if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
      requests++;
    return GST_PAD_PROBE_OK;
  }
  int count() const { return requests.load(); }
  /* Waits until no request came for quiet_ms; the count then. */
  int settle(int quiet_ms, int timeout_ms) {
    int last = count();
    gint64 since = now_ms();
    wait_until(
        [&] {
          int n = count();
          if (n != last) {
            last = n;
            since = now_ms();
          }
          return now_ms() - since >= quiet_ms;
        },
        timeout_ms, 50);
    return count();
  }
};

using KeyUnitProbe = PadProbe<KeyUnitRequests>;
using NavigationProbe = PadProbe<NavigationEvents>;

/* A file of pipelines/ prepared as the launcher does, with these variables
 * set and the file's defaults for the rest; "" (and a failure) if it does
 * not prepare. */
std::string shipped_pipeline(const char* file, const std::map<std::string, std::string>& vars) {
  std::string path = std::string(NVCF_PIPELINES_SOURCE_DIR) + "/" + file;
  std::string text = read_file(path);
  if (text.empty()) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::string error;
  auto desc = nvcf::prepare_pipeline(
      text,
      [&](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end())
          return std::nullopt;
        return it->second;
      },
      &error);
  if (!desc) {
    ADD_FAILURE() << path << ": " << error;
    return "";
  }
  return *desc;
}

/* This process's TCP sockets from /proc/self/net/tcp{,6}: local and remote
 * ports and the state (0A = listening). */
struct TcpSocket {
  unsigned local_port = 0, remote_port = 0;
  std::string state;
  std::string describe() const {
    return ":" + std::to_string(local_port) + "->:" + std::to_string(remote_port) + " st " + state;
  }
};

std::vector<TcpSocket> own_tcp_sockets() {
  std::vector<TcpSocket> out;
  std::set<unsigned long> inodes = own_socket_inodes();
  for (const char* table : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    std::istringstream lines(read_file(table));
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, tr, retr, uid, timeout;
      unsigned long inode = 0;
      f >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> inode;
      auto lc = local.rfind(':'), rc = remote.rfind(':');
      if (!inodes.count(inode) || lc == std::string::npos || rc == std::string::npos)
        continue;
      TcpSocket s;
      s.local_port = std::stoul(local.substr(lc + 1), nullptr, 16);
      s.remote_port = std::stoul(remote.substr(rc + 1), nullptr, 16);
      s.state = st;
      out.push_back(s);
    }
  }
  return out;
}

/* ------------------------------------------------------------- the fixture */

class WebRtc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }

  /* Builds and plays "<source> ! nvcfwebrtcsink name=sink ... <props>". */
  bool play(const std::string& props, const std::string& source = kVideo) {
    return play(std::make_unique<Streamer>(props, source));
  }
  bool play(std::unique_ptr<Streamer> streamer) {
    streamer_ = std::move(streamer);
    if (!streamer_->pipeline() || !streamer_->sink())
      return false;
    watch_->attach(streamer_->sink());
    if (!streamer_->set_state(GST_STATE_PLAYING))
      return false;
    /* A session needs flowing media ("no media is flowing yet"). */
    return wait_until([&] { return streamer_->ready_state() == "ready"; }, 10000, 50);
  }
  GstElement* sink() { return streamer_->sink(); }
  GstElement* pipeline() { return streamer_->pipeline(); }
  std::string signalling() {
    return "ws://127.0.0.1:" + std::to_string(streamer_->streaming_port()) + "/sign_in";
  }
  unsigned control() { return streamer_->control_port(); }

  Child& spawn(const std::string& name, const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& env = {}) {
    children_.push_back(std::make_unique<Child>(name));
    children_.back()->start(argv, env);
    return *children_.back();
  }
  Child& node(const std::string& name, const char* script, std::vector<std::string> args) {
    std::vector<std::string> argv = {program("node"), e2e_path(script)};
    argv.insert(argv.end(), args.begin(), args.end());
    return spawn(name, argv);
  }
  Child& chromium(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--signalling", signalling()});
    return node(name, "chromium-viewer.mjs", args);
  }
  /* Headless Chromium on the published gstwebrtc-api bundle, not our page. */
  Child& gstwebrtc_api(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--signalling", signalling()});
    return node(name, "gstwebrtc-api-viewer.mjs", args);
  }
  Child& werift(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--signalling", signalling()});
    return node(name, "werift-viewer.mjs", args);
  }
  Child& probe(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--signalling", signalling()});
    return node(name, "ws-probe.mjs", args);
  }

  /* Errors on the pipeline bus: none is expected (a leaving viewer's
   * SCTP/DTLS errors stay inside its session). */
  std::vector<std::string> unexpected_errors() { return bus_errors(pipeline()); }

  void TearDown() override {
    /* Peers first: they end their sessions (endSession, socket close). */
    for (auto& c : children_)
      c->stop();
    children_.clear();
    if (!streamer_)
      return;
    /* Every session should end with its peer. One that does not may be
     * wedged, and set_state(NULL) would then hang the whole suite (stopping
     * with a live session once deadlocked): leak the pipeline, and the
     * watch its handlers point to, instead. */
    if (!watch_->wait_live(0, 10000)) {
      ADD_FAILURE() << watch_->live() << " session(s) still live 10 s after every peer left; "
                    << "leaking the pipeline rather than risking a hang in set_state(NULL)";
      (void)streamer_.release();
      (void)watch_.release();
      return;
    }
    for (auto& e : unexpected_errors())
      ADD_FAILURE() << "error on the bus: " << e;
    streamer_.reset();
  }

  std::unique_ptr<Streamer> streamer_;
  std::unique_ptr<SessionWatch> watch_ = std::make_unique<SessionWatch>();
  std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace

/* ----------------------------------------------------------------- tests */

class WebRtcChromium : public WebRtc {
 protected:
  void run(const char* encoder, const char* codec) {
    REQUIRE_TOOLS(kNode | kChromium);
    ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=" + encoder + kAudio));
    GstElement* vsrc = gst_bin_get_by_name(GST_BIN(pipeline()), "vsrc");
    ASSERT_NE(vsrc, nullptr);
    NavigationProbe nav(vsrc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
    gst_object_unref(vsrc);

    /* The encoder gets no periodic key frames (infinite GOP): a joining
     * viewer must make the element ask it for one. */
    GstElement* enc = nullptr;
    ASSERT_TRUE(wait_until(
        [&] { return (enc = gst_bin_get_by_name(GST_BIN(sink()), "video_0-encoder")) != nullptr; },
        5000, 50));
    KeyUnitProbe key_requests(enc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
    gst_object_unref(enc);

    Child& viewer = chromium("chromium", {"--input", "--expect-codec", codec, "--frames", "31"});
    Json r = viewer.json(60000);
    ASSERT_TRUE(r.is_object()) << viewer.describe();
    EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
    EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
    /* The web client's statistics panel shows live figures. */
    for (const char* row : {"Frame rate", "Video bitrate", "Round-trip time", "Decode time"}) {
      std::string shown = r["statsPanel"][row].str();
      EXPECT_FALSE(shown.empty() || shown == "\u2013") << row << ": " << r.text();
    }
    EXPECT_GT(r["audioPackets"].number(), 0) << r.text();
    EXPECT_EQ(r["codec"].str(), codec) << r.text();
    nav->expect_centre_move_and_key_a();
    EXPECT_GE(key_requests->count(), 1) << "no key unit was requested for the new viewer";
  }

  /* A file of pipelines/ that encodes upstream of the sink, run as shipped
   * but at 320x240 to spare the CPU: Chromium decodes it and gets audio, the
   * sink passes the encoded stream through (no encoder of its own), and the
   * joining viewer's key unit request reaches the pipeline's encoder. */
  void run_file(const char* file, const char* encoder, const char* codec, bool add_audio) {
    REQUIRE_TOOLS(kNode | kChromium);
    std::string desc = shipped_pipeline(file, {{"NVCF_WIDTH", "320"},
                                               {"NVCF_HEIGHT", "240"},
                                               {"NVCF_FPS", "30"},
                                               {"NVCF_BITRATE", "600"},
                                               {"NVCF_BITRATE_BPS", "600000"}});
    ASSERT_FALSE(desc.empty());
    auto streamer = std::make_unique<Streamer>(Streamer::Description{}, desc, kLoopback);
    ASSERT_TRUE(streamer->pipeline() && streamer->sink()) << desc;
    if (add_audio) {
      /* The file is video only: Opus encoded upstream as well. */
      GError* err = nullptr;
      GstElement* audio = gst_parse_bin_from_description(
          "audiotestsrc is-live=true ! audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=10",
          TRUE, &err);
      ASSERT_NE(audio, nullptr) << (err ? err->message : "?");
      gst_bin_add(GST_BIN(streamer->pipeline()), audio);
      ASSERT_TRUE(gst_element_link_pads(audio, "src", streamer->sink(), "audio_%u"));
    }
    GstElement* enc = find_by_factory(streamer->pipeline(), encoder);
    ASSERT_NE(enc, nullptr) << "no " << encoder << " in " << desc;
    KeyUnitProbe key_requests(enc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
    gst_object_unref(enc);
    ASSERT_TRUE(play(std::move(streamer))) << desc;

    Child& viewer =
        chromium("chromium", {"--expect-codec", codec, "--frames", "31", "--timeout", "40"});
    Json r = viewer.json(60000);
    ASSERT_TRUE(r.is_object()) << viewer.describe();
    EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
    EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
    EXPECT_GT(r["audioPackets"].number(), 0) << r.text();
    EXPECT_EQ(r["codec"].str(), codec) << r.text();
    EXPECT_GE(key_requests->count(), 1)
        << "the new viewer's key unit request did not reach " << encoder;
    GstElement* own = gst_bin_get_by_name(GST_BIN(sink()), "video_0-encoder");
    EXPECT_EQ(own, nullptr) << "the sink re-encodes encoded input";
    if (own)
      gst_object_unref(own);
  }
};

TEST_F(WebRtcChromium, ChromiumH264) {
  run("x264enc", "H264");
}

TEST_F(WebRtcChromium, ChromiumVP8) {
  run("vp8enc", "VP8");
}

/* The line a new user writes first: x264enc with its defaults upstream.
 * It used to negotiate High 4:4:4 from videotestsrc's Y444 and fail the
 * pipeline when the viewer came; the pad's caps now steer it to a profile
 * Chromium decodes. */
TEST_F(WebRtcChromium, PlainX264LaunchLineStreams) {
  REQUIRE_TOOLS(kNode | kChromium);
  for (const char* encoder : {"x264enc", "x264enc tune=zerolatency"}) {
    ASSERT_TRUE(play(std::string(kLoopback), std::string("videotestsrc is-live=true ! ") + encoder))
        << encoder;
    Child& viewer =
        chromium(encoder, {"--expect-codec", "H264", "--frames", "31", "--timeout", "40"});
    Json r = viewer.json(60000);
    ASSERT_TRUE(r.is_object()) << viewer.describe();
    EXPECT_TRUE(r["ok"].boolean()) << encoder << ": " << r.text() << "\n" << viewer.describe();
    EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
    EXPECT_EQ(r["codec"].str(), "H264") << r.text();
    EXPECT_TRUE(unexpected_errors().empty()) << encoder;
    viewer.stop();
    ASSERT_TRUE(watch_->wait_live(0, 10000)) << "the session outlived its viewer";
    streamer_.reset();
  }
}

/* VP9, which auto never picks: the media type comes from the encoder. */
TEST_F(WebRtcChromium, ChromiumVP9) {
  run("vp9enc", "VP9");
}

/* pipelines/x264-lowlatency.pipeline (x264enc, constrained-baseline) with
 * Opus added upstream. */
TEST_F(WebRtcChromium, EncodedH264FromX264Pipeline) {
  run_file("x264-lowlatency.pipeline", "x264enc", "H264", true);
}

/* pipelines/audio-video.pipeline: vp8enc and opusenc upstream. */
TEST_F(WebRtcChromium, EncodedVP8FromAudioVideoPipeline) {
  run_file("audio-video.pipeline", "vp8enc", "VP8", false);
}

/* The unmodified gstwebrtc-api client (npm package, its published bundle)
 * as the viewer: it finds the streamer as the only producer, decodes H.264,
 * receives audio, and the mouse move and key press that its RemoteController
 * sends reach the video source as navigation events. Its controlResponse
 * events prove the answers have webrtcsink's shape. */
TEST_F(WebRtcChromium, GstWebrtcApiClientWatchesAndControls) {
  REQUIRE_TOOLS(kNode | kChromium | kGstWebrtcApi);
  ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=x264enc" + kAudio));
  GstElement* vsrc = gst_bin_get_by_name(GST_BIN(pipeline()), "vsrc");
  ASSERT_NE(vsrc, nullptr);
  NavigationProbe nav(vsrc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
  gst_object_unref(vsrc);

  Child& viewer = gstwebrtc_api(
      "gstwebrtc-api", {"--input", "--expect-codec", "H264", "--frames", "31", "--timeout", "40"});
  Json r = viewer.json(80000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_TRUE(contains(r["library"].str(), "gstwebrtc-api")) << r.text();
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
  EXPECT_GT(r["audioPackets"].number(), 0) << r.text();
  EXPECT_EQ(r["codec"].str(), "H264") << r.text();
  ASSERT_TRUE(r["producers"].is_array()) << r.text();
  EXPECT_EQ(r["producers"].size(), 1u) << "the streamer is the only producer";
  nav->expect_centre_move_and_key_a();
}

/* Viewer data that is not input reaches the application (data-received
 * signal and bus message); the application answers with send-data. */
TEST_F(WebRtcChromium, ApplicationDataBothWays) {
  REQUIRE_TOOLS(kNode | kChromium);
  ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=x264enc"));
  struct Seen {
    std::mutex lock;
    std::string session, channel, text;
  } seen;
  g_signal_connect(sink(), "data-received",
                   G_CALLBACK(+[](GstElement* sink, const gchar* id, const gchar* channel,
                                  const gchar* text, gpointer data) {
                     auto* seen = static_cast<Seen*>(data);
                     {
                       std::lock_guard<std::mutex> l(seen->lock);
                       seen->session = id;
                       seen->channel = channel;
                       seen->text = text;
                     }
                     gboolean sent = FALSE;
                     g_signal_emit_by_name(sink, "send-data", id, R"({"echo":"pong-42"})", &sent);
                   }),
                   &seen);
  Child& viewer = chromium("chromium", {"--frames", "10", "--send-data", R"({"app":"ping-42"})",
                                        "--expect-data", "pong-42"});
  Json r = viewer.json(60000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_TRUE(contains(r["dataReceived"].str(), "pong-42")) << r.text();
  std::lock_guard<std::mutex> l(seen.lock);
  EXPECT_EQ(seen.channel, "control");
  EXPECT_EQ(seen.text, R"({"app":"ping-42"})");
  EXPECT_FALSE(seen.session.empty());
  /* Nothing to send to when no session matches. */
  gboolean sent = TRUE;
  g_signal_emit_by_name(sink(), "send-data", "no-such-session", "x", &sent);
  EXPECT_FALSE(sent);
}

/* Counts the source's frames and notes any restart: a new stream-start or
 * segment, or a frame offset that does not follow the previous one. */
struct SourceWatch {
  std::atomic<guint64> frames{0};
  std::atomic<int> restarts{0};
  std::atomic<guint64> last_offset{G_MAXUINT64};
  GstPadProbeReturn on_probe(GstPadProbeInfo* info) {
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
      guint64 off = GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info));
      guint64 prev = last_offset.exchange(off);
      if (prev != G_MAXUINT64 && off != prev + 1)
        restarts++;
      frames++;
    } else if (GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info)) {
      if ((GST_EVENT_TYPE(ev) == GST_EVENT_STREAM_START ||
           GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT ||
           GST_EVENT_TYPE(ev) == GST_EVENT_FLUSH_START) &&
          frames > 0)
        restarts++;
    }
    return GST_PAD_PROBE_OK;
  }
};

/* The page drops its WebSocket and reconnects with its request id: the
 * same session resumes with a fresh negotiation, frames are decoded again,
 * and the source ran on throughout (its frame offsets never jump back). */
TEST_F(WebRtcChromium, ResumeAfterDroppedSocket) {
  REQUIRE_TOOLS(kNode | kChromium);
  ASSERT_TRUE(play(std::string(kLoopback) + "resume-timeout=30 video-encoder=x264enc"));
  GstElement* vsrc = gst_bin_get_by_name(GST_BIN(pipeline()), "vsrc");
  ASSERT_NE(vsrc, nullptr);
  PadProbe<SourceWatch> src(
      vsrc, "src",
      (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
                        GST_PAD_PROBE_TYPE_EVENT_FLUSH));
  gst_object_unref(vsrc);

  guint64 resumed_messages = 0;
  Child& viewer = chromium("chromium", {"--drop", "--frames", "31", "--timeout", "40"});
  Json r = viewer.json(60000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_TRUE(r["resumed"].boolean()) << r.text();
  EXPECT_GT(r["framesDecoded"].number(), 30) << "frames on the resumed connection: " << r.text();
  GstBus* bus = gst_element_get_bus(pipeline());
  while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    if (gst_structure_has_name(gst_message_get_structure(m), "nvcf-session-resumed"))
      resumed_messages++;
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  EXPECT_EQ(resumed_messages, 1u);
  /* 30 fps for the whole run, never restarted. */
  EXPECT_GT(src->frames.load(), 60u);
  EXPECT_EQ(src->restarts.load(), 0) << "the source restarted during the resume";
}

/* werift (no decoding) receives H.264 RTP and Opus audio; three viewers
 * one after the other, since a session must not depend on the last one. */
TEST_F(WebRtc, WeriftH264) {
  REQUIRE_TOOLS(kNode | kWerift);
  ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=x264enc" + kAudio));
  for (int i = 0; i < 3; i++) {
    /* The last viewer's session asks for min = max = 0: set between
     * sessions, for the next. */
    if (i == 2)
      g_object_set(sink(), "playout-delay-max", 0u, NULL);
    Child& viewer =
        werift("werift-" + std::to_string(i), {"--expect-codec", "H264", "--packets", "50"});
    Json r = viewer.json(40000);
    ASSERT_TRUE(r.is_object()) << viewer.describe();
    EXPECT_FALSE(watch_->offer_without_ssrc()) << "an offer lacks a=ssrc";
    EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
    EXPECT_GE(r["videoPackets"].number(), 50) << r.text();
    EXPECT_GT(r["audioPackets"].number(), 0) << r.text();
    EXPECT_EQ(r["codec"].str(), "H264") << r.text();
    EXPECT_EQ(r["audioCodec"].str(), "opus") << r.text();
    /* By default video packets ask for the least playout delay: min 0,
     * max 100 ms (Chromium's low-latency renderer). */
    ASSERT_TRUE(r["playoutDelay"].is_object()) << r.text();
    EXPECT_EQ(r["playoutDelay"]["min"].number(), 0) << r.text();
    EXPECT_EQ(r["playoutDelay"]["max"].number(), i == 2 ? 0 : 100) << r.text();
    ASSERT_TRUE(watch_->wait_live(0, 10000));
  }
  std::lock_guard<std::mutex> l(watch_->lock);
  /* session-ended names the viewer as session-started did: werift's
   * setPeerStatus meta. */
  ASSERT_EQ(watch_->ended_meta.size(), 3u);
  for (auto& [id, meta] : watch_->ended_meta) {
    EXPECT_TRUE(contains(meta, "werift-viewer")) << id << ": " << meta;
    EXPECT_EQ(meta, watch_->started_meta[id]) << id;
  }
  /* Nothing posted, nothing set: no STUN/TURN server at all (no public
   * default). */
  ASSERT_EQ(watch_->stun_servers.size(), 3u);
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(watch_->stun_servers[i], "") << "session " << i;
    EXPECT_EQ(watch_->turn_servers[i], "") << "session " << i;
    /* The least jitter-buffer latency, one transport for all media. */
    EXPECT_EQ(watch_->latencies[i], 0u) << "session " << i;
    EXPECT_EQ(watch_->bundle_policies[i], "max-bundle") << "session " << i;
  }
  /* Live input goes out as soon as it is encoded: nothing on webrtcbin's
   * send path waits for the clock. */
  EXPECT_TRUE(watch_->synced_send_path.empty())
      << "clock-synced: " << watch_->synced_send_path.size() << ", first "
      << watch_->synced_send_path.front();
  /* Every offer: bundled, and video with NACK, PLI, FIR and an RTX
   * payload for its codec. */
  ASSERT_EQ(watch_->offers.size(), 3u);
  for (auto& offer : watch_->offers) {
    EXPECT_TRUE(contains(offer, "\na=group:BUNDLE ")) << offer;
    auto video = sdp_section(offer, "video");
    ASSERT_FALSE(video.empty()) << offer;
    std::istringstream m(video[0]);
    std::string media, port, proto, pt;
    m >> media >> port >> proto >> pt;
    ASSERT_FALSE(pt.empty()) << video[0];
    EXPECT_TRUE(has_line(video, "a=rtpmap:" + pt + " H264/90000")) << offer;
    /* playout-delay (on by default): werift takes the extension in stride. */
    EXPECT_TRUE(
        has_line(video, "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"))
        << offer;
    for (const char* fb : {"nack", "nack pli", "ccm fir"})
      EXPECT_TRUE(has_line(video, "a=rtcp-fb:" + pt + " " + fb)) << "no rtcp-fb " << fb << "\n"
                                                                 << offer;
    /* a=rtpmap:<rtx> rtx/90000 with a=fmtp:<rtx> apt=<pt>. */
    bool rtx = false;
    for (auto& line : video) {
      unsigned rtx_pt = 0;
      if (sscanf(line.c_str(), "a=rtpmap:%u rtx/90000", &rtx_pt) == 1 &&
          has_line(video, "a=fmtp:" + std::to_string(rtx_pt) + " apt=" + pt))
        rtx = true;
    }
    EXPECT_TRUE(rtx) << "no rtx/90000 mapping for payload " << pt << "\n" << offer;
  }
}

/* A viewer's first frames are fresh: nothing encoded before its transport
 * connected reaches it. Media used to pile up behind webrtcbin while DTLS
 * was set up, so the viewer got a key unit from the session's start and
 * then a burst of stale frames: its frames spanned 466-666 ms more media
 * time than it watched. Now they span what it watched, give or take the
 * viewer's own lag (30 fps, all whole). */
TEST_F(WebRtc, FirstFramesAreFresh) {
  REQUIRE_TOOLS(kNode | kWerift);
  SKIP_IF_SANITIZED("frame staleness in ms");
  ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=x264enc"));
  for (int i = 0; i < 2; i++) {
    Child& viewer = werift("werift-fresh-" + std::to_string(i), {"--seconds", "2"});
    Json r = viewer.json(40000);
    ASSERT_TRUE(r.is_object()) << viewer.describe();
    ASSERT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
    double media = r["frames"]["mediaMs"].number(), watched = r["frames"]["windowMs"].number();
    double complete = r["frames"]["complete"].number();
    /* The stale start spanned 466-666 ms more; a loaded machine's werift
     * has shown 267 ms of its own lag. */
    EXPECT_LT(media, watched + 350) << "stale frames at the start: " << r.text();
    EXPECT_GE(complete, 30 * media / 1000 - 2) << "frames missing: " << r.text();
    ASSERT_TRUE(watch_->wait_live(0, 10000));
  }
}

/* A PLI from the viewer forces a key unit at the encoder: once the key
 * units asked for the joining viewer have settled (quiet for 3 s), werift
 * sends one PLI and a new force-key-unit event must reach the encoder. */
TEST_F(WebRtc, WeriftPliForcesKeyUnit) {
  REQUIRE_TOOLS(kNode | kWerift);
  ASSERT_TRUE(play(std::string(kLoopback) + "video-encoder=x264enc"));
  GstElement* enc = nullptr;
  ASSERT_TRUE(wait_until(
      [&] { return (enc = gst_bin_get_by_name(GST_BIN(sink()), "video_0-encoder")) != nullptr; },
      5000, 50));
  KeyUnitProbe keys(enc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
  gst_object_unref(enc);

  Child& viewer =
      werift("werift", {"--expect-codec", "H264", "--packets", "1000000", "--timeout", "60"});
  ASSERT_TRUE(watch_->wait_connected(1, 30000)) << viewer.describe();
  ASSERT_TRUE(wait_until([&] { return contains(viewer.err(), "first video packet"); }, 20000, 50))
      << viewer.describe();
  int settled = keys->settle(3000, 20000);
  EXPECT_GE(settled, 1) << "no key unit was requested for the joining viewer";
  pause(500);
  ASSERT_EQ(keys->count(), settled) << "key unit requests did not settle";

  viewer.signal(SIGUSR2);
  ASSERT_TRUE(wait_until([&] { return contains(viewer.err(), "PLI sent"); }, 10000, 50))
      << viewer.describe();
  EXPECT_TRUE(wait_until([&] { return keys->count() > settled; }, 10000, 50))
      << "the viewer's PLI forced no key unit at the encoder (" << keys->count() << " requests)\n"
      << viewer.describe();

  viewer.signal(SIGTERM);
  Json r = viewer.json(15000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_EQ(r["plisSent"].number(), 1) << r.text();
  EXPECT_TRUE(contains(r["error"].str(), "interrupted")) << "the session ended early: " << r.text();
}

/* Credentials posted to the control server reach every new session's
 * webrtcbin; with relay-only policy on both sides media can only flow
 * through coturn, so streaming proves the credentials work. */
TEST_F(WebRtc, TurnRelayOnlyBothSides) {
  REQUIRE_TOOLS(kNode | kChromium | kTurn);
  Turn turn;
  ASSERT_TRUE(turn.start());
  ASSERT_TRUE(play(std::string(kLoopback) + "ice-transport-policy=relay"));
  auto posted = http(control(), "POST", "/v1/streaming/creds", "application/json",
                     turn.creds_json(Turn::kPassword));
  ASSERT_EQ(posted.status, 200u) << posted.body;

  Child& viewer = chromium("chromium", {"--frames", "31", "--ice", turn.ice_json(true)});
  Json r = viewer.json(60000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n"
                                 << viewer.describe() << "\ncoturn: " << tail(turn.log(), 3000);
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
  EXPECT_TRUE(g_str_has_prefix(r["candidatePair"]["local"].str().c_str(), "relay")) << r.text();
  EXPECT_TRUE(g_str_has_prefix(r["candidatePair"]["remote"].str().c_str(), "relay")) << r.text();

  std::string port = std::to_string(turn.port());
  {
    std::lock_guard<std::mutex> l(watch_->lock);
    ASSERT_EQ(watch_->turn_servers.size(), 1u);
    /* The TURN server goes to libnice directly: webrtcbin's property never
     * holds the password (test_turn_secrets.cpp). */
    EXPECT_EQ(watch_->turn_servers[0], "");
    EXPECT_EQ(watch_->stun_servers[0], "stun://127.0.0.1:" + port);  // creds-use=both
  }
  /* Relay policy: the element offered relay candidates only. */
  auto cands = watch_->local_candidates();
  EXPECT_FALSE(cands.empty());
  for (auto& c : cands)
    EXPECT_TRUE(contains(c, " typ relay")) << c;
}

/* A wrong TURN password gives no relay candidate and one warning naming the
 * server (not the password); the session still streams on host
 * candidates. */
TEST_F(WebRtc, TurnWrongPassword) {
  REQUIRE_TOOLS(kNode | kWerift | kTurn);
  /* '+' and '/' are percent-encoded in the TURN URI: neither form may leak. */
  const std::string wrong = nvcftest::secrets::kWrongPassword;
  const std::string wrong_encoded = nvcf::percent_encode(wrong);
  Turn turn;
  ASSERT_TRUE(turn.start());
  LogCapture log;
  log.start();
  struct Restore {
    LogCapture& l;
    ~Restore() { l.stop(); }
  } restore{log};

  ASSERT_TRUE(play(kLoopback));
  auto posted =
      http(control(), "POST", "/v1/streaming/creds", "application/json", turn.creds_json(wrong));
  ASSERT_EQ(posted.status, 200u) << posted.body;

  /* The viewer stays until gathering is over (the warning), then leaves. */
  Child& viewer = werift("werift", {"--packets", "1000000", "--timeout", "30"});
  bool warned =
      wait_until([&] { return contains(log.get(), "gave no relay candidate"); }, 20000, 50);
  EXPECT_TRUE(warned) << "no warning; nvcf log:\n" << tail(log.get(), 4000);
  EXPECT_TRUE(watch_->wait_connected(1, 10000)) << "the session did not connect on host candidates";
  pause(500);
  viewer.signal(SIGTERM);
  Json r = viewer.json(15000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(contains(r["error"].str(), "interrupted"))
      << "the streamer ended the session: " << r.text();

  std::string text = log.get();
  EXPECT_TRUE(contains(
      text, "TURN server 127.0.0.1:" + std::to_string(turn.port()) + " gave no relay candidate"))
      << tail(text, 4000);
  EXPECT_TRUE(contains(text, "webrtcnice")) << "webrtcbin's ICE log was not captured";
  EXPECT_FALSE(contains(text, wrong)) << "the TURN password is in the debug log";
  EXPECT_FALSE(contains(text, wrong_encoded)) << "the encoded TURN password is in the debug log";
  auto cands = watch_->local_candidates();
  EXPECT_FALSE(cands.empty());
  for (auto& c : cands)
    EXPECT_FALSE(contains(c, " typ relay")) << c;
  EXPECT_GE(r["videoPackets"].number(), 50) << r.text();
}

/* Every UDP socket of the process during a live session is a media port
 * inside port-range: no UPnP/SSDP (1900), no mDNS (5353), no multicast.
 * ICE opens no TCP socket (ICE-TCP is off): the only TCP sockets are the
 * control and signalling servers' and their connections. Once the viewer
 * left, its webrtcbin and every media socket are gone. */
TEST_F(WebRtc, PortsInsideRange) {
  REQUIRE_TOOLS(kNode | kChromium);
  ASSERT_TRUE(play(std::string(kLoopback) + "port-range=47998-48020"));
  ASSERT_TRUE(own_udp_sockets().empty()) << "UDP sockets before any session";
  const std::set<unsigned> server_ports = {control(), streamer_->streaming_port()};
  std::set<std::string> tcp_before;
  for (auto& t : own_tcp_sockets())
    tcp_before.insert(t.describe());
  Child& viewer = chromium("chromium", {"--frames", "31", "--hold-seconds", "3"});
  std::set<std::string> seen;
  std::vector<std::string> bad, bad_tcp;
  unsigned samples_with_session = 0;
  while (viewer.running()) {
    bool live = watch_->live() > 0;
    for (auto& s : own_udp_sockets()) {
      std::string where = s.address + ":" + std::to_string(s.port);
      seen.insert(where);
      if (s.port < 47998 || s.port > 48020 || s.multicast)
        bad.push_back(where);
    }
    for (auto& t : own_tcp_sockets()) {
      bool in_range = t.local_port >= 47998 && t.local_port <= 48020;
      bool server = server_ports.count(t.local_port) || server_ports.count(t.remote_port);
      if (in_range || (!server && !tcp_before.count(t.describe())))
        bad_tcp.push_back(t.describe());
    }
    samples_with_session += live;
    pause(100);
  }
  Json r = viewer.json(1000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_GT(samples_with_session, 10u);
  EXPECT_FALSE(seen.empty()) << "no UDP socket seen during the session";
  std::string all;
  for (auto& s : seen)
    all += s + " ";
  EXPECT_TRUE(bad.empty()) << "outside 47998-48020 or multicast: " << bad.front()
                           << " (all: " << all << ")";
  for (auto& s : seen) {
    EXPECT_FALSE(g_str_has_suffix(s.c_str(), ":1900")) << s;
    EXPECT_FALSE(g_str_has_suffix(s.c_str(), ":5353")) << s;
  }
  EXPECT_TRUE(bad_tcp.empty()) << "TCP sockets not of the control/signalling servers: "
                               << bad_tcp.front();

  /* Teardown: the session's webrtcbin left the sink, its sockets closed. */
  ASSERT_TRUE(watch_->wait_live(0, 10000));
  EXPECT_TRUE(wait_until([&] { return count_by_type(sink(), "GstWebRTCBin") == 0; }, 5000, 50))
      << count_by_type(sink(), "GstWebRTCBin") << " webrtcbin(s) left in the sink";
  /* webrtcbin closes its sockets when finalized, and messages queued on
   * the bus hold references to their sources: drain it, as an
   * application's bus watch would (errors fail the test as in TearDown). */
  std::string left;
  wait_until(
      [&] {
        for (auto& e : unexpected_errors())
          ADD_FAILURE() << "error on the bus: " << e;
        GstBus* bus = gst_element_get_bus(pipeline());
        while (GstMessage* m = gst_bus_pop(bus))
          gst_message_unref(m);
        gst_object_unref(bus);
        left.clear();
        for (auto& s : own_udp_sockets())
          left += s.address + ":" + std::to_string(s.port) + " ";
        return left.empty();
      },
      10000, 50);
  EXPECT_EQ(left, "") << "UDP sockets still open after the session ended";
}

/* max-sessions=2: two viewers stream, a third is refused as busy, and
 * readiness says 500 until one leaves. */
TEST_F(WebRtc, MaxSessionsTwo) {
  REQUIRE_TOOLS(kNode | kWerift);
  ASSERT_TRUE(play(std::string(kLoopback) + "max-sessions=2"));
  EXPECT_EQ(http(control(), "GET", "/v1/streaming/ready").status, 200u);
  /* Viewers that stay until told to go (SIGTERM prints their counts). */
  Child& a = werift("werift-a", {"--packets", "1000000", "--timeout", "30"});
  Child& b = werift("werift-b", {"--packets", "1000000", "--timeout", "30"});
  ASSERT_TRUE(watch_->wait_live(2, 20000)) << a.describe() << "\n" << b.describe();
  ASSERT_TRUE(watch_->wait_connected(2, 20000)) << a.describe() << "\n" << b.describe();
  auto busy = http(control(), "GET", "/v1/streaming/ready");
  EXPECT_EQ(busy.status, 500u) << busy.body;
  EXPECT_TRUE(contains(busy.body, "busy")) << busy.body;

  Child& third = probe("probe", {"--timeout", "10"});
  Json p = third.json(20000);
  ASSERT_TRUE(p.is_object()) << third.describe();
  EXPECT_EQ(p["event"].str(), "error") << p.text();
  EXPECT_TRUE(contains(p["details"].str(), "busy")) << p.text();
  EXPECT_EQ(watch_->live(), 2);

  pause(1000);  // both keep streaming meanwhile
  std::vector<Json> results;
  for (Child* v : {&a, &b}) {
    v->signal(SIGTERM);
    results.push_back(v->json(15000));
    ASSERT_TRUE(results.back().is_object()) << v->describe();
    EXPECT_TRUE(contains(results.back()["error"].str(), "interrupted"))
        << v->name() << " lost its session: " << results.back().text();
  }
  EXPECT_TRUE(watch_->wait_live(0, 10000));
  EXPECT_TRUE(wait_until([&] { return ready(control()).status == 200; }, 5000, 50));
  for (auto& r : results)
    EXPECT_GE(r["videoPackets"].number(), 50) << r.text();
  EXPECT_FALSE(watch_->offer_without_ssrc()) << "an offer lacks a=ssrc";
}

/* --------------------------------------------------- gst-launch-1.0 child */

namespace {

/* gst-launch-1.0 running a launch line with the uninstalled plugin, ports
 * from the environment (NVCF's variables), ICE on loopback. */
class LaunchLine {
 public:
  explicit LaunchLine(std::vector<std::string> argv) : argv_(std::move(argv)) {}

  bool start() {
    control_ = free_port();
    streaming_ = free_port();
    while (streaming_ == control_)
      streaming_ = free_port();
    /* Explicit ports on the line win over the environment. */
    for (auto& a : argv_) {
      if (g_str_has_prefix(a.c_str(), "control-port="))
        control_ = std::stoul(a.substr(13));
      if (g_str_has_prefix(a.c_str(), "streaming-port="))
        streaming_ = std::stoul(a.substr(15));
    }
    /* Seeded with this process's registry: only our plugin is new. */
    std::string registry = dir_.file("registry.bin");
    if (const char* mine = g_getenv("GST_REGISTRY"); mine && exists(mine)) {
      std::ofstream(registry, std::ios::binary) << read_file(mine);
    }
    std::vector<std::string> argv = argv_;
    argv[0] = program(argv[0].c_str());
    std::map<std::string, std::string> env = {{"GST_PLUGIN_PATH", NVCF_PLUGIN_DIR},
                                              {"GST_REGISTRY", registry},
                                              {"GST_REGISTRY_FORK", "no"},
                                              {"CONTROL_SERVER_PORT", std::to_string(control_)},
                                              {"STREAMING_SERVER_PORT", std::to_string(streaming_)},
                                              {"NVCF_ICE_ADDRESSES", "127.0.0.1"},
                                              {"GST_DEBUG", "*:1"}};
    /* A sanitized plugin in the uninstrumented gst-launch-1.0 needs the
     * ASan runtime loaded first (meson.build, sanitizer_env). */
    if (const char* preload = g_getenv("NVCF_CHILD_PRELOAD"))
      env["LD_PRELOAD"] = preload;
    if (!child_.start(argv, env))
      return false;
    bool up = wait_until([&] { return !child_.running() || tcp_accepts(streaming_); }, 30000, 100);
    if (!up || !child_.running()) {
      ADD_FAILURE() << "gst-launch-1.0 did not open 127.0.0.1:" << streaming_ << "\n"
                    << child_.describe();
      return false;
    }
    /* Ready for a viewer once media flows and the process is warm (the
     * DTLS certificate): a test's viewer must not meet a starting one. */
    if (!wait_until([&] { return ready(control_).status == 200; }, 60000, 100)) {
      ADD_FAILURE() << "gst-launch-1.0 not ready after 60 s\n" << child_.describe();
      return false;
    }
    return true;
  }
  std::string signalling() const {
    return "ws://127.0.0.1:" + std::to_string(streaming_) + "/sign_in";
  }
  unsigned control() const { return control_; }
  Child& child() { return child_; }

 private:
  std::vector<std::string> argv_;
  TempDir dir_;
  Child child_{"gst-launch"};
  unsigned control_ = 0, streaming_ = 0;
};

/* The first "gst-launch-1.0 videotestsrc is-live=true ! nvcfwebrtcsink..."
 * line of the README, "" if none. */
std::string readme_launch_line() {
  std::istringstream lines(read_file(std::string(NVCF_SOURCE_ROOT) + "/README.md"));
  std::string line;
  const char* want = "gst-launch-1.0 videotestsrc is-live=true ! nvcfwebrtcsink";
  while (std::getline(lines, line)) {
    std::string s = line;
    s.erase(0, s.find_first_not_of(" \t"));
    if (g_str_has_prefix(s.c_str(), "$ "))
      s.erase(0, 2);
    if (!g_str_has_prefix(s.c_str(), want))
      continue;
    /* "... ! nvcfwebrtcsink", not "... ! nvcfwebrtcsinkfoo". */
    char next = s[strlen(want)];
    if (next && next != ' ' && next != '\\')
      continue;
    /* Shell continuation lines. */
    while (!s.empty() && s.back() == '\\' && std::getline(lines, line))
      s = s.substr(0, s.size() - 1) + " " + line;
    return s;
  }
  return "";
}

}  // namespace

/* The README's launch line really runs: Chromium decodes it, and
 * gst-launch-1.0 is still serving afterwards and stops on SIGINT. */
TEST(WebRtcLaunch, ReadmeLaunchLine) {
  REQUIRE_TOOLS(kNode | kChromium | kLaunch);
  std::string line = readme_launch_line();
  if (line.empty())
    GTEST_SKIP()
        << "README.md has no line starting with \"gst-launch-1.0 videotestsrc is-live=true ! "
           "nvcfwebrtcsink\" yet";
  gchar** parsed = nullptr;
  GError* error = nullptr;
  ASSERT_TRUE(g_shell_parse_argv(line.c_str(), nullptr, &parsed, &error))
      << line << ": " << error->message;
  std::vector<std::string> argv;
  for (gchar** a = parsed; *a; a++)
    argv.push_back(*a);
  g_strfreev(parsed);

  LaunchLine launch(argv);
  ASSERT_TRUE(launch.start()) << line;
  Child viewer("chromium");
  ASSERT_TRUE(viewer.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                            launch.signalling(), "--frames", "31"}));
  Json r = viewer.json(60000);
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n"
                                 << viewer.describe() << "\n"
                                 << launch.child().describe();
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();

  /* Still serving once the viewer left (a viewer leaving is not fatal):
   * readiness answers 200 again. */
  /* A leaving viewer's SCTP/DTLS errors must not reach the pipeline's bus
   * (gst-launch-1.0 would stop on them). */
  auto viewer_error = [&] {
    return contains(launch.child().err(), "SCTP association went into error state");
  };
  bool serving = wait_until(
      [&] { return viewer_error() || ready(launch.control(), 3).status == 200; }, 10000, 200);
  ASSERT_FALSE(viewer_error()) << launch.child().describe();
  ASSERT_TRUE(serving) << "not ready for a new viewer after the first left\n"
                       << launch.child().describe();
  pause(1000);  // such an error, when it comes, comes within a second
  ASSERT_FALSE(viewer_error()) << launch.child().describe();
  launch.child().signal(SIGINT);
  bool stopped = launch.child().wait_exit(15000);
  EXPECT_TRUE(stopped) << "gst-launch-1.0 hangs after SIGINT\n" << launch.child().describe();
  if (stopped) {
    EXPECT_TRUE(WIFEXITED(launch.child().exit_status())) << launch.child().describe();
  }
}

/* Stopping the pipeline while a viewer is connected tells the viewer and
 * returns (run in gst-launch-1.0: a hang must not hang this suite). */
TEST(WebRtcLaunch, StopWithLiveViewer) {
  REQUIRE_TOOLS(kNode | kChromium | kLaunch);
  LaunchLine launch({"gst-launch-1.0", "videotestsrc", "is-live=true", "!",
                     "video/x-raw,width=320,height=240,framerate=30/1", "!", "nvcfwebrtcsink",
                     "control-address=127.0.0.1"});
  ASSERT_TRUE(launch.start());
  /* A viewer that would stay for 20 s. */
  Child viewer("chromium");
  ASSERT_TRUE(viewer.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                            launch.signalling(), "--frames", "31", "--hold-seconds", "20"}));
  /* max-sessions=1: readiness 500 means the session is up. */
  ASSERT_TRUE(wait_until([&] { return ready(launch.control(), 3).status == 500; }, 30000, 100))
      << viewer.describe();
  pause(3000);  // frames flowing, the viewer holding
  launch.child().signal(SIGINT);
  bool stopped = launch.child().wait_exit(8000);
  Json r = viewer.json(30000);
  /* A hang here was a deadlock: the branch queue stopped while its thread
   * waited inside webrtcbin's PAUSED sink. */
  ASSERT_TRUE(stopped) << "gst-launch-1.0 hangs stopping with a live session\n"
                       << launch.child().describe();
  EXPECT_TRUE(WIFEXITED(launch.child().exit_status())) << launch.child().describe();
  ASSERT_TRUE(r.is_object()) << viewer.describe();
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
  /* Told by the streamer (endSession), not left to time out. */
  EXPECT_TRUE(contains(r["error"].str(), "client ended")) << r.text() << "\n" << viewer.describe();
}

/* A one-port range: the first viewer takes the port; the second session
 * fails with an error naming the range, the first keeps streaming, and the
 * streamer stays responsive. In gst-launch-1.0: a failing session's
 * teardown can wedge the element, which must not wedge this suite. */
TEST(WebRtcLaunch, PortRangeExhausted) {
  REQUIRE_TOOLS(kNode | kChromium | kLaunch);
  unsigned port = 48010;
  /* Another process may hold it: any free port in the 48xxx block will do. */
  while (port < 48200 && !udp_port_free(port))
    port++;
  std::string range = std::to_string(port) + "-" + std::to_string(port);
  LaunchLine launch({"gst-launch-1.0", "videotestsrc", "is-live=true", "!",
                     "video/x-raw,width=320,height=240,framerate=30/1", "!", "nvcfwebrtcsink",
                     "control-address=127.0.0.1", "max-sessions=2", "resume-timeout=0",
                     "port-range=" + range});
  ASSERT_TRUE(launch.start());

  Child first("chromium");
  ASSERT_TRUE(first.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                           launch.signalling(), "--frames", "31", "--hold-seconds", "6"}));
  /* The first session holds the port once it has gathered (at its start). */
  ASSERT_TRUE(wait_until([&] { return contains(ready(launch.control()).body, "\"sessions\":1"); },
                         30000, 100))
      << first.describe();
  pause(1000);

  Child second("probe");
  ASSERT_TRUE(second.start({program("node"), e2e_path("ws-probe.mjs"), "--signalling",
                            launch.signalling(), "--timeout", "20", "--after-start-ms", "8000"}));
  Json p = second.json(30000);
  ASSERT_TRUE(p.is_object()) << second.describe();
  /* The element must still answer once the failed session is gone. */
  pause(500);
  unsigned after = ready(launch.control(), 3).status;
  Json r = first.json(40000);
  EXPECT_EQ(p["event"].str(), "error") << p.text();
  EXPECT_TRUE(contains(p["details"].str(), "no free UDP port in " + range)) << p.text();
  EXPECT_NE(after, 0u) << "the control server stopped answering\n" << launch.child().describe();

  ASSERT_TRUE(r.is_object()) << first.describe();
  EXPECT_TRUE(r["ok"].boolean()) << "the first viewer suffered: " << r.text() << "\n"
                                 << first.describe();
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text();
  EXPECT_TRUE(contains(r["candidatePair"]["remote"].str(), ":" + std::to_string(port) + "/"))
      << r.text();
  launch.child().signal(SIGINT);
  EXPECT_TRUE(launch.child().wait_exit(15000)) << "gst-launch-1.0 hangs after SIGINT\n"
                                               << launch.child().describe();
}

/* A viewer that leaves must not take the pipeline down: gst-launch-1.0
 * (like most applications) stops on an ERROR on the bus, so it must still
 * serve the next viewer. */
TEST(WebRtcLaunch, ViewerLeavingKeepsServing) {
  REQUIRE_TOOLS(kNode | kChromium | kLaunch);
  LaunchLine launch({"gst-launch-1.0", "videotestsrc", "is-live=true", "!",
                     "video/x-raw,width=320,height=240,framerate=30/1", "!", "nvcfwebrtcsink",
                     "control-address=127.0.0.1", "resume-timeout=0"});
  ASSERT_TRUE(launch.start());
  Child first("chromium");
  ASSERT_TRUE(first.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                           launch.signalling(), "--frames", "31"}));
  Json r = first.json(60000);
  ASSERT_TRUE(r.is_object()) << first.describe();
  ASSERT_TRUE(r["ok"].boolean()) << r.text() << "\n" << launch.child().describe();

  /* A leaving viewer's SCTP error on the pipeline bus would stop
   * gst-launch-1.0; the element keeps it to the session. */
  auto viewer_error = [&] {
    return contains(launch.child().err(), "SCTP association went into error state");
  };
  bool serving = wait_until(
      [&] { return viewer_error() || ready(launch.control(), 3).status == 200; }, 10000, 200);
  ASSERT_FALSE(viewer_error()) << launch.child().describe();
  ASSERT_TRUE(serving) << "not ready again after the viewer left\n" << launch.child().describe();
  Child second("chromium-2");
  ASSERT_TRUE(second.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                            launch.signalling(), "--frames", "31"}));
  Json w = second.json(60000);
  EXPECT_FALSE(viewer_error()) << launch.child().describe();  // it may come late
  ASSERT_TRUE(w.is_object()) << second.describe();
  EXPECT_TRUE(w["ok"].boolean()) << w.text() << "\n" << launch.child().describe();
  EXPECT_FALSE(contains(launch.child().err(), "ERROR")) << launch.child().describe();
  launch.child().signal(SIGINT);
  EXPECT_TRUE(launch.child().wait_exit(15000)) << "gst-launch-1.0 hangs after SIGINT\n"
                                               << launch.child().describe();
}
