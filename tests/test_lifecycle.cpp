/* The NVCF session lifecycle against the real element: the readiness table,
 * resume after a dropped client (and its timeout), endsession, the exit
 * policy, draining, SIGTERM during a session, and readiness under a burst
 * of clients. Browser resume lives in test_webrtc.cpp's Chromium tests. */
#include <gtest/gtest.h>

#include <algorithm>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "nvcfjson.h"
#include "nvcfproc.h"
#include "nvcftest.h"
#include "nvcfws.h"

using namespace nvcftest;

namespace {

const char* kSource = "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1";
const char* kProps = "ice-addresses=127.0.0.1 video-encoder=x264enc";

/* The readiness state over HTTP. */
std::string ready_state(const Streamer& s) {
  return ready(s.control_port()).state;
}

bool wait_state(const Streamer& s, const std::string& state, unsigned timeout_ms) {
  return wait_ready_state(s.control_port(), state, timeout_ms);
}

using Headers = std::vector<std::pair<std::string, std::string>>;

/* Every nvcf-readiness state posted on the bus so far, in order; waits up
 * to timeout_ms for one naming `last` (it is posted just after the state
 * changes, so it may trail the HTTP answer). */
std::vector<std::string> readiness_messages(const Streamer& s, const std::string& last,
                                            unsigned timeout_ms) {
  std::vector<std::string> states;
  GstBus* bus = gst_element_get_bus(s.pipeline());
  gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (true) {
    bool have_last = !states.empty() && states.back() == last;
    gint64 left = have_last ? 0 : std::max<gint64>(0, deadline - g_get_monotonic_time());
    GstMessage* m = gst_bus_timed_pop_filtered(bus, left * GST_USECOND, GST_MESSAGE_ELEMENT);
    if (!m)
      break;
    const GstStructure* st = gst_message_get_structure(m);
    if (st && gst_structure_has_name(st, "nvcf-readiness"))
      states.push_back(gst_structure_get_string(st, "state"));
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  return states;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += (out.empty() ? "" : " ") + x;
  return out;
}

/* A startSession that must be refused (nothing to resume for this client). */
void expect_refused(WsClient& c, const std::string& producer) {
  auto m = request_session(c, producer);
  ASSERT_TRUE(m) << "no reply to startSession";
  EXPECT_EQ(m->type(), "error") << m->text;
}

class Lifecycle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init(); }
  std::unique_ptr<Streamer> playing(const std::string& extra = "") {
    auto s = std::make_unique<Streamer>(std::string(kProps) + " " + extra, kSource);
    EXPECT_TRUE(s->set_state(GST_STATE_PLAYING));
    EXPECT_TRUE(wait_media(*s, 5000)) << "no encoded media after 5 s";
    return s;
  }
};

}  // namespace

/* starting -> ready -> busy -> awaiting-resume -> busy (resumed) -> ready
 * (ended) -> draining (EOS); each answer's status follows the table, and
 * the bus carries exactly one nvcf-readiness message per transition. */
TEST_F(Lifecycle, ReadinessTable) {
  Streamer s(kProps, kSource);
  ASSERT_TRUE(s.set_state(GST_STATE_READY));
  Readiness r = ready(s.control_port());
  EXPECT_EQ(r.state, "starting");
  EXPECT_EQ(r.status, 500u);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 5000));
  r = ready(s.control_port());
  EXPECT_EQ(r.state, "ready");
  EXPECT_EQ(r.status, 200u);

  WsClient a;
  connect_gst(a, s, {"nvcf-reqid.req-1"});
  std::string producer = producer_id(a);
  std::string sid = start_session(a, producer);
  ASSERT_FALSE(sid.empty());
  r = ready(s.control_port());
  EXPECT_EQ(r.state, "busy");
  EXPECT_EQ(r.status, 500u);

  a.abort();
  ASSERT_TRUE(wait_state(s, "awaiting-resume", 5000));
  EXPECT_EQ(ready(s.control_port()).status, 500u);

  /* The same identity resumes the same session. */
  WsClient b;
  connect_gst(b, s, {"nvcf-reqid.req-1"});
  EXPECT_EQ(start_session(b, producer), sid);
  EXPECT_EQ(ready_state(s), "busy");
  auto offer =
      b.next_matching([](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000);
  ASSERT_TRUE(offer) << "no new offer after resume";
  EXPECT_EQ((*offer)["sessionId"].str(), sid);

  b.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  ASSERT_TRUE(wait_state(s, "ready", 5000));

  /* EOS: the pipeline is shutting down; no new sessions. */
  gst_element_send_event(s.pipeline(), gst_event_new_eos());
  ASSERT_TRUE(wait_state(s, "draining", 5000));
  EXPECT_EQ(ready(s.control_port()).status, 500u);

  /* "starting" is the initial state, not a transition. */
  EXPECT_EQ(joined(readiness_messages(s, "draining", 3000)),
            "ready busy awaiting-resume busy ready draining");
}

