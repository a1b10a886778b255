/* The WebSocket signaller of nvcfwebrtcsink, driven over real sockets on
 * 127.0.0.1 by libsoup 3's WebSocket client: handshake and subprotocol echo,
 * both signalling dialects, transport limits (binary, size, flood), and
 * sessions started, ended and dropped through signalling, checked against
 * readiness and the element's bus messages. */
#include <agent.h>
#include <arpa/inet.h>
#include <gst/sdp/sdp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nvcfjson.h"
#include "nvcfpeer.h"
#include "nvcftest.h"
#include "nvcfproc.h"
#include "nvcfws.h"
#include "core/json.h"
#include "nvcfsecrets.h"

using namespace nvcftest;
using nvcftest::http;
using nvcftest::Streamer;

namespace {

/* A live source with small caps so that sessions can start quickly. */
const char* kSource = "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1";
/* ICE restricted to loopback; x264enc is what the test machines have. */
const char* kProps = "ice-addresses=127.0.0.1 video-encoder=x264enc";
const char* kEndpoint = "/sign_in";

/* ------------------------------------------------------------- fixtures */

/* Polls GET /v1/streaming/ready until it answers `status`, servicing the
 * WebSocket clients meanwhile. */
bool wait_readiness(const Streamer& s, unsigned status, unsigned timeout_ms) {
  return wait_ready_status(s.control_port(), status, timeout_ms);
}

guint session_count(const Streamer& s) {
  GstStructure* st = nullptr;
  g_object_get(s.sink(), "stats", &st, NULL);
  guint n = G_MAXUINT;
  if (st) {
    gst_structure_get_uint(st, "sessions", &n);
    gst_structure_free(st);
  }
  return n;
}

std::string field(const GstStructure* st, const char* name) {
  const char* v = st ? gst_structure_get_string(st, name) : nullptr;
  return v ? v : "";
}

/* "session-started" signal arguments, emitted on the element's loop thread. */
struct StartedSignals {
  std::mutex lock;
  std::vector<std::pair<std::string, std::string>> calls;  // (session id, peer meta)
  static void on_started(GstElement*, const gchar* id, const gchar* meta, gpointer data) {
    auto* self = static_cast<StartedSignals*>(data);
    std::lock_guard<std::mutex> l(self->lock);
    self->calls.emplace_back(id ? id : "", meta ? meta : "");
  }
};

class Signaller : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }

  /* A PLAYING streamer whose video stream is encoded (sessions need that). */
  std::unique_ptr<Streamer> playing(const std::string& extra = "") {
    auto s = std::make_unique<Streamer>(std::string(kProps) + " " + extra, kSource);
    EXPECT_TRUE(s->set_state(GST_STATE_PLAYING));
    EXPECT_NE(s->streaming_port(), 0u);
    /* The encoder joins the bin once the first caps reached the sink. */
    EXPECT_TRUE(wait_media(*s, 5000)) << "no encoder in the sink after 5 s";
    return s;
  }

  /* Ends a live session from its client and waits until the streamer is
   * ready again. Tests end their sessions this way before they return: the
   * clients' sockets close before the Streamer stops, and a session ended
   * by a vanishing client while the pipeline stops hits the race shown by
   * ViewerLeavingDuringShutdown. */
  static void end_session(WsClient& c, const Streamer& s, const std::string& sid) {
    c.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
    EXPECT_TRUE(wait_readiness(s, 200, 5000)) << "session " << sid << " did not end";
  }

  /* startSession for the producer, answered by the very next frame. */
  static std::string start_session(WsClient& c, const std::string& producer) {
    return nvcftest::start_session(c, producer, true);
  }
};

}  // namespace

/* ------------------------------------------------------------ handshake */

/* Browsers carry NVCF's auth and routing tokens as subprotocols and fail the
 * handshake unless one is echoed: the first must be selected. */
TEST_F(Signaller, EchoesFirstOfferedSubprotocol) {
  auto s = playing();
  WsClient c;
  ASSERT_TRUE(c.connect(s->streaming_port(), kEndpoint,
                        {"authorization.Bearer-abc", "function-id.1234", "x-nv-sessionid.s1"}))
      << c.error();
  EXPECT_EQ(c.status(), 101u);
  EXPECT_EQ(c.protocol(), "authorization.Bearer-abc");
  auto w = c.next_message();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type(), "welcome");

  /* Another order: still the first one offered. */
  WsClient d;
  ASSERT_TRUE(d.connect(s->streaming_port(), kEndpoint, {"function-id.9", "authorization.x"}))
      << d.error();
  EXPECT_EQ(d.protocol(), "function-id.9");
}

TEST_F(Signaller, HandshakeWithoutSubprotocol) {
  auto s = playing();
  WsClient c;
  ASSERT_TRUE(c.connect(s->streaming_port(), kEndpoint)) << c.error();
  EXPECT_EQ(c.status(), 101u);
  EXPECT_EQ(c.protocol(), "");
  auto w = c.next_message();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type(), "welcome");
}

/* The endpoint is WebSocket only; everything else on the port is 404. */
/* The server pings each client every keepalive-interval seconds, so a
 * proxy with an idle timeout keeps a quiet signalling socket open. Read on
 * a raw socket: a WebSocket client library answers pings out of sight. */
