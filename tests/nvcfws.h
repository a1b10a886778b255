/* WebSocket and socket helpers: a libsoup 3 WebSocket client on the
 * calling thread's default main context (spun by wait_until, with timeouts
 * so nothing hangs), the GStreamer-dialect signalling shortcuts, and raw
 * TCP/UDP probes on 127.0.0.1. */
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nvcfjson.h"
#include "nvcftest.h"

namespace nvcftest {

/* One received text frame, kept with its parse. */
struct Msg {
  std::string text;
  Json json;  // !exists() when text is not JSON
  Json operator[](const char* key) const { return json[key]; }
  std::string type() const { return json["type"].str(); }
};

/* ---------------------------------------------------------- WebSocket client */

/* A WebSocket client on the thread-default main context of the thread that
 * creates it (libsoup binds a session to it); use it from that thread only. */
class WsClient {
 public:
  WsClient() { session_ = soup_session_new(); }
  ~WsClient() {
    if (ws_) {
      g_signal_handlers_disconnect_by_data(ws_, this);
      if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      g_clear_object(&ws_);
    }
    g_clear_object(&msg_);
    g_object_unref(session_);
  }
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  /* Handshake on ws://127.0.0.1:port<path>; true when it completed.
   * headers: extra request headers (name, value), as a gateway would add
   * (nvcf-reqid, Cookie). */
  bool connect(unsigned port, const std::string& path,
               const std::vector<std::string>& protocols = {},
               const std::vector<std::pair<std::string, std::string>>& headers = {},
               unsigned timeout_ms = 5000) {
    std::string uri = "ws://127.0.0.1:" + std::to_string(port) + path;
    msg_ = soup_message_new("GET", uri.c_str());
    if (!msg_) {
      error_ = "bad uri " + uri;
      return false;
    }
    SoupMessageHeaders* request = soup_message_get_request_headers(msg_);
    for (const auto& [name, value] : headers)
      soup_message_headers_append(request, name.c_str(), value.c_str());
    std::vector<char*> protos;
    for (const auto& p : protocols)
      protos.push_back(const_cast<char*>(p.c_str()));
    protos.push_back(nullptr);
    GCancellable* cancel = g_cancellable_new();
    connecting_ = true;
    soup_session_websocket_connect_async(session_, msg_, nullptr,
                                         protocols.empty() ? nullptr : protos.data(),
                                         G_PRIORITY_DEFAULT, cancel, on_connected, this);
    if (!wait_until([this] { return !connecting_; }, timeout_ms)) {
      g_cancellable_cancel(cancel);
      wait_until([this] { return !connecting_; }, 2000);
      if (error_.empty())
        error_ = "handshake timed out";
    }
    g_object_unref(cancel);
    status_ = soup_message_get_status(msg_);
    return ws_ != nullptr;
  }

  unsigned status() const { return status_; }  // HTTP status of the upgrade
  const std::string& error() const { return error_; }
  std::string protocol() const {
    const char* p = ws_ ? soup_websocket_connection_get_protocol(ws_) : nullptr;
    return p ? p : "";
  }
  bool is_open() const {
    return ws_ && soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN;
  }

  void send_text(const std::string& text) {
    ASSERT_TRUE(is_open()) << "send on a closed socket: " << text.substr(0, 80);
    soup_websocket_connection_send_text(ws_, text.c_str());
  }
  void send_binary(const std::string& data) {
    ASSERT_TRUE(is_open());
    soup_websocket_connection_send_binary(ws_, data.data(), data.size());
  }
  void close(gushort code = SOUP_WEBSOCKET_CLOSE_NORMAL) {
    if (is_open())
      soup_websocket_connection_close(ws_, code, nullptr);
  }
  /* Drops the TCP connection without a close frame, as a crashed browser or
   * a cut network would. */
  void abort(unsigned settle_ms = 50) {
    if (!ws_)
      return;
    g_signal_handlers_disconnect_by_data(ws_, this);
    g_io_stream_close(soup_websocket_connection_get_io_stream(ws_), nullptr, nullptr);
    g_clear_object(&ws_);  // dispose: dirty close, no close frame
    pause(settle_ms);
  }