/* Each identity a gateway or client can present lets a dropped client take
 * its session back: same session id, a new offer. A stranger presenting a
 * different identity of the same kind gets nothing. */
static void resume_with(const std::vector<std::string>& protocols, const Headers& headers,
                        const std::vector<std::string>& other_protocols,
                        const Headers& other_headers) {
  Streamer s(kProps, kSource);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 5000));
  WsClient a;
  connect_gst(a, s, protocols, headers);
  std::string producer = producer_id(a);
  std::string sid = start_session(a, producer);
  ASSERT_FALSE(sid.empty());
  a.abort();
  ASSERT_TRUE(wait_state(s, "awaiting-resume", 5000))
      << "the identity was not seen: the session ended";

  WsClient stranger;
  connect_gst(stranger, s, other_protocols, other_headers);
  expect_refused(stranger, producer);
  stranger.close();

  WsClient b;
  connect_gst(b, s, protocols, headers);
  EXPECT_EQ(start_session(b, producer), sid);
  auto offer =
      b.next_matching([](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000);
  ASSERT_TRUE(offer) << "no new offer after resume";
  EXPECT_EQ((*offer)["sessionId"].str(), sid);
  EXPECT_EQ(ready_state(s), "busy");
}

/* A client back at once after a drop can be seen before its old socket's
 * close, and a network failure leaves that socket open: the newer
 * connection of the identity takes the session, and the older one is
 * closed with the reason. (Before, the newer one was refused here, at
 * max-sessions 1, and got a second session in the soak, at 16.) */