TEST_F(Signaller, PingsQuietClients) {
  auto s = playing("keepalive-interval=1");
  int fd = tcp_connect(s->streaming_port(), 200);
  ASSERT_GE(fd, 0);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  std::string hello =
      std::string("GET ") + kEndpoint +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_EQ(send(fd, hello.data(), hello.size(), 0), ssize_t(hello.size()));

  /* Collect bytes for 3.5 s without ever sending anything. */
  std::string in;
  gint64 until = g_get_monotonic_time() + 3500000;
  while (g_get_monotonic_time() < until) {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0)
      in.append(buf, n);
    else if (n == 0)
      break;
  }
  size_t body = in.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << in;
  ASSERT_EQ(in.rfind("HTTP/1.1 101", 0), 0u) << in.substr(0, body);
  /* Server frames are unmasked; count the pings (opcode 9). */
  int pings = 0, texts = 0;
  for (size_t i = body + 4; i + 2 <= in.size();) {
    unsigned op = in[i] & 0x0f;
    size_t len = static_cast<unsigned char>(in[i + 1]) & 0x7f, head = 2;
    if (len == 126) {
      if (i + 4 > in.size())
        break;
      len = (static_cast<unsigned char>(in[i + 2]) << 8) | static_cast<unsigned char>(in[i + 3]);
      head = 4;
    }
    if (op == 0x9)
      pings++;
    if (op == 0x1)
      texts++;
    i += head + len;
  }
  EXPECT_GE(texts, 1) << "no welcome";
  EXPECT_GE(pings, 2) << "keepalive-interval=1 sent " << pings << " pings in 3.5 s";
}

TEST_F(Signaller, PlainHttpIsRefused) {
  auto s = playing();
  unsigned port = s->streaming_port();
  auto plain = http(port, "GET", kEndpoint);
  EXPECT_EQ(plain.status, 400u);
  EXPECT_NE(plain.body.find("WebSocket"), std::string::npos) << plain.body;
  EXPECT_EQ(http(port, "GET", "/other").status, 404u);
  EXPECT_EQ(http(port, "GET", "/").status, 404u);

  /* A WebSocket upgrade on another path is refused with 404 as well. */
  WsClient c;
  EXPECT_FALSE(c.connect(port, "/other"));
  EXPECT_EQ(c.status(), 404u);

  /* The server keeps serving. */
  WsClient d;
  ASSERT_TRUE(d.connect(port, kEndpoint)) << d.error();
  auto w = d.next_message();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type(), "welcome");
}

/* ------------------------------------------------- GStreamer protocol */

/* What gstwebrtc-api needs before it can start a session
 * (docs/signalling.md, points 1-3 and 8). */
TEST_F(Signaller, WelcomePeerStatusListAndUnknownTypes) {
  auto s = playing();
  WsClient c;
  /* welcome is the very first frame. */
  std::string me = connect_gst(c, *s);
  ASSERT_FALSE(me.empty());

  c.send_text(R"({"type":"setPeerStatus","roles":["listener"],"meta":{"name":"viewer"}})");
  auto st = c.next_message();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->type(), "peerStatusChanged") << st->text;
  EXPECT_EQ((*st)["peerId"].str(), me);
  ASSERT_TRUE((*st)["roles"].is_array()) << st->text;
  EXPECT_EQ((*st)["roles"].size(), 1u);
  EXPECT_EQ((*st)["roles"][0u].str(), "listener");
  EXPECT_EQ((*st)["meta"]["name"].str(), "viewer") << st->text;

  c.send_text(R"({"type":"list"})");
  auto l = c.next_message();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->type(), "list") << l->text;
  ASSERT_TRUE((*l)["producers"].is_array()) << l->text;
  ASSERT_EQ((*l)["producers"].size(), 1u) << l->text;
  std::string producer = (*l)["producers"][0u]["id"].str();
  EXPECT_FALSE(producer.empty());
  EXPECT_NE(producer, me);  // the streamer is not the client
  Json meta = (*l)["producers"][0u]["meta"];
  EXPECT_TRUE(meta.is_null() || meta.is_object()) << l->text;

  /* Sent by gstwebrtc-api on every connect: must be answered, never closed. */
  c.send_text(R"({"type":"listConsumers"})");
  auto lc = c.next_message();
  ASSERT_TRUE(lc);
  EXPECT_EQ(lc->type(), "listConsumers") << lc->text;
  ASSERT_TRUE((*lc)["consumers"].is_array()) << lc->text;
  EXPECT_EQ((*lc)["consumers"].size(), 0u);

  c.send_text(R"({"type":"frobnicate","x":1})");
  auto e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_NE((*e)["details"].str().find("frobnicate"), std::string::npos) << e->text;
  EXPECT_TRUE(c.is_open());

  /* Still served after the error; the producer id is stable. */
  EXPECT_EQ(producer_id(c), producer);
  EXPECT_TRUE(c.is_open());

  /* Every client gets its own peer id, and the same producer. */
  WsClient d;
  std::string other = connect_gst(d, *s);
  EXPECT_NE(other, me);
  EXPECT_EQ(producer_id(d), producer);
}

