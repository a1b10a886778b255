/* WebSocket test client and JSON helpers shared by the signalling and
 * lifecycle suites: a libsoup 3 client on the test thread's default main
 * context, spun with timeouts so nothing hangs. */
#pragma once

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nvcftest.h"

namespace nvcftest {

/* Runs the calling thread's default main context (where its WebSocket
 * clients live: the global default on the test thread, a pushed one on a
 * helper thread) until pred() holds or timeout_ms passes. Wakes at least
 * every 10 ms so predicates on other threads' state are re-checked. */
inline bool spin_until(const std::function<bool()>& pred, unsigned timeout_ms) {
  GMainContext* ctx = g_main_context_get_thread_default();
  if (!ctx)
    ctx = g_main_context_default();
  gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!pred()) {
    if (g_get_monotonic_time() >= deadline)
      return false;
    GSource* tick = g_timeout_source_new(10);
    g_source_set_callback(tick, [](gpointer) -> gboolean { return G_SOURCE_REMOVE; }, nullptr,
                          nullptr);
    g_source_attach(tick, ctx);
    g_main_context_iteration(ctx, TRUE);
    g_source_destroy(tick);
    g_source_unref(tick);
  }
  return true;
}

inline void spin_for(unsigned ms) {
  spin_until([] { return false; }, ms);
}

/* ---------------------------------------------------------------- JSON */

/* A borrowed view of a JSON node; missing members read as empty. */
class J {
 public:
  explicit J(JsonNode* node = nullptr) : n_(node) {}
  bool exists() const { return n_ != nullptr; }
  bool is_null() const { return n_ && JSON_NODE_HOLDS_NULL(n_); }
  bool is_object() const { return n_ && JSON_NODE_HOLDS_OBJECT(n_); }
  bool is_array() const { return n_ && JSON_NODE_HOLDS_ARRAY(n_); }
  bool is_string() const {
    return n_ && JSON_NODE_HOLDS_VALUE(n_) && json_node_get_value_type(n_) == G_TYPE_STRING;
  }
  bool is_int() const {
    return n_ && JSON_NODE_HOLDS_VALUE(n_) && json_node_get_value_type(n_) == G_TYPE_INT64;
  }
  J operator[](const char* key) const {
    if (!is_object())
      return J();
    JsonObject* o = json_node_get_object(n_);
    return J(json_object_has_member(o, key) ? json_object_get_member(o, key) : nullptr);
  }
  J operator[](unsigned i) const {
    if (!is_array() || i >= json_array_get_length(json_node_get_array(n_)))
      return J();
    return J(json_array_get_element(json_node_get_array(n_), i));
  }
  unsigned size() const {
    if (is_array())
      return json_array_get_length(json_node_get_array(n_));
    if (is_object())
      return json_object_get_size(json_node_get_object(n_));
    return 0;
  }
  std::string str() const { return is_string() ? json_node_get_string(n_) : ""; }
  gint64 num() const { return is_int() ? json_node_get_int(n_) : -1; }

 private:
  JsonNode* n_;
};

/* One received text frame, kept with its parse. */
struct Msg {
  std::string text;
  std::shared_ptr<JsonNode> root;  // null when text is not JSON
  J json() const { return J(root.get()); }
  J operator[](const char* key) const { return json()[key]; }
  std::string type() const { return json()["type"].str(); }
};

inline std::shared_ptr<JsonNode> parse(const std::string& text) {
  JsonParser* parser = json_parser_new();
  std::shared_ptr<JsonNode> root;
  if (json_parser_load_from_data(parser, text.data(), gssize(text.size()), nullptr)) {
    if (JsonNode* node = json_parser_steal_root(parser))
      root.reset(node, json_node_unref);
  }
  g_object_unref(parser);
  return root;
}

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
    if (!spin_until([this] { return !connecting_; }, timeout_ms)) {
      g_cancellable_cancel(cancel);
      spin_until([this] { return !connecting_; }, 2000);
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
    spin_for(settle_ms);
  }

  /* The next text frame, parsed; nullopt after timeout_ms or on close. */
  std::optional<Msg> next_message(unsigned timeout_ms = 5000) {
    spin_until([this] { return !inbox_.empty() || closed_; }, timeout_ms);
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
    spin_for(ms);
    std::vector<Msg> out(inbox_.begin(), inbox_.end());
    inbox_.clear();
    return out;
  }

  /* Waits for the socket to close; the peer's close code (0: none) and
   * reason. */
  bool wait_closed(unsigned timeout_ms, gushort* code = nullptr, std::string* reason = nullptr) {
    bool ok = spin_until([this] { return closed_; }, timeout_ms);
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
    m.root = parse(m.text);
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

/* ------------------------------------------------------------- answerer */

/* A receiving webrtcbin on loopback: the viewer side of a session. Sessions
 * are connected for real (ICE + DTLS) before the tests end them, since a
 * session that never connected cannot be ended yet (see
 * UnansweredSessionCanBeEnded). */

/* ------------------------------------------- GStreamer-dialect shortcuts */

/* Connects and reads the welcome; returns our peer id ("" on failure). */
inline std::string connect_gst(WsClient& c, const Streamer& s,
                               const std::vector<std::string>& protocols = {},
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

/* startSession; the sessionStarted reply's sessionId ("" when refused). */
inline std::string start_session(WsClient& c, const std::string& producer) {
  c.send_text(R"({"type":"startSession","peerId":")" + producer + "\"}");
  auto m = c.next_matching(
      [](const Msg& m) { return m.type() == "sessionStarted" || m.type() == "error"; }, 5000);
  EXPECT_TRUE(m.has_value()) << "no reply to startSession";
  if (!m)
    return "";
  EXPECT_EQ(m->type(), "sessionStarted") << m->text;
  return (*m)["sessionId"].str();
}

/* Waits until the sink encodes its video and readiness has seen the media
 * (it leaves "starting" just after the encoder is in place). */
inline bool wait_media(const Streamer& s, unsigned timeout_ms) {
  return spin_until(
      [&] {
        GstElement* enc = gst_bin_get_by_name(GST_BIN(s.sink()), "video_0-encoder");
        if (enc)
          gst_object_unref(enc);
        return enc != nullptr && s.ready_state() != "starting";
      },
      timeout_ms);
}

}  // namespace nvcftest