TEST_F(Lifecycle, ResumeTakesTheSessionFromAnOlderConnectionStillOpen) {
  Streamer s(kProps, kSource);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  ASSERT_TRUE(wait_media(s, 5000));
  WsClient a;
  connect_gst(a, s, {"nvcf-reqid.open-rq-1"});
  std::string producer = producer_id(a);
  std::string sid = start_session(a, producer);
  ASSERT_FALSE(sid.empty());

  WsClient b;
  connect_gst(b, s, {"nvcf-reqid.open-rq-1"});
  EXPECT_EQ(start_session(b, producer), sid);
  gushort code = 0;
  std::string reason;
  ASSERT_TRUE(a.wait_closed(5000, &code, &reason)) << "the older connection was left open";
  EXPECT_EQ(code, SOUP_WEBSOCKET_CLOSE_NORMAL);
  EXPECT_NE(reason.find("newer connection"), std::string::npos) << reason;
  auto offer =
      b.next_matching([](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000);
  ASSERT_TRUE(offer) << "no new offer after the resume";
  EXPECT_EQ((*offer)["sessionId"].str(), sid);
  EXPECT_EQ(ready_state(s), "busy");

  /* The older connection's close ended nothing; b ends the session. */
  b.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  ASSERT_TRUE(wait_state(s, "ready", 5000));
}

TEST_F(Lifecycle, ResumeByRequestIdHeader) {
  resume_with({}, {{"nvcf-reqid", "hdr-rq-1"}}, {}, {{"nvcf-reqid", "hdr-rq-2"}});
}

/* The cookie NVCF sets, among others a browser may send. */
TEST_F(Lifecycle, ResumeByRequestIdCookie) {
  resume_with({}, {{"Cookie", "theme=dark; nvcf-request-id=ck-rq-1; lang=en"}}, {},
              {{"Cookie", "theme=dark; nvcf-request-id=ck-rq-2"}});
}

/* NVIDIA's clients offer x-nv-sessionid next to the routing tokens. */
TEST_F(Lifecycle, ResumeBySessionToken) {
  resume_with({"function-id.f1", "x-nv-sessionid.tok-1"}, {},
              {"function-id.f1", "x-nv-sessionid.tok-2"}, {});
}

namespace {

/* Log lines of the nvcf* categories, up to LOG. TRACE holds the raw
 * signalling frames, keyed by connection: wire dumps, not lines about a
 * session. */
std::mutex log_lock;
std::vector<std::string> log_lines;

void capture_nvcf_log(GstDebugCategory* cat, GstDebugLevel level, const gchar*, const gchar*, gint,
                      GObject*, GstDebugMessage* message, gpointer) {
  if (level > GST_LEVEL_LOG || !g_str_has_prefix(gst_debug_category_get_name(cat), "nvcf"))
    return;
  const gchar* text = gst_debug_message_get(message);
  std::lock_guard<std::mutex> lock(log_lock);
  log_lines.push_back(std::string(gst_debug_category_get_name(cat)) + ": " + (text ? text : ""));
}

}  // namespace

/* Start, abrupt drop, resume, endsession from NVCF and teardown: every
 * line naming the session names its request id too, as the label
 * "session <id> request <id>". */
TEST_F(Lifecycle, SessionLogLinesCarryTheRequestId) {
  {
    std::lock_guard<std::mutex> lock(log_lock);
    log_lines.clear();
  }
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(capture_nvcf_log, nullptr, nullptr);
  gst_debug_set_threshold_for_name("nvcf*", GST_LEVEL_LOG);
  const std::string request = "log-rq-5";
  std::string sid;
  {
    Streamer s(kProps, kSource);
    EXPECT_TRUE(s.set_state(GST_STATE_PLAYING));
    EXPECT_TRUE(wait_media(s, 5000));
    Headers identity = {{"nvcf-reqid", request}};
    WsClient a;
    connect_gst(a, s, {}, identity);
    std::string producer = producer_id(a);
    sid = start_session(a, producer);
    a.abort();
    EXPECT_TRUE(wait_state(s, "awaiting-resume", 5000));
    WsClient b;
    connect_gst(b, s, {}, identity);
    EXPECT_EQ(start_session(b, producer), sid);
    EXPECT_TRUE(b.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 10000));
    auto r = http(s.control_port(), "POST", "/v1/streaming/endsession", "application/json",
                  R"({"sessionId":")" + sid + R"(","gracefulShutdown":true})");
    EXPECT_EQ(r.body, R"({"sessionStatus":"COMPLETE"})");
    EXPECT_TRUE(wait_state(s, "ready", 5000));
    EXPECT_TRUE(s.set_state(GST_STATE_NULL));
  }
  gst_debug_unset_threshold_for_name("nvcf*");
  gst_debug_remove_log_function(capture_nvcf_log);
  gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
  ASSERT_FALSE(sid.empty());

  std::lock_guard<std::mutex> lock(log_lock);
  const std::string label = "session " + sid + " request " + request;
  unsigned about_session = 0;
  std::set<std::string> categories;
  for (const auto& line : log_lines) {
    if (line.find(sid) == std::string::npos)
      continue;
    about_session++;
    categories.insert(line.substr(0, line.find(':')));
    EXPECT_NE(line.find(label), std::string::npos)
        << "no \"" << label << "\" in: " << line.substr(0, 300);
  }
  /* The capture works and covers the sink and the session objects:
   * starting, client gone, resumed, endsession, ending, session stopped. */
  EXPECT_GE(about_session, 6u) << log_lines.size() << " lines captured";
  EXPECT_TRUE(categories.count("nvcfregistry") && categories.count("nvcfsession"));
}

/* No identity, no resume: a dropped client's session ends at once. */
TEST_F(Lifecycle, AnonymousClientDoesNotWait) {
  auto s = playing();
  WsClient a;
  connect_gst(a, *s);
  ASSERT_FALSE(start_session(a, producer_id(a)).empty());
  a.abort();
  EXPECT_TRUE(wait_state(*s, "ready", 5000));
}