/* Malformed frames get an error and change nothing; nobody is disconnected. */
TEST_F(Signaller, MalformedMessagesGetErrors) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);

  struct Case {
    const char* text;
    const char* expect;  // in details
  } cases[] = {
      {"{nope", "invalid JSON"},
      {"[1,2,3]", "not a JSON object"},
      {"\"just a string\"", "not a JSON object"},
      {R"({"peerId":"x"})", "type"},
      {R"({"type":42})", "type"},
  };
  for (const auto& k : cases) {
    c.send_text(k.text);
    auto e = c.next_message();
    ASSERT_TRUE(e) << "no reply to " << k.text;
    EXPECT_EQ(e->type(), "error") << k.text << " -> " << e->text;
    EXPECT_NE((*e)["details"].str().find(k.expect), std::string::npos)
        << k.text << " -> " << e->text;
  }
  EXPECT_TRUE(c.is_open());
  EXPECT_FALSE(producer_id(c).empty());

  WsClient d;
  EXPECT_FALSE(connect_gst(d, *s).empty());
  EXPECT_FALSE(producer_id(d).empty());
}

/* --------------------------------------------------- transport limits */

/* Binary frames are not part of either dialect: close 1003 with a reason. */
TEST_F(Signaller, BinaryFrameClosesWith1003) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  c.send_binary(std::string("\x00\x01\x02", 3));
  gushort code = 0;
  std::string reason;
  ASSERT_TRUE(c.wait_closed(5000, &code, &reason));
  EXPECT_EQ(code, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA);
  EXPECT_FALSE(reason.empty());
  EXPECT_NE(reason.find("binary"), std::string::npos) << reason;

  WsClient d;
  EXPECT_FALSE(connect_gst(d, *s).empty());
}

/* Frames over 1 MiB are refused with 1009 (message too big). */
TEST_F(Signaller, OversizedMessageClosesWith1009) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  std::string big = R"({"type":"list","pad":")" + std::string(1024 * 1024, 'a') + "\"}";
  c.send_text(big);
  gushort code = 0;
  std::string reason;
  ASSERT_TRUE(c.wait_closed(8000, &code, &reason));
  /* At most an error explaining it, never an answer to the frame. */
  for (const Msg& m : c.drain(0))
    EXPECT_EQ(m.type(), "error") << m.text.substr(0, 200);
  WsClient d;
  EXPECT_FALSE(connect_gst(d, *s).empty());
  EXPECT_EQ(s->ready_state(), "ready");
  EXPECT_EQ(code, SOUP_WEBSOCKET_CLOSE_TOO_BIG) << reason;
}

/* 1 MiB exactly is within the limit and answered. */
TEST_F(Signaller, MessageAtTheLimitIsServed) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  std::string head = R"({"type":"list","pad":")";
  std::string tail = "\"}";
  std::string text = head + std::string(1024 * 1024 - head.size() - tail.size(), 'a') + tail;
  ASSERT_EQ(text.size(), 1024u * 1024u);
  c.send_text(text);
  auto l = c.next_message(8000);
  ASSERT_TRUE(l) << "closed: " << c.closed();
  EXPECT_EQ(l->type(), "list") << l->text.substr(0, 200);
  EXPECT_TRUE(c.is_open());
}

/* More than 200 messages in a second: 1008 "too many messages". */
TEST_F(Signaller, FloodClosesWith1008) {
  SKIP_IF_SANITIZED("a message rate per second");
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  for (int i = 0; i < 1000 && c.is_open(); i++)
    c.send_text(R"({"type":"listConsumers"})");
  gushort code = 0;
  std::string reason;
  ASSERT_TRUE(c.wait_closed(8000, &code, &reason));
  EXPECT_EQ(code, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  EXPECT_EQ(reason, "too many messages");
  /* Exactly the first 200 were answered. */
  std::vector<Msg> answered = c.drain(0);
  EXPECT_EQ(answered.size(), 200u);

  WsClient d;
  EXPECT_FALSE(connect_gst(d, *s).empty());
  EXPECT_FALSE(producer_id(d).empty());
}

/* A steady client under the limit is never cut off. */
TEST_F(Signaller, ModerateRateIsServed) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  for (int i = 0; i < 150; i++)
    c.send_text(R"({"type":"listConsumers"})");
  for (int i = 0; i < 150; i++) {
    auto m = c.next_message();
    ASSERT_TRUE(m) << "reply " << i << " missing, closed=" << c.closed();
    ASSERT_EQ(m->type(), "listConsumers");
  }
  EXPECT_TRUE(c.is_open());
}

/* ------------------------------------------------------------- sessions */