  /* The next text frame, parsed; nullopt after timeout_ms or on close. */
  std::optional<Msg> next_message(unsigned timeout_ms = 5000) {
    wait_until([this] { return !inbox_.empty() || closed_; }, timeout_ms);
    if (inbox_.empty())
      return std::nullopt;
    Msg m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
  }
  /* Skips frames until one satisfies pred; skipped frames go to *skipped. */
  std::optional<Msg> next_matching(const std::function<bool(const Msg&)>& pred,
                                   unsigned timeout_ms = 5000,
                                   std::vector<Msg>* skipped = nullptr) {
    gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
    while (true) {
      gint64 left = (deadline - g_get_monotonic_time()) / 1000;
      if (left <= 0)
        return std::nullopt;
      std::optional<Msg> m = next_message(unsigned(left));
      if (!m)
        return std::nullopt;
      if (pred(*m))
        return m;
      if (skipped)
        skipped->push_back(std::move(*m));
    }
  }
  /* Frames that arrive within ms (for "nothing more came" checks). */
  std::vector<Msg> drain(unsigned ms) {
    pause(ms);
    std::vector<Msg> out(inbox_.begin(), inbox_.end());
    inbox_.clear();
    return out;
  }

  /* Waits for the socket to close; the peer's close code (0: none) and
   * reason. */
  bool wait_closed(unsigned timeout_ms, gushort* code = nullptr, std::string* reason = nullptr) {
    bool ok = wait_until([this] { return closed_; }, timeout_ms);
    if (code)
      *code = close_code_;
    if (reason)
      *reason = close_reason_;
    return ok;
  }
  bool closed() const { return closed_; }
  unsigned binary_frames() const { return binary_frames_; }

 private:
  static void on_connected(GObject* source, GAsyncResult* result, gpointer user_data) {
    auto* self = static_cast<WsClient*>(user_data);
    GError* error = nullptr;
    self->ws_ = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
    if (error) {
      self->error_ = error->message;
      g_clear_error(&error);
    }
    if (self->ws_) {
      /* The server's SDP can exceed libsoup's 128 KiB default in theory. */
      soup_websocket_connection_set_max_incoming_payload_size(self->ws_, 4 * 1024 * 1024);
      g_signal_connect(self->ws_, "message", G_CALLBACK(on_message), self);
      g_signal_connect(self->ws_, "closed", G_CALLBACK(on_closed), self);
    }
    self->connecting_ = false;
  }
  static void on_message(SoupWebsocketConnection*, gint type, GBytes* message, gpointer user_data) {
    auto* self = static_cast<WsClient*>(user_data);
    if (type != SOUP_WEBSOCKET_DATA_TEXT) {
      self->binary_frames_++;
      return;
    }
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(message, &size));
    Msg m;
    m.text.assign(data ? data : "", size);
    m.json = Json::parse(m.text);
    self->inbox_.push_back(std::move(m));
  }
  static void on_closed(SoupWebsocketConnection* ws, gpointer user_data) {
    auto* self = static_cast<WsClient*>(user_data);
    self->close_code_ = soup_websocket_connection_get_close_code(ws);
    const char* data = soup_websocket_connection_get_close_data(ws);
    self->close_reason_ = data ? data : "";
    self->closed_ = true;
  }

  SoupSession* session_ = nullptr;
  SoupMessage* msg_ = nullptr;
  SoupWebsocketConnection* ws_ = nullptr;
  bool connecting_ = false;
  unsigned status_ = 0;
  std::string error_;
  std::deque<Msg> inbox_;
  bool closed_ = false;
  gushort close_code_ = 0;
  std::string close_reason_;
  unsigned binary_frames_ = 0;
};

/* ------------------------------------------- GStreamer-dialect shortcuts */