namespace {

/* The session's webrtcbin, as webrtcbin-created hands it over. */
struct WebrtcbinOf {
  std::mutex lock;
  GstElement* webrtc = nullptr;
  static void on_created(GstElement*, const gchar*, GstElement* w, WebrtcbinOf* self) {
    std::lock_guard<std::mutex> l(self->lock);
    self->webrtc = GST_ELEMENT(gst_object_ref(w));
  }
  ~WebrtcbinOf() {
    if (webrtc)
      gst_object_unref(webrtc);
  }
  /* Posts an error from it, as its SCTP or DTLS elements do when the
   * viewer's peer connection goes away. */
  bool post_error() {
    wait_until(
        [&] {
          std::lock_guard<std::mutex> l(lock);
          return webrtc != nullptr;
        },
        5000, 20);
    std::lock_guard<std::mutex> l(lock);
    if (!webrtc)
      return false;
    GError* err = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
                                      "test: the viewer's transport went away");
    gst_element_post_message(webrtc, gst_message_new_error(GST_OBJECT(webrtc), err, "test"));
    g_error_free(err);
    return true;
  }
};

}  // namespace

/* A leaving viewer closes its peer connection and its socket together, and
 * the transport's error often arrives first (sooner still through a
 * gateway). The session must still wait for the resume; it ended at once
 * before, so the viewer's resume found nothing. */