TEST_F(Signaller, StartSessionOfferIceBusyAndEnd) {
  auto s = playing("max-sessions=1 video-bitrate=1234");
  StartedSignals started;
  g_signal_connect(s->sink(), "session-started", G_CALLBACK(StartedSignals::on_started), &started);

  WsClient a;
  /* The request id rides in a subprotocol token that is not the first. */
  std::string me = connect_gst(a, *s, {"authorization.Bearer-abc", "nvcf-reqid.req-42"});
  EXPECT_EQ(a.protocol(), "authorization.Bearer-abc");
  a.send_text(R"({"type":"setPeerStatus","roles":["listener"],"meta":{"name":"viewer-a"}})");
  auto st = a.next_message();
  ASSERT_TRUE(st && st->type() == "peerStatusChanged");
  std::string producer = producer_id(a);
  ASSERT_FALSE(producer.empty());

  /* sessionStarted comes before any peer message of the session. */
  std::string sid = start_session(a, producer);
  ASSERT_FALSE(sid.empty());

  /* Offer and loopback candidates follow, all for this session; a real
   * viewer answers and connects. */
  std::string offer_type;
  std::vector<std::string> candidates;
  Dialect d = gst_dialect(sid);
  auto plain_offer = d.offer;
  d.offer = [&](const Msg& m) {
    auto sdp = plain_offer(m);
    if (sdp)
      offer_type = m["sdp"]["type"].str();
    return sdp;
  };
  auto plain_ice = d.ice;
  d.ice = [&](const Msg& m) {
    auto ice = plain_ice(m);
    if (ice) {
      EXPECT_TRUE(m["ice"]["sdpMLineIndex"].is_int()) << m.text;
      candidates.push_back(ice->second);
    }
    return ice;
  };
  Answerer peer;
  std::vector<Msg> others;
  std::string offer = connect_peer(a, peer, d, &others);
  for (const Msg& m : others)
    ADD_FAILURE() << "not a peer message of the session: " << m.text;
  EXPECT_EQ(offer_type, "offer");
  EXPECT_EQ(offer.rfind("v=0", 0), 0u);
  EXPECT_NE(offer.find("m=video"), std::string::npos);
  EXPECT_NE(offer.find("H264"), std::string::npos);
  ASSERT_FALSE(candidates.empty()) << "no ICE candidate";
  for (const auto& cand : candidates) {
    if (cand.empty())
      continue;  // end of candidates
    EXPECT_EQ(cand.rfind("candidate:", 0), 0u) << cand;
    EXPECT_NE(cand.find(" 127.0.0.1 "), std::string::npos) << "ice-addresses ignored: " << cand;
  }
  /* A client candidate with the extra fields gstwebrtc-api sends. */
  a.send_text(R"({"type":"peer","sessionId":")" + sid +
              R"(","ice":{"candidate":"candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host",)"
              R"("sdpMLineIndex":0,"sdpMid":"video0","usernameFragment":"abcd"}})");

  /* Full: readiness 500 busy. */
  Readiness full = ready(s->control_port());
  EXPECT_EQ(full.status, 500u);
  EXPECT_NE(full.body.find("\"state\":\"busy\""), std::string::npos) << full.body;
  EXPECT_EQ(s->ready_state(), "busy");
  EXPECT_EQ(session_count(*s), 1u);
  /* stats: the session's webrtcbin statistics under its id, and the
   * encoder bitrate. */
  {
    GstStructure* stats = nullptr;
    g_object_get(s->sink(), "stats", &stats, NULL);
    ASSERT_NE(stats, nullptr);
    const GValue* v = gst_structure_get_value(stats, sid.c_str());
    ASSERT_NE(v, nullptr) << gst_structure_to_string(stats);
    ASSERT_TRUE(GST_VALUE_HOLDS_STRUCTURE(v));
    EXPECT_GT(gst_structure_n_fields(gst_value_get_structure(v)), 0);
    /* The element's own encoder, set from video-bitrate. */
    guint kbps = 0;
    EXPECT_TRUE(gst_structure_get_uint(stats, "video-bitrate", &kbps));
    EXPECT_EQ(kbps, 1234u) << gst_structure_to_string(stats);
    std::string factory = field(stats, "video-encoder");
    gst_structure_free(stats);

    /* An application retuning the encoder: the stats follow the encoder,
     * not the property. */
    GstElement* enc = gst_bin_get_by_name(GST_BIN(s->sink()), "video_0-encoder");
    ASSERT_NE(enc, nullptr);
    EXPECT_STREQ(GST_OBJECT_NAME(gst_element_get_factory(enc)), factory.c_str());
    bool retuned = true;
    if (factory == "x264enc")
      g_object_set(enc, "bitrate", 777u, NULL);
    else if (factory == "openh264enc")
      g_object_set(enc, "bitrate", 777000u, NULL);
    else if (factory == "vp8enc")
      g_object_set(enc, "target-bitrate", 777000, NULL);
    else
      retuned = false;  // an encoder this test does not know how to retune
    gst_object_unref(enc);
    if (retuned) {
      g_object_get(s->sink(), "stats", &stats, NULL);
      EXPECT_TRUE(gst_structure_get_uint(stats, "video-bitrate", &kbps));
      EXPECT_EQ(kbps, 777u) << gst_structure_to_string(stats);
      gst_structure_free(stats);
    }
  }

  GstStructure* msg = nullptr;
  ASSERT_TRUE(s->wait_element_message("nvcf-session-started", 3000, &msg));
  EXPECT_EQ(field(msg, "session-id"), sid);
  EXPECT_EQ(field(msg, "peer-id"), me);
  EXPECT_EQ(field(msg, "request-id"), "req-42");
  gst_structure_free(msg);
  {
    std::lock_guard<std::mutex> l(started.lock);
    ASSERT_EQ(started.calls.size(), 1u);
    EXPECT_EQ(started.calls[0].first, sid);
    EXPECT_NE(started.calls[0].second.find("viewer-a"), std::string::npos)
        << started.calls[0].second;
  }

  /* A second viewer is refused while the first watches. */
  WsClient b;
  connect_gst(b, *s);
  b.send_text(R"({"type":"startSession","peerId":")" + producer + "\"}");
  auto refused = b.next_message();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->type(), "error") << refused->text;
  EXPECT_NE((*refused)["details"].str().find("busy"), std::string::npos) << refused->text;
  EXPECT_TRUE(b.is_open());
  EXPECT_EQ(session_count(*s), 1u);

  /* The answer and candidate were accepted: no error came back. */
  for (const Msg& m : a.drain(200))
    EXPECT_EQ(m.type(), "peer") << "unexpected: " << m.text;

  /* The first viewer ends its session: ready again, ended posted. */
  a.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
  EXPECT_EQ(s->ready_state(), "ready");
  ASSERT_TRUE(s->wait_element_message("nvcf-session-ended", 5000, &msg));
  EXPECT_EQ(field(msg, "session-id"), sid);
  EXPECT_EQ(field(msg, "peer-id"), me);
  EXPECT_NE(field(msg, "peer-meta").find("viewer-a"), std::string::npos) << field(msg, "peer-meta");
  gst_structure_free(msg);
  EXPECT_EQ(session_count(*s), 0u);
  /* The client ended it: no endSession or error is sent back. */
  for (const Msg& m : a.drain(300))
    EXPECT_EQ(m.type(), "peer") << "unexpected after endSession: " << m.text;
  EXPECT_TRUE(a.is_open());

  /* The refused viewer may now start (its pending start was cleared). */
  std::string sid2 = start_session(b, producer);
  EXPECT_NE(sid2, sid);
  ASSERT_FALSE(sid2.empty());
  Answerer peer2;
  connect_peer(b, sid2, peer2);
  EXPECT_EQ(s->ready_state(), "busy");
  end_session(b, *s, sid2);
}

