/* Signalling protocol core: see signalling.h and docs/signalling.md.
 *
 * Every client frame goes through on_text(): size limit, JSON parse (the
 * core's json::parse, with its nesting limit), then the dialect's handler
 * (signalling_gst.cpp, signalling_nvidia.cpp). Nothing here throws.
 */
#include "signalling.h"

#include <json-glib/json-glib.h>

#include "signalling_dialect.h"
#include "signalling_wire.h"

namespace nvcf {

using namespace wire;

SignallingConnection::SignallingConnection(std::string peer_id, std::string producer_id,
                                           std::string producer_meta, Dialect dialect,
                                           SignallingLimits limits)
    : state_(std::make_unique<ConnectionState>()), limits_(limits) {
  state_->peer_id = std::move(peer_id);
  state_->producer_id = std::move(producer_id);
  state_->producer_meta = normalised_object_text(producer_meta);
  state_->dialect = dialect;
  /* Until a frame shows the dialect, clients are greeted and answered in
   * GStreamer's: its clients wait for "welcome", NVIDIA's ignore it. */
  impl_ = dialect == Dialect::Nvidia ? make_nvidia_dialect() : make_gst_dialect();
}

SignallingConnection::~SignallingConnection() = default;

Dialect SignallingConnection::dialect_from_query(std::string_view query) {
  if (!query.empty() && query.front() == '?')
    query.remove_prefix(1);
  bool has_peer_id = false;
  bool version_2 = false;
  for_each_piece(query, '&', [&](std::string_view pair) {
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "peer_id" && !value.empty())
      has_peer_id = true;
    if (key == "version" && value == "2")
      version_2 = true;
  });
  return has_peer_id && version_2 ? Dialect::Nvidia : Dialect::Unknown;
}

Dialect SignallingConnection::dialect() const {
  return state_->dialect;
}
const std::string& SignallingConnection::peer_id() const {
  return state_->peer_id;
}
const std::vector<std::string>& SignallingConnection::sessions() const {
  return state_->sessions;
}
const std::string& SignallingConnection::client_identity() const {
  return state_->client_identity;
}

SignallingOutput SignallingConnection::on_open() {
  SignallingOutput out;
  out.replies = impl_->greeting(*state_);
  return out;
}

SignallingOutput SignallingConnection::on_text(std::string_view text) {
  SignallingOutput out;
  if (text.size() > limits_.max_message_bytes) {
    std::string reason = "message of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " +
                         std::to_string(limits_.max_message_bytes) + " bytes";
    out.replies.push_back(impl_->error_frame(reason));
    out.log = reason;
    out.close_reason = "message too large";
    return out;
  }

  std::string why;
  NodePtr root = parse_json(text, &why);
  JsonObject* msg = object_of(root.get());
  if (!root) {
    impl_->reject(out, why);
  } else if (!msg) {
    impl_->reject(out, "message is not a JSON object");
  } else {
    if (state_->dialect == Dialect::Unknown && member(msg, "peer_info")) {
      state_->dialect = Dialect::Nvidia;
      impl_ = make_nvidia_dialect();
    }
    impl_->on_message(msg, *state_, out);
  }
  return out;
}

/* ---- streamer side ---- */

std::vector<std::string> SignallingConnection::accept_session(const std::string& session_id) {
  if (session_id.empty() || state_->owns(session_id))
    return {};
  if (!impl_->many_sessions() && !state_->sessions.empty())
    return {};
  state_->pending_start = false;
  state_->sessions.push_back(session_id);
  return impl_->session_accepted(*state_, session_id);
}

std::vector<std::string> SignallingConnection::refuse_session(const std::string& reason) {
  state_->pending_start = false;
  return {impl_->error_frame(reason)};
}

std::vector<std::string> SignallingConnection::send_offer(const std::string& session_id,
                                                          const std::string& sdp) {
  if (!state_->owns(session_id))
    return {};
  return {impl_->offer(session_id, sdp)};
}

std::vector<std::string> SignallingConnection::send_ice(const std::string& session_id,
                                                        const IceCandidate& ice) {
  if (!state_->owns(session_id))
    return {};
  return {impl_->ice(session_id, ice)};
}

std::vector<std::string> SignallingConnection::end_session(const std::string& session_id) {
  if (!state_->owns(session_id))
    return {};
  state_->forget(session_id);
  return {impl_->end(session_id)};
}

std::vector<std::string> SignallingConnection::error(const std::string& details) {
  return {impl_->error_frame(details)};
}

/* ---- Sec-WebSocket-Protocol ---- */

std::vector<std::string> split_subprotocols(std::string_view header) {
  std::vector<std::string> tokens;
  for_each_piece(header, ',', [&](std::string_view piece) {
    piece = trim(piece);
    if (!piece.empty())
      tokens.emplace_back(piece);
  });
  return tokens;
}

std::optional<std::string> subprotocol_value(const std::vector<std::string>& tokens,
                                             std::string_view key) {
  key = trim(key);
  for (const std::string& token : tokens) {
    std::string_view t = trim(token);
    size_t dot = t.find('.');
    if (dot == std::string_view::npos || !iequals(t.substr(0, dot), key))
      continue;
    std::string_view value = t.substr(dot + 1);
    if (!value.empty())
      return std::string(value);
  }
  return std::nullopt;
}

}  // namespace nvcf