TEST_F(Lifecycle, TransportErrorJustBeforeTheSocketCloses) {
  WebrtcbinOf created;
  auto s = playing("resume-timeout=30");
  g_signal_connect(s->sink(), "webrtcbin-created", G_CALLBACK(WebrtcbinOf::on_created), &created);
  WsClient a;
  connect_gst(a, *s, {}, {{"nvcf-reqid", "err-rq-1"}});
  std::string producer = producer_id(a);
  std::string sid = start_session(a, producer);
  ASSERT_FALSE(sid.empty());
  ASSERT_TRUE(created.post_error());
  a.abort();
  ASSERT_TRUE(wait_state(*s, "awaiting-resume", 5000)) << "the session ended on the error";
  pause(2500); /* past the failure's grace: still waiting */
  EXPECT_EQ(ready_state(*s), "awaiting-resume");
  WsClient b;
  connect_gst(b, *s, {}, {{"nvcf-reqid", "err-rq-1"}});
  EXPECT_EQ(start_session(b, producer), sid);
  EXPECT_TRUE(
      b.next_matching([](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000))
      << "no new offer after resume";
}

/* The same error while the viewer stays connected: its session ends, and
 * the viewer is told why. */
TEST_F(Lifecycle, TransportErrorWithTheClientStillThereEndsTheSession) {
  WebrtcbinOf created;
  auto s = playing("resume-timeout=30");
  g_signal_connect(s->sink(), "webrtcbin-created", G_CALLBACK(WebrtcbinOf::on_created), &created);
  WsClient a;
  connect_gst(a, *s, {}, {{"nvcf-reqid", "err-rq-2"}});
  ASSERT_FALSE(start_session(a, producer_id(a)).empty());
  ASSERT_TRUE(created.post_error());
  auto err = a.next_matching([](const Msg& m) { return m.type() == "error"; }, 10000);
  ASSERT_TRUE(err) << "the viewer was not told";
  EXPECT_NE(err->text.find("transport went away"), std::string::npos) << err->text;
  EXPECT_TRUE(wait_state(*s, "ready", 5000));
}

/* After resume-timeout the waiting session ends and readiness returns. */
TEST_F(Lifecycle, ResumeTimeout) {
  auto s = playing("resume-timeout=2");
  WsClient a;
  connect_gst(a, *s, {"x-nv-sessionid.abc"});
  std::string first = start_session(a, producer_id(a));
  ASSERT_FALSE(first.empty());
  a.close(SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  ASSERT_TRUE(wait_state(*s, "awaiting-resume", 3000));
  gint64 t0 = g_get_monotonic_time();
  ASSERT_TRUE(wait_state(*s, "ready", 6000));
  double waited = (g_get_monotonic_time() - t0) / 1e6;
  EXPECT_GT(waited, 1.0);  // it did wait
  GstStructure* st = nullptr;
  EXPECT_TRUE(s->wait_element_message("nvcf-session-ended", 2000, &st));
  if (st)
    gst_structure_free(st);
  /* A late comeback is a new session, not a resume. */
  WsClient b;
  connect_gst(b, *s, {"x-nv-sessionid.abc"});
  std::string late = start_session(b, producer_id(b));
  EXPECT_FALSE(late.empty());
  EXPECT_NE(late, first) << "the timed-out session came back";
}

/* The NVIDIA framing's peer name is an identity too. */
TEST_F(Lifecycle, NvidiaPeerResumes) {
  auto s = playing();
  auto join = [&](WsClient& c) {
    EXPECT_TRUE(c.connect(s->streaming_port(), "/sign_in?peer_id=peer-7&version=2"));
    c.send_text(
        R"({"ackid":1,"peer_info":{"browser":"x","connected":true,"id":2,"name":"peer-7","peerRole":0,"resolution":"1920x1080","version":2}})");
    return c.next_matching([](const Msg& m) { return m["peer_msg"].exists(); }, 10000);
  };
  WsClient a;
  ASSERT_TRUE(join(a));
  EXPECT_EQ(ready_state(*s), "busy");
  a.abort();
  ASSERT_TRUE(wait_state(*s, "awaiting-resume", 5000));
  WsClient b;
  EXPECT_TRUE(join(b)) << "no offer on resume";
  EXPECT_EQ(ready_state(*s), "busy");
}

TEST_F(Lifecycle, EndSessionEndpoint) {
  auto s = playing();
  WsClient a;
  connect_gst(a, *s, {"nvcf-reqid.rq-9"});
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  unsigned port = s->control_port();
  const char* path = "/v1/streaming/endsession";

  EXPECT_EQ(http(port, "POST", path, "application/json", "{").status, 400u);
  EXPECT_EQ(http(port, "POST", path, "application/json", R"({"sessionId":7})").status, 400u);
  EXPECT_EQ(
      http(port, "POST", path, "application/json", R"({"sessionId":"x","gracefulShutdown":"no"})")
          .status,
      400u);
  auto unknown = http(port, "POST", path, "application/json", R"({"sessionId":"nope"})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(ready_state(*s), "busy");  // nothing changed

  /* Not graceful: the client is let go, the media waits for it. */
  auto r = http(port, "POST", path, "application/json",
                R"({"sessionId":")" + sid + R"(","gracefulShutdown":false})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"sessionStatus":"AWAITING_RESUME"})");
  EXPECT_TRUE(a.wait_closed(3000));
  EXPECT_EQ(ready_state(*s), "awaiting-resume");

  /* Graceful, by request id: over. */
  r = http(port, "POST", path, "application/json",
           R"({"sessionId":"rq-9","gracefulShutdown":true})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"sessionStatus":"COMPLETE"})");
  EXPECT_TRUE(wait_state(*s, "ready", 3000));
  EXPECT_EQ(http(port, "POST", path, "application/json", R"({"sessionId":"rq-9"})").status, 404u);
}

TEST_F(Lifecycle, GracefulEndSessionTellsTheClient) {
  auto s = playing();
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  auto r = http(s->control_port(), "POST", "/v1/streaming/endsession", "application/json",
                R"({"sessionId":")" + sid + "\"}");
  EXPECT_EQ(r.body, R"({"sessionStatus":"COMPLETE"})");
  auto end = a.next_matching([](const Msg& m) { return m.type() == "endSession"; }, 5000);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["sessionId"].str(), sid);
}

/* session-policy exit: the last session's end finishes the streamer and
 * sends EOS through the pipeline. */
TEST_F(Lifecycle, ExitPolicyFinishesWithEos) {
  auto s = playing("session-policy=exit");
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  a.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  ASSERT_TRUE(wait_state(*s, "finished", 5000));
  GstBus* bus = gst_element_get_bus(s->pipeline());
  GstMessage* eos = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_EOS);
  EXPECT_NE(eos, nullptr) << "the pipeline did not reach EOS";
  if (eos)
    gst_message_unref(eos);
  gst_object_unref(bus);
}

namespace {

/* Lets n threads pass only together (C++17 has no std::barrier). */
class Barrier {
 public:
  explicit Barrier(unsigned n) : n_(n) {}
  void wait() {
    std::unique_lock<std::mutex> lock(lock_);
    unsigned generation = generation_;
    if (++waiting_ == n_) {
      waiting_ = 0;
      generation_++;
      cond_.notify_all();
      return;
    }
    cond_.wait(lock, [&] { return generation != generation_; });
  }