/* A client that vanishes without endSession frees its session. */
TEST_F(Signaller, AbruptDisconnectEndsSession) {
  auto s = playing("max-sessions=1");
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  Answerer peer;
  connect_peer(a, sid, peer);
  EXPECT_EQ(s->ready_state(), "busy");

  a.abort();
  GstStructure* msg = nullptr;
  ASSERT_TRUE(s->wait_element_message("nvcf-session-ended", 5000, &msg));
  EXPECT_EQ(field(msg, "session-id"), sid);
  gst_structure_free(msg);
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
  EXPECT_EQ(s->ready_state(), "ready");
  EXPECT_EQ(session_count(*s), 0u);

  /* The next viewer gets in. */
  WsClient b;
  connect_gst(b, *s);
  std::string sid2 = start_session(b, producer_id(b));
  ASSERT_FALSE(sid2.empty());
  Answerer peer2;
  connect_peer(b, sid2, peer2);
  end_session(b, *s, sid2);
}

/* A later POST to /v1/streaming/creds replaces the earlier one whole: the
 * next session's ICE configuration has the second server, user and password
 * and nothing of the first. */
TEST_F(Signaller, LaterCredentialsReplaceEarlierOnes) {
  auto s = playing("max-sessions=1");
  auto post = [&](const std::string& body) {
    return http(s->control_port(), "POST", "/v1/streaming/creds", "application/json", body).status;
  };
  ASSERT_EQ(post(R"({"stunIp":"127.0.0.2","stunPort":3001,"username":"first-user","password":)" +
                 nvcf::json::quote(nvcftest::secrets::kPostedPassword) + "}"),
            200u);
  ASSERT_EQ(post(R"({"stunIp":"127.0.0.3","stunPort":3002,"username":"second-user","password":)" +
                 nvcf::json::quote(nvcftest::secrets::kPostedPassword2) + "}"),
            200u);
  struct Servers {
    std::mutex lock;
    std::string stun, turn;
    int count = 0;
  } seen;
  auto on_created = +[](GstElement*, const gchar*, GstElement* webrtc, gpointer data) {
    auto* seen = static_cast<Servers*>(data);
    gchar* stun = nullptr;
    gchar* turn = nullptr;
    GObject* ice = nullptr;
    g_object_get(webrtc, "stun-server", &stun, "turn-server", &turn, "ice-agent", &ice, NULL);
    /* webrtcbin never holds the TURN password; the session notes the
     * server, redacted, on the ICE agent. */
    const char* relay =
        ice ? static_cast<const char*>(g_object_get_data(ice, "nvcf-turn-server")) : nullptr;
    std::lock_guard<std::mutex> l(seen->lock);
    seen->stun = stun ? stun : "";
    seen->turn = (turn ? turn : "") + std::string(relay ? relay : "");
    if (ice)
      g_object_unref(ice);
    seen->count++;
    g_free(stun);
    g_free(turn);
  };
  g_signal_connect(s->sink(), "webrtcbin-created", G_CALLBACK(on_created), &seen);
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard<std::mutex> l(seen.lock);
        return seen.count > 0;
      },
      5000));
  {
    std::lock_guard<std::mutex> l(seen.lock);
    ASSERT_EQ(seen.count, 1);
    EXPECT_EQ(seen.stun, "stun://127.0.0.3:3002");
    EXPECT_EQ(seen.turn, "turn://second-user:***@127.0.0.3:3002");
  }
  end_session(a, *s, sid);
}