/* Connects and reads the welcome; returns our peer id ("" on failure). */
inline std::string connect_gst(
    WsClient& c, const Streamer& s, const std::vector<std::string>& protocols = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  EXPECT_TRUE(c.connect(s.streaming_port(), "/sign_in", protocols, headers)) << c.error();
  auto w = c.next_message();
  EXPECT_TRUE(w.has_value()) << "no welcome";
  if (!w)
    return "";
  EXPECT_EQ(w->type(), "welcome") << w->text;
  return (*w)["peerId"].str();
}

inline std::string producer_id(WsClient& c) {
  c.send_text(R"({"type":"list"})");
  auto l = c.next_matching([](const Msg& m) { return m.type() == "list"; });
  EXPECT_TRUE(l.has_value()) << "no list reply";
  return l ? (*l)["producers"][0u]["id"].str() : "";
}

/* Sends startSession for producer; the reply (sessionStarted or error),
 * skipping other frames, nullopt after timeout_ms. */
inline std::optional<Msg> request_session(WsClient& c, const std::string& producer,
                                          unsigned timeout_ms = 5000) {
  c.send_text(R"({"type":"startSession","peerId":")" + producer + "\"}");
  return c.next_matching(
      [](const Msg& m) { return m.type() == "sessionStarted" || m.type() == "error"; }, timeout_ms);
}

/* startSession; the sessionStarted reply's sessionId ("" when refused).
 * Fails the test unless the reply is sessionStarted naming producer with a
 * session id; with next_frame, unless that reply is the very next frame. */
inline std::string start_session(WsClient& c, const std::string& producer,
                                 bool next_frame = false) {
  std::optional<Msg> m;
  if (next_frame) {
    c.send_text(R"({"type":"startSession","peerId":")" + producer + "\"}");
    m = c.next_message(5000);
  } else {
    m = request_session(c, producer);
  }
  EXPECT_TRUE(m.has_value()) << "no reply to startSession";
  if (!m)
    return "";
  EXPECT_EQ(m->type(), "sessionStarted") << m->text;
  if (m->type() != "sessionStarted")
    return "";
  EXPECT_EQ((*m)["peerId"].str(), producer) << m->text;
  EXPECT_FALSE((*m)["sessionId"].str().empty()) << m->text;
  return (*m)["sessionId"].str();
}

/* Waits until the sink encodes its video and readiness has seen the media
 * (it leaves "starting" just after the encoder is in place). */
inline bool wait_media(const Streamer& s, unsigned timeout_ms) {
  return wait_until(
      [&] {
        GstElement* enc = gst_bin_get_by_name(GST_BIN(s.sink()), "video_0-encoder");
        if (enc)
          gst_object_unref(enc);
        return enc != nullptr && s.ready_state() != "starting";
      },
      timeout_ms);
}

/* ------------------------------------------------ raw loopback sockets */

inline sockaddr_in loopback(unsigned port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

/* A TCP connection to 127.0.0.1:port with a receive timeout; -1 when
 * refused. The caller closes it. */
inline int tcp_connect(unsigned port, unsigned recv_timeout_ms = 0) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0)
    return -1;
  if (recv_timeout_ms) {
    timeval tv{time_t(recv_timeout_ms / 1000), suseconds_t((recv_timeout_ms % 1000) * 1000)};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  sockaddr_in a = loopback(port);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

/* Whether something listens on TCP 127.0.0.1:port. */
inline bool tcp_accepts(unsigned port) {
  int s = tcp_connect(port);
  if (s >= 0)
    close(s);
  return s >= 0;
}

/* Whether UDP 127.0.0.1:port can be bound now. */
inline bool udp_port_free(unsigned port) {
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback(port);
  bool ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(u);
  return ok;
}

/* A port on 127.0.0.1 free for TCP and UDP at once (coturn listens on
 * both); 0 if none was found. Bound to 0 and closed again: good enough on
 * a test machine. */
inline unsigned free_port() {
  for (int attempt = 0; attempt < 50; attempt++) {
    int t = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(t, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close(t);
      continue;
    }
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    bool udp_ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(u);
    close(t);
    if (udp_ok)
      return ntohs(a.sin_port);
  }
  return 0;
}

}  // namespace nvcftest