 private:
  std::mutex lock_;
  std::condition_variable cond_;
  unsigned n_, waiting_ = 0, generation_ = 0;
};

/* GET /v1/streaming/ready from its own thread until stopped, each answer
 * kept with the time its request was sent. */
class ReadinessPoller {
 public:
  struct Sample {
    gint64 sent_us;
    unsigned status;
    std::string state;
  };
  explicit ReadinessPoller(unsigned port)
      : thread_([this, port] {
          while (!stop_) {
            gint64 sent = g_get_monotonic_time();
            Readiness r = ready(port);
            {
              std::lock_guard<std::mutex> lock(lock_);
              samples_.push_back({sent, r.status, r.state});
            }
            g_usleep(5000);  // leave the two CPUs to the streamer too
          }
        }) {}
  ~ReadinessPoller() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  /* Samples whose request was sent in [from_us, to_us). */
  std::vector<Sample> between(gint64 from_us, gint64 to_us) {
    std::lock_guard<std::mutex> lock(lock_);
    std::vector<Sample> out;
    for (auto& x : samples_)
      if (x.sent_us >= from_us && x.sent_us < to_us)
        out.push_back(x);
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex lock_;
  std::vector<Sample> samples_;
  std::thread thread_;  // last: starts after the members it uses
};

/* Ten clients, each on its own thread with its own main context and
 * request id. Every step runs on all of them at once: they connect, then
 * (if ask) send startSession together, then drop without a close frame
 * together. The test thread joins each step through `step`. */
struct Crowd {
  static constexpr unsigned kSize = 10;
  Barrier step{kSize + 1};
  std::vector<std::string> replies = std::vector<std::string>(kSize);
  std::atomic<gint64> started_us{0};  // when sessionStarted arrived
  std::vector<std::thread> threads;