/* Closing the socket cleanly without endSession ends the session too. */
TEST_F(Signaller, CloseWithoutEndSessionEndsSession) {
  auto s = playing();
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  Answerer peer;
  connect_peer(a, sid, peer);
  EXPECT_EQ(s->ready_state(), "busy");
  a.close(SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  EXPECT_TRUE(a.wait_closed(5000));
  GstStructure* msg = nullptr;
  ASSERT_TRUE(s->wait_element_message("nvcf-session-ended", 5000, &msg));
  EXPECT_EQ(field(msg, "session-id"), sid);
  gst_structure_free(msg);
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
}

/* A viewer that leaves before answering the offer (tab closed while
 * connecting) must not wedge the streamer: the branch's thread then sits
 * blocked inside the unnegotiated webrtcbin (deadlocked stop() before
 * 0fb38b5). */
TEST_F(Signaller, UnansweredSessionCanBeEnded) {
  auto s = playing();
  WsClient a;
  connect_gst(a, *s);
  std::string sid = start_session(a, producer_id(a));
  ASSERT_FALSE(sid.empty());
  ASSERT_TRUE(a.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 8000));
  pause(300);  // media reaches webrtcbin's blocked sink pad
  a.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
  ASSERT_TRUE(s->wait_element_message("nvcf-session-ended", 5000));

  /* Same through a dropped connection. */
  WsClient b;
  connect_gst(b, *s);
  std::string sid2 = start_session(b, producer_id(b));
  ASSERT_FALSE(sid2.empty());
  ASSERT_TRUE(b.next_matching([](const Msg& m) { return m["sdp"].exists(); }, 8000));
  pause(300);
  b.abort();
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
}

/* Requests that name nothing real are refused and start nothing. */
TEST_F(Signaller, WrongPeerIdAndUnknownSession) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  std::string producer = producer_id(c);

  c.send_text(R"({"type":"startSession","peerId":"not-the-producer"})");
  auto e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_NE((*e)["details"].str().find("not-the-producer"), std::string::npos) << e->text;

  c.send_text(R"({"type":"startSession"})");
  e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;

  c.send_text(R"({"type":"peer","sessionId":"nope","sdp":{"type":"answer","sdp":"v=0\r\n"}})");
  e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_NE((*e)["details"].str().find("unknown session"), std::string::npos) << e->text;

  c.send_text(
      R"({"type":"peer","sessionId":"nope","ice":{"candidate":"candidate:1 1 UDP 1 127.0.0.1 9 typ host","sdpMLineIndex":0}})");
  e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_NE((*e)["details"].str().find("unknown session"), std::string::npos) << e->text;

  c.send_text(R"({"type":"endSession","sessionId":"nope"})");
  e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;

  /* Nothing started. */
  for (const Msg& m : c.drain(300))
    ADD_FAILURE() << "unexpected: " << m.text;
  EXPECT_EQ(s->ready_state(), "ready");
  EXPECT_EQ(session_count(*s), 0u);
  EXPECT_FALSE(s->wait_element_message("nvcf-session-started", 200));
  EXPECT_TRUE(c.is_open());

  /* The right id still works on the same socket. */
  std::string sid = start_session(c, producer);
  ASSERT_FALSE(sid.empty());
  Answerer peer;
  connect_peer(c, sid, peer);
  end_session(c, *s, sid);
}

/* A client offer in startSession, or as a peer sdp, is refused: we offer. */
TEST_F(Signaller, ClientOffersAreRefused) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  std::string producer = producer_id(c);
  c.send_text(R"({"type":"startSession","peerId":")" + producer + R"(","offer":"v=0"})");
  auto e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_EQ(session_count(*s), 0u);

  std::string sid = start_session(c, producer);
  ASSERT_FALSE(sid.empty());
  c.send_text(R"({"type":"peer","sessionId":")" + sid +
              R"(","sdp":{"type":"offer","sdp":"v=0\r\n"}})");
  auto refused = c.next_matching([](const Msg& m) { return m.type() != "peer"; });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->type(), "error") << refused->text;
  EXPECT_NE((*refused)["details"].str().find("offer"), std::string::npos) << refused->text;
  EXPECT_EQ(session_count(*s), 1u);  // the session itself lives on
  Answerer peer;
  connect_peer(c, sid, peer);
  end_session(c, *s, sid);
}

/* Before PLAYING the streamer is not ready and says so. */
TEST_F(Signaller, StartSessionWhenNotReadyIsRefused) {
  Streamer s(kProps, kSource);
  ASSERT_TRUE(s.set_state(GST_STATE_PAUSED));
  ASSERT_EQ(s.ready_state(), "starting");
  WsClient c;
  connect_gst(c, s);
  std::string producer = producer_id(c);
  c.send_text(R"({"type":"startSession","peerId":")" + producer + "\"}");
  auto e = c.next_message();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), "error") << e->text;
  EXPECT_NE((*e)["details"].str().find("not ready"), std::string::npos) << e->text;
  EXPECT_EQ(session_count(s), 0u);
}

/* Stopping the element tells the viewer, ends its session, then closes the
 * socket with 1001. */
TEST_F(Signaller, StoppingEndsSessionsAndClosesClients) {
  auto s = playing();
  WsClient c;
  connect_gst(c, *s);
  std::string sid = start_session(c, producer_id(c));
  ASSERT_FALSE(sid.empty());
  Answerer peer;
  connect_peer(c, sid, peer);
  pause(100);
  ASSERT_TRUE(s->set_state(GST_STATE_NULL));

  gushort code = 0;
  std::string reason;
  ASSERT_TRUE(c.wait_closed(5000, &code, &reason));
  bool told = false, ended = false;
  for (const Msg& m : c.drain(0)) {
    if (m.type() == "error") {
      EXPECT_NE(m["details"].str().find("stopping"), std::string::npos) << m.text;
      told = true;
    }
    if (m.type() == "endSession") {
      EXPECT_EQ(m["sessionId"].str(), sid);
      EXPECT_TRUE(told) << "endSession before the reason";
      ended = true;
    }
  }
  EXPECT_TRUE(told) << "no error telling the viewer the streamer stops";
  EXPECT_TRUE(ended) << "no endSession";
  EXPECT_EQ(code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY) << reason;
}

/* ------------------------------------------------------- NVIDIA framing */

TEST_F(Signaller, NvidiaFraming) {
  auto s = playing();
  WsClient c;
  ASSERT_TRUE(c.connect(s->streaming_port(), std::string(kEndpoint) + "?peer_id=peer-1&version=2",
                        {"authorization.Bearer-abc"}))
      << c.error();
  /* This dialect has no welcome. */
  for (const Msg& m : c.drain(200))
    ADD_FAILURE() << "unexpected before peer_info: " << m.text;

  c.send_text(
      R"({"ackid":1,"peer_info":{"browser":"x","connected":true,"id":2,"name":"peer-1","peerRole":0,"resolution":"1920x1080","version":2}})");
  auto ack = c.next_message();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->json.size(), 1u) << ack->text;
  EXPECT_EQ((*ack)["ack"].num(), 1) << ack->text;

  /* The offer and candidates: peer_msg whose msg is a JSON string, each
   * with its own increasing ackid; the answer and ours ride the same way. */
  std::optional<Msg> offer;
  gint64 last_ackid = 0;
  int next_ackid = 2;
  auto inner_of = [](const Msg& m) { return Json::parse(m["peer_msg"]["msg"].str()); };
  auto check_frame = [&](const Msg& m) {
    EXPECT_TRUE(m["ackid"].is_int()) << m.text.substr(0, 200);
    EXPECT_GT(m["ackid"].num(), last_ackid) << m.text.substr(0, 200);
    last_ackid = m["ackid"].num();
    EXPECT_EQ(m["peer_msg"]["from"].num(), 1) << m.text.substr(0, 200);
    EXPECT_EQ(m["peer_msg"]["to"].num(), 2) << m.text.substr(0, 200);
    EXPECT_TRUE(m["peer_msg"]["msg"].is_string()) << m.text.substr(0, 200);
  };
  Dialect d;
  d.offer = [&](const Msg& m) -> std::optional<std::string> {
    auto inner = inner_of(m);
    if (!inner.exists() || inner["type"].str() != "offer")
      return std::nullopt;
    check_frame(m);
    offer = m;
    return inner["sdp"].str();
  };
  d.ice = [&](const Msg& m) -> std::optional<std::pair<unsigned, std::string>> {
    auto inner = inner_of(m);
    if (!inner.exists() || !inner["candidate"].exists())
      return std::nullopt;
    check_frame(m);
    EXPECT_TRUE(inner["sdpMLineIndex"].is_int()) << m.text;
    EXPECT_TRUE(inner["sdpMid"].exists()) << m.text;  // always there, maybe null
    return std::make_pair(unsigned(inner["sdpMLineIndex"].num()), inner["candidate"].str());
  };
  d.answer_frame = [&](const std::string& answer) {
    std::string msg = R"({"type":"answer","sdp":)" + json_quote(answer) + "}";
    return R"({"ackid":)" + std::to_string(next_ackid++) +
           R"(,"peer_msg":{"from":2,"to":1,"msg":)" + json_quote(msg) + "}}";
  };
  d.ice_frame = [&](unsigned mline, const std::string& cand) {
    std::string msg = R"({"candidate":)" + json_quote(cand) + R"(,"sdpMid":"0","sdpMLineIndex":)" +
                      std::to_string(mline) + "}";
    return R"({"ackid":)" + std::to_string(next_ackid++) +
           R"(,"peer_msg":{"from":2,"to":1,"msg":)" + json_quote(msg) + "}}";
  };
  Answerer peer;
  std::vector<Msg> others;
  std::string sdp = connect_peer(c, peer, d, &others);
  ASSERT_TRUE(offer) << "no offer";
  EXPECT_GE((*offer)["ackid"].num(), 1);  // our ackids count from 1
  EXPECT_NE(sdp.find("m=video"), std::string::npos);
  EXPECT_NE(sdp.find("H264"), std::string::npos);
  EXPECT_EQ(s->ready_state(), "busy");
  /* Everything else was an ack of one of our frames, in order. */
  gint64 acked = 1;
  for (const Msg& m : others) {
    EXPECT_EQ(m.json.size(), 1u) << m.text;
    EXPECT_EQ(m["ack"].num(), acked + 1) << m.text;
    acked = m["ack"].num();
  }

  /* Heartbeat. */
  c.send_text(R"({"hb":1})");
  auto hb = c.next_matching([](const Msg& m) { return m["hb"].exists() || m["error"].exists(); });
  ASSERT_TRUE(hb);
  EXPECT_EQ((*hb)["hb"].num(), 1) << hb->text;
  EXPECT_EQ(hb->json.size(), 1u) << hb->text;

  /* A malformed frame gets {"error":..} and changes nothing: the session
   * goes on. */
  c.send_text("{oops");
  auto err = c.next_matching([](const Msg& m) { return m["error"].exists() || m["hb"].exists(); });
  ASSERT_TRUE(err) << "no answer to a malformed frame";
  EXPECT_EQ(err->json.size(), 1u) << err->text;
  EXPECT_FALSE((*err)["error"].str().empty()) << err->text;
  EXPECT_EQ(s->ready_state(), "busy");

  /* A bye ends the session. */
  int bye = next_ackid++;
  c.send_text(R"({"ackid":)" + std::to_string(bye) +
              R"(,"peer_msg":{"from":2,"to":1,"msg":"{\"type\":\"bye\"}"}})");
  auto ack3 = c.next_matching([&](const Msg& m) { return m["ack"].num() == bye; });
  ASSERT_TRUE(ack3);
  EXPECT_TRUE(wait_readiness(*s, 200, 5000));
  ASSERT_TRUE(s->wait_element_message("nvcf-session-ended", 3000));
}