  Crowd(const Streamer& s, bool ask, const std::string& tag) {
    for (unsigned i = 0; i < kSize; i++)
      threads.emplace_back([this, &s, ask, i, tag] {
        GMainContext* ctx = g_main_context_new();
        g_main_context_push_thread_default(ctx);
        {
          WsClient c;
          connect_gst(c, s, {}, {{"nvcf-reqid", tag + std::to_string(i)}});
          std::string producer = ask ? producer_id(c) : "";
          step.wait();  // all connected
          if (ask) {
            auto m = request_session(c, producer, 15000);
            if (m && m->type() == "sessionStarted")
              started_us = g_get_monotonic_time();
            replies[i] = m ? m->type() : "(no reply)";
          }
          step.wait();  // all answered
          step.wait();  // the test says drop
          c.abort(0);
        }
        g_main_context_pop_thread_default(ctx);
        g_main_context_unref(ctx);
      });
  }
  ~Crowd() {
    for (auto& t : threads)
      t.join();
  }
};

}  // namespace

/* Ten clients connect at once and ask for a session at once: exactly one
 * gets it; readiness never answers 200 while that session lives (polled
 * all along from another thread), through the drop of all ten at once and
 * the resume window, and is ready again when the window ends. */
TEST_F(Lifecycle, BurstOfClients) {
  const unsigned kResumeS = 4;
  auto s = playing("resume-timeout=" + std::to_string(kResumeS));
  ASSERT_EQ(ready_state(*s), "ready");
  ReadinessPoller poller(s->control_port());
  gint64 started_us = 0, dropped_us = 0;
  {
    Crowd crowd(*s, true, "burst-");
    crowd.step.wait();  // connected; they ask now
    crowd.step.wait();  // answered
    unsigned started = 0, refused = 0;
    for (auto& r : crowd.replies) {
      started += r == "sessionStarted";
      refused += r == "error";
    }
    EXPECT_EQ(started, 1u) << joined(crowd.replies);
    EXPECT_EQ(refused, Crowd::kSize - 1) << joined(crowd.replies);
    EXPECT_EQ(ready_state(*s), "busy");
    started_us = crowd.started_us;
    dropped_us = g_get_monotonic_time();
    crowd.step.wait();  // drop, all at once
  }
  /* The winner had a request id: its session waits for it. */
  EXPECT_TRUE(wait_state(*s, "awaiting-resume", 3000));
  EXPECT_TRUE(wait_state(*s, "ready", (kResumeS + 6) * 1000)) << "the resume window never ended";
  gint64 ready_us = g_get_monotonic_time();
  ASSERT_NE(started_us, 0);

  /* The session surely lives from sessionStarted until its resume timer,
   * armed after the drop, can fire (GLib may round it down by 250 ms). */
  auto lived = poller.between(started_us, dropped_us + (kResumeS - 1) * G_USEC_PER_SEC);
  EXPECT_GE(lived.size(), 5u) << "too few readiness answers to judge";
  unsigned waiting = 0;
  for (auto& x : lived) {
    EXPECT_EQ(x.status, 500u) << x.state << " at +" << (x.sent_us - started_us) / 1000 << " ms";
    EXPECT_TRUE(x.state == "busy" || x.state == "awaiting-resume") << x.state;
    waiting += x.state == "awaiting-resume";
  }
  EXPECT_GT(waiting, 0u) << "the poller never saw the drop";

  /* Ten who connect and drop at once without asking change nothing. */
  {
    Crowd idle(*s, false, "idle-");
    idle.step.wait();
    idle.step.wait();
    idle.step.wait();
  }
  pause(300);
  gint64 idle_end_us = g_get_monotonic_time();
  poller.stop();
  EXPECT_EQ(ready_state(*s), "ready");
  for (auto& x : poller.between(ready_us, idle_end_us))
    EXPECT_EQ(x.status, 200u) << x.state;
}

/* ---- the launcher ---- */

/* The launcher as a child, with the ports it printed. */
struct Launcher {
  Child child{"nvcf-streamer"};
  unsigned control = 0, streaming = 0;
  std::string ready_state() { return ready(control).state; }
  bool wait_state(const std::string& state, unsigned timeout_ms) {
    return wait_ready_state(control, state, timeout_ms);
  }
};

/* extra: options, and optionally a description last (else kSource). */
static void start_launcher(Launcher& c, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {NVCF_STREAMER_PATH};
  std::string desc = std::string(kSource) + " ! nvcfwebrtcsink " + kProps;
  if (!extra.empty() && extra.back().rfind("--", 0) != 0) {
    desc = extra.back();
    extra.pop_back();
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(desc);
  ASSERT_TRUE(c.child.start(
      argv,
      {{"CONTROL_SERVER_PORT", "0"}, {"STREAMING_SERVER_PORT", "0"}, {"NVCF_SESSION_POLICY", ""}}));
  std::string line = c.child.line("nvcf-streamer: control-port=", 30000);
  sscanf(line.c_str(), "nvcf-streamer: control-port=%u streaming-port=%u", &c.control,
         &c.streaming);
  ASSERT_NE(c.streaming, 0u) << c.child.describe();
}

/* The launcher's default is the exit policy: after the only session it
 * exits 0, so the container ends. */
TEST_F(Lifecycle, LauncherExitsAfterTheSession) {
  Launcher c;
  start_launcher(c);
  /* Sessions start once it is ready (media flowing, warm-up over). */
  ASSERT_TRUE(c.wait_state("ready", 30000)) << c.child.describe();
  WsClient a;
  ASSERT_TRUE(a.connect(c.streaming, "/sign_in"));
  ASSERT_TRUE(a.next_message());
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  a.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  EXPECT_EQ(c.child.wait_exit_code(10000), 0);
}

/* startSession once the launcher's media flows: its readiness answers 200
 * as soon as the pipeline plays, a moment before the encoder runs. */
static std::string start_when_media(WsClient& c) {
  std::string producer = producer_id(c), sid, last;
  wait_until(
      [&] {
        auto m = request_session(c, producer);
        last = m ? m->text : "(no reply)";
        if (m && m->type() == "sessionStarted")
          sid = (*m)["sessionId"].str();
        if (!sid.empty() || last.find("no media is flowing yet") == std::string::npos)
          return true;
        pause(100);
        return false;
      },
      10000);
  EXPECT_FALSE(sid.empty()) << last;
  return sid;
}

/* The launcher's default is the exit policy, so a dropped client with an
 * identity keeps the container alive for its resume window, and only
 * then does it exit 0. */
TEST_F(Lifecycle, LauncherExitsAfterTheResumeWindow) {
  const unsigned kResumeS = 5;
  Launcher c;
  start_launcher(c, {std::string(kSource) + " ! nvcfwebrtcsink " + kProps +
                     " resume-timeout=" + std::to_string(kResumeS)});
  ASSERT_TRUE(c.wait_state("ready", 10000));
  WsClient a;
  ASSERT_TRUE(a.connect(c.streaming, "/sign_in", {}, {{"nvcf-reqid", "exit-rq-1"}})) << a.error();
  ASSERT_TRUE(a.next_message());
  ASSERT_FALSE(start_when_media(a).empty());
  a.abort();
  gint64 dropped = g_get_monotonic_time();
  ASSERT_TRUE(c.wait_state("awaiting-resume", 3000));
  /* The timer fires kResumeS (less GLib's 250 ms rounding) after the
   * streamer saw the drop; well inside that it must still be there. */
  EXPECT_EQ(c.child.wait_exit_code(2500), -1) << "exited inside the resume window";
  EXPECT_EQ(c.ready_state(), "awaiting-resume");
  EXPECT_EQ(c.child.wait_exit_code((kResumeS + 8) * 1000), 0)
      << "did not exit 0 after the resume window";
  EXPECT_GT((g_get_monotonic_time() - dropped) / 1e6, kResumeS - 1.0);
}

/* SIGTERM mid-session: the viewer hears endSession (or a close with a
 * reason), the launcher stops within 5 s and exits 0, by itself: not cut
 * short by its watchdog. The viewer has its offer but never answers, so
 * its webrtcbin holds media back until DTLS, as a real one does at first. */
static void sigterm_during_session(std::vector<std::string> options) {
  Launcher c;
  start_launcher(c, options);
  ASSERT_TRUE(c.wait_state("ready", 10000));
  WsClient a;
  ASSERT_TRUE(a.connect(c.streaming, "/sign_in"));
  ASSERT_TRUE(a.next_message());
  std::string sid = start_when_media(a);
  ASSERT_FALSE(sid.empty());
  ASSERT_TRUE(a.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 10000)) << "no offer";
  gint64 t0 = g_get_monotonic_time();
  c.child.signal(SIGTERM);
  auto told = a.next_matching([](const Msg& m) { return m.type() == "endSession"; }, 5000);
  gushort code = 0;
  std::string reason;
  if (!told)
    a.wait_closed(5000, &code, &reason);
  EXPECT_TRUE(told || !reason.empty()) << "the viewer was not told";
  if (told) {
    EXPECT_EQ((*told)["sessionId"].str(), sid);
  }
  int rc = c.child.wait_exit_code(6000);
  EXPECT_EQ(rc, 0);
  EXPECT_LT((g_get_monotonic_time() - t0) / 1e6, 5.0);
  std::string err = c.child.err();
  EXPECT_EQ(err.find("shutdown did not finish"), std::string::npos) << err;
}

TEST_F(Lifecycle, SigtermDuringSession) {
  sigterm_during_session({});  // the launcher's default: exit
}

TEST_F(Lifecycle, SigtermDuringSessionReusePolicy) {
  sigterm_during_session({"--session-policy=reuse"});
}

/* identity sleeps 30 s in its streaming thread on the first buffer, so EOS
 * never arrives and the NULL state change blocks on that thread: only the
 * watchdog can keep the 5 s bound (and --stop-timeout=30 is capped). */
TEST_F(Lifecycle, StuckStopEndsWithin5s) {
  Launcher c;
  start_launcher(c, {"--stop-timeout=30",
                     "videotestsrc is-live=true ! identity sleep-time=30000000 ! nvcfwebrtcsink"});
  pause(1500);  // the first buffer reaches identity: nothing to poll for
  gint64 t0 = g_get_monotonic_time();
  c.child.signal(SIGTERM);
  EXPECT_EQ(c.child.wait_exit_code(7000), 0);
  EXPECT_LT((g_get_monotonic_time() - t0) / 1e6, 5.0);
  std::string err = c.child.err();
  EXPECT_NE(err.find("--stop-timeout 30 would break the 5 s shutdown bound"), std::string::npos)
      << err;
  EXPECT_NE(err.find("shutdown did not finish"), std::string::npos) << err;
}

/* A valve that drops everything keeps EOS from ever arriving, so the
 * first signal waits --stop-timeout (capped at 3 s); the second must not. */
TEST_F(Lifecycle, SecondSignalForcesExit) {
  Launcher c;
  start_launcher(
      c, {"--stop-timeout=30", "videotestsrc is-live=true ! valve drop=true ! nvcfwebrtcsink"});
  c.child.signal(SIGTERM);
  g_usleep(300000);
  EXPECT_EQ(c.child.wait_exit_code(500), -1) << "the first signal should be waiting for EOS";
  c.child.signal(SIGTERM);
  EXPECT_EQ(c.child.wait_exit_code(3000), 130);
}