/* ------------------------------------------------- shutdown vs. viewers */

namespace {
/* Counts GStreamer criticals such as "Trying to dispose element ..., but it
 * is in PAUSED instead of the NULL state". */
struct CriticalCounter {
  std::atomic<int> n{0};
  std::mutex lock;
  std::string first;
  guint id = 0;
  CriticalCounter() {
    id = g_log_set_handler(
        "GStreamer", GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING),
        [](const gchar*, GLogLevelFlags, const gchar* message, gpointer data) {
          auto* self = static_cast<CriticalCounter*>(data);
          if (self->n++ == 0) {
            std::lock_guard<std::mutex> l(self->lock);
            self->first = message ? message : "";
          }
        },
        this);
  }
  ~CriticalCounter() { g_log_remove_handler("GStreamer", id); }
};
}  // namespace

/* A viewer that drops while the pipeline stops: the session must be torn
 * down once, with every element of its webrtcbin back in NULL. */
TEST_F(Signaller, ViewerLeavingDuringShutdown) {
  CriticalCounter criticals;
  /* The window is a few milliseconds wide: vary the gap. */
  for (int round = 0; round < 8 && criticals.n == 0; round++) {
    auto s = playing();
    WsClient c;
    connect_gst(c, *s);
    std::string sid = start_session(c, producer_id(c));
    ASSERT_FALSE(sid.empty());
    Answerer peer;
    connect_peer(c, sid, peer);
    c.abort(0);  // the loop thread now ends the session...
    g_usleep(round * 500);
    EXPECT_TRUE(s->set_state(GST_STATE_NULL));  // ...while the bin changes state
  }
  std::lock_guard<std::mutex> l(criticals.lock);
  EXPECT_EQ(criticals.n, 0) << criticals.first;
}

/* Without lip-sync (the default) audio is offered in a media stream of its
 * own, so browsers do not hold video back to the audio's playout; with it,
 * both name one stream. Every msid the offer carries for a section (a=msid
 * or a=ssrc msid:) is checked. */
TEST_F(Signaller, AudioInItsOwnStreamUnlessLipSync) {
  /* The stream ids one m-section names. */
  auto streams_of = [](const std::string& sdp, const std::string& kind) {
    std::set<std::string> ids;
    bool in = false;
    std::istringstream lines(sdp);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (line.rfind("m=", 0) == 0)
        in = line.rfind("m=" + kind + " ", 0) == 0;
      size_t at = line.rfind("a=msid:", 0) == 0 ? 7 : line.find(" msid:");
      if (!in || at == std::string::npos || line.rfind("a=", 0) != 0)
        continue;
      at += line.rfind("a=msid:", 0) == 0 ? 0 : 6;
      ids.insert(line.substr(at, line.find(' ', at) - at));
    }
    return ids;
  };
  for (bool on : {false, true}) {
    auto s = playing(std::string(on ? "lip-sync=true" : "") + " audiotestsrc is-live=true ! sink.");
    WsClient a;
    connect_gst(a, *s);
    std::string sid = start_session(a, producer_id(a));
    ASSERT_FALSE(sid.empty());
    auto offer = a.next_matching(
        [](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000);
    ASSERT_TRUE(offer) << "no offer";
    std::string sdp = (*offer)["sdp"]["sdp"].str();
    auto video = streams_of(sdp, "video"), audio = streams_of(sdp, "audio");
    ASSERT_EQ(video.size(), 1u) << sdp;
    ASSERT_EQ(audio.size(), 1u) << sdp;
    EXPECT_EQ(*video.begin() == *audio.begin(), on) << sdp;
    end_session(a, *s, sid);
  }
}

/* The playout-delay header extension is offered on video by default, and
 * not with playout-delay=false. */
TEST_F(Signaller, PlayoutDelayOfferedUnlessTurnedOff) {
  const std::string extmap =
      "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
  for (bool on : {true, false}) {
    auto s = playing(on ? "" : "playout-delay=false");
    WsClient a;
    connect_gst(a, *s);
    ASSERT_FALSE(start_session(a, producer_id(a)).empty());
    auto offer = a.next_matching(
        [](const Msg& m) { return m.type() == "peer" && m["sdp"].exists(); }, 10000);
    ASSERT_TRUE(offer) << "no offer";
    std::string sdp = (*offer)["sdp"]["sdp"].str();
    EXPECT_EQ(sdp.find(extmap) != std::string::npos, on) << sdp;
  }
}
