/* Signalling protocol core: see signalling.h and docs/signalling.md.
 *
 * Parsing and serialisation use json-glib (pure, no main loop). Every client
 * frame goes through on_text(): size limit, JSON parse (with a nesting limit,
 * json-glib recurses and would overflow the stack on deep input), then the
 * dialect's handler. Nothing here throws.
 */
#include "signalling.h"

#include "json.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>
#include <utility>

namespace nvcf {

namespace {

/* Client-provided strings quoted in error texts are cut to this length. */
constexpr size_t kMaxQuoted = 64;

struct NodeUnref {
  void operator()(JsonNode* node) const { json_node_unref(node); }
};
using NodePtr = std::unique_ptr<JsonNode, NodeUnref>;

/* ---- reading JSON ---- */

/* One JSON value from text; nullptr with *why set when text is not one.
 * Through json::parse, which holds the depth guard for every parser. */
NodePtr parse_json(std::string_view text, std::string* why) {
  json::Parsed p = json::parse(text);
  switch (p.error) {
    case json::ParseError::None:
      return NodePtr(p.root.release());
    case json::ParseError::Empty:
      *why = "empty message";
      break;
    case json::ParseError::TooDeep:
      *why = "JSON " + p.message;
      break;
    default:
      *why = "invalid JSON: " + p.message;
      break;
  }
  return nullptr;
}

/* Member `name` of obj, or nullptr when absent or JSON null. */
JsonNode* member(JsonObject* obj, const char* name) {
  JsonNode* node = obj ? json_object_get_member(obj, name) : nullptr;
  return node && !JSON_NODE_HOLDS_NULL(node) ? node : nullptr;
}

JsonObject* object_of(JsonNode* node) {
  return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : nullptr;
}

std::optional<std::string> string_of(JsonNode* node) {
  if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
    return std::string(json_node_get_string(node));
  return std::nullopt;
}

std::optional<int64_t> int_of(JsonNode* node) {
  if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64)
    return json_node_get_int(node);
  return std::nullopt;
}

std::string to_text(JsonNode* node) {
  gchar* text = json_to_string(node, FALSE);
  std::string result = text ? text : "";
  g_free(text);
  return result;
}

/* JSON text of an object given as JSON text, or "" when it is not one. */
std::string normalised_object_text(const std::string& text) {
  std::string why;
  NodePtr node = parse_json(text, &why);
  return object_of(node.get()) ? to_text(node.get()) : "";
}

/* "value" in double quotes, cut to kMaxQuoted characters for error texts. */
std::string quoted(std::string_view value) {
  if (value.size() > kMaxQuoted) return "\"" + std::string(value.substr(0, kMaxQuoted)) + "...\"";
  return "\"" + std::string(value) + "\"";
}

/* The SDP of a {"type":"answer","sdp":...} description; nullopt and *why
 * when it is anything else (client offers are refused: we always offer). */
std::optional<std::string> read_answer(JsonObject* desc, std::string* why) {
  std::optional<std::string> type = string_of(member(desc, "type"));
  std::optional<std::string> sdp = string_of(member(desc, "sdp"));
  if (!type || !sdp) {
    *why = "sdp needs string \"type\" and \"sdp\"";
    return std::nullopt;
  }
  if (*type == "offer") {
    *why = "offers from clients are refused: the streamer makes the offer";
    return std::nullopt;
  }
  if (*type != "answer") {
    *why = "unsupported sdp type " + quoted(*type);
    return std::nullopt;
  }
  return sdp;
}

/* A client candidate {candidate, sdpMLineIndex?, sdpMid?, ...}. A missing
 * sdpMLineIndex reads as 0 (sdp_mid still tells the streamer the m-line). */
std::optional<IceCandidate> read_ice(JsonObject* ice, std::string* why) {
  if (!ice) {
    *why = "ice must be an object";
    return std::nullopt;
  }
  IceCandidate result;
  std::optional<std::string> candidate = string_of(member(ice, "candidate"));
  if (!candidate) {
    *why = "ice.candidate must be a string";
    return std::nullopt;
  }
  result.candidate = *candidate;

  if (JsonNode* index = member(ice, "sdpMLineIndex")) {
    std::optional<int64_t> value = int_of(index);
    if (!value || *value < 0 || *value > INT_MAX) {
      *why = "ice.sdpMLineIndex must be a non-negative integer";
      return std::nullopt;
    }
    result.mline_index = static_cast<unsigned>(*value);
  }
  if (JsonNode* mid = member(ice, "sdpMid")) {
    std::optional<std::string> value = string_of(mid);
    if (!value) {
      *why = "ice.sdpMid must be a string";
      return std::nullopt;
    }
    result.sdp_mid = *value;
  }
  return result;
}

/* ---- building JSON ---- */

/* A JSON object under construction: Json().str("type", "list").text(). */
class Json {
 public:
  Json() : obj_(json_object_new()) {}
  ~Json() {
    if (obj_) json_object_unref(obj_);
  }
  Json(const Json&) = delete;
  Json& operator=(const Json&) = delete;

  Json& str(const char* key, const std::string& value) {
    json_object_set_string_member(obj_, key, value.c_str());
    return *this;
  }
  Json& num(const char* key, int64_t value) {
    json_object_set_int_member(obj_, key, value);
    return *this;
  }
  Json& null(const char* key) {
    json_object_set_null_member(obj_, key);
    return *this;
  }
  /* A copy of value; nullptr gives null. */
  Json& node(const char* key, JsonNode* value) {
    if (!value) return null(key);
    json_object_set_member(obj_, key, json_node_copy(value));
    return *this;
  }
  /* Shares child's object (a reference). */
  Json& obj(const char* key, const Json& child) {
    json_object_set_object_member(obj_, key, json_object_ref(child.obj_));
    return *this;
  }
  /* Takes ownership of items. */
  Json& array(const char* key, JsonArray* items) {
    json_object_set_array_member(obj_, key, items);
    return *this;
  }

  JsonObject* release() { return std::exchange(obj_, nullptr); }

  std::string text() const {
    JsonNode* node = json_node_init_object(json_node_alloc(), obj_);
    std::string result = to_text(node);
    json_node_unref(node);
    return result;
  }

 private:
  JsonObject* obj_;
};

JsonArray* string_array(const std::vector<std::string>& values) {
  JsonArray* array = json_array_new();
  for (const std::string& value : values) json_array_add_string_element(array, value.c_str());
  return array;
}

SignallingRequest make_request(SignallingRequest::Kind kind, std::string session_id) {
  SignallingRequest request{};
  request.kind = kind;
  request.session_id = std::move(session_id);
  return request;
}

std::string_view trim(std::string_view s) {
  const char* blanks = " \t\r\n";
  size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  size_t last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/* Calls fn(piece) for each piece of s between separators. */
template <typename Fn>
void for_each_piece(std::string_view s, char separator, Fn fn) {
  while (true) {
    size_t end = s.find(separator);
    fn(s.substr(0, end));
    if (end == std::string_view::npos) return;
    s.remove_prefix(end + 1);
  }
}

}  // namespace

/* ---- connection ---- */

SignallingConnection::SignallingConnection(std::string peer_id, std::string producer_id,
                                           std::string producer_meta, Dialect dialect,
                                           SignallingLimits limits)
    : peer_id_(std::move(peer_id)),
      producer_id_(std::move(producer_id)),
      producer_meta_(normalised_object_text(producer_meta)),
      dialect_(dialect),
      limits_(limits) {}

Dialect SignallingConnection::dialect_from_query(std::string_view query) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  bool has_peer_id = false;
  bool version_2 = false;
  for_each_piece(query, '&', [&](std::string_view pair) {
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "peer_id" && !value.empty()) has_peer_id = true;
    if (key == "version" && value == "2") version_2 = true;
  });
  return has_peer_id && version_2 ? Dialect::Nvidia : Dialect::Unknown;
}

SignallingOutput SignallingConnection::on_open() {
  SignallingOutput out;
  /* Unknown dialect greets too: a GStreamer client waits for "welcome"
   * before it sends anything, an NVIDIA client ignores it. */
  if (!nvidia()) out.replies.push_back(Json().str("type", "welcome").str("peerId", peer_id_).text());
  return out;
}

SignallingOutput SignallingConnection::on_text(std::string_view text) {
  SignallingOutput out;
  if (text.size() > limits_.max_message_bytes) {
    std::string reason = "message of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits_.max_message_bytes) + " bytes";
    out.replies.push_back(error_frame(reason));
    out.log = reason;
    out.close_reason = "message too large";
    return out;
  }

  std::string why;
  NodePtr root = parse_json(text, &why);
  JsonObject* msg = object_of(root.get());
  if (!root) {
    reject(out, why);
  } else if (!msg) {
    reject(out, "message is not a JSON object");
  } else {
    if (dialect_ == Dialect::Unknown && member(msg, "peer_info")) dialect_ = Dialect::Nvidia;
    if (nvidia())
      on_nvidia_message(msg, out);
    else
      on_gst_message(msg, out);
  }
  return out;
}

/* ---- streamer side ---- */

std::vector<std::string> SignallingConnection::accept_session(const std::string& session_id) {
  if (session_id.empty() || owns(session_id)) return {};
  if (nvidia() && !sessions_.empty()) return {};  // one session per NVIDIA connection
  pending_start_ = false;
  sessions_.push_back(session_id);
  ended_by_us_.erase(std::remove(ended_by_us_.begin(), ended_by_us_.end(), session_id),
                     ended_by_us_.end());
  if (nvidia()) return {};
  /* Only startSession{peerId: producer_id} is passed on, so that is the id asked for. */
  return {Json()
              .str("type", "sessionStarted")
              .str("peerId", producer_id_)
              .str("sessionId", session_id)
              .text()};
}

std::vector<std::string> SignallingConnection::refuse_session(const std::string& reason) {
  pending_start_ = false;
  return {error_frame(reason)};
}

std::vector<std::string> SignallingConnection::send_offer(const std::string& session_id,
                                                          const std::string& sdp) {
  if (!owns(session_id)) return {};
  Json offer;
  offer.str("type", "offer").str("sdp", sdp);
  if (nvidia()) return {nvidia_peer_msg(offer.text())};
  return {Json()
              .str("type", "peer")
              .str("sessionId", session_id)
              .obj("sdp", offer)
              .text()};
}

std::vector<std::string> SignallingConnection::send_ice(const std::string& session_id,
                                                        const IceCandidate& ice) {
  if (!owns(session_id)) return {};
  Json candidate;
  candidate.str("candidate", ice.candidate);
  if (!ice.sdp_mid.empty())
    candidate.str("sdpMid", ice.sdp_mid);
  else if (nvidia())
    candidate.null("sdpMid");  // NVIDIA's shape always has the key
  candidate.num("sdpMLineIndex", ice.mline_index);
  if (nvidia()) return {nvidia_peer_msg(candidate.text())};
  return {Json()
              .str("type", "peer")
              .str("sessionId", session_id)
              .obj("ice", candidate)
              .text()};
}

std::vector<std::string> SignallingConnection::end_session(const std::string& session_id) {
  if (!owns(session_id)) return {};
  forget(session_id);
  if (nvidia()) return {nvidia_peer_msg(Json().str("type", "bye").text())};
  ended_by_us_.push_back(session_id);
  return {Json().str("type", "endSession").str("sessionId", session_id).text()};
}

std::vector<std::string> SignallingConnection::error(const std::string& details) {
  return {error_frame(details)};
}

/* ---- private helpers ---- */

bool SignallingConnection::owns(const std::string& session_id) const {
  return std::find(sessions_.begin(), sessions_.end(), session_id) != sessions_.end();
}

void SignallingConnection::forget(const std::string& session_id) {
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), session_id), sessions_.end());
}

/* Both dialects answer a malformed message, so a client learns why nothing
 * happened; the connection stays open. */
void SignallingConnection::reject(SignallingOutput& out, const std::string& reason) const {
  out.log = reason;
  out.replies.push_back(error_frame(reason));
}

std::string SignallingConnection::error_frame(const std::string& details) const {
  if (nvidia()) return Json().str("error", details).text();
  return Json().str("type", "error").str("details", details).text();
}

std::string SignallingConnection::nvidia_peer_msg(const std::string& msg_json) {
  return Json()
      .num("ackid", static_cast<int64_t>(next_ackid_++))
      .obj("peer_msg",
           Json().num("from", 1).num("to", nvidia_client_number_).str("msg", msg_json))
      .text();
}

/* ---- GStreamer dialect ---- */

void SignallingConnection::on_gst_message(JsonObject* msg, SignallingOutput& out) {
  std::optional<std::string> type = string_of(member(msg, "type"));
  if (!type) return reject(out, "message needs a string \"type\"");
  dialect_ = Dialect::Gst;

  if (*type == "setPeerStatus") {
    on_gst_set_peer_status(msg, out);
  } else if (*type == "list") {
    std::string why;
    NodePtr meta = parse_json(producer_meta_, &why);  // "" gives null
    JsonArray* producers = json_array_new();
    json_array_add_object_element(
        producers, Json().str("id", producer_id_).node("meta", meta.get()).release());
    out.replies.push_back(Json().str("type", "list").array("producers", producers).text());
  } else if (*type == "listConsumers") {
    out.replies.push_back(
        Json().str("type", "listConsumers").array("consumers", json_array_new()).text());
  } else if (*type == "startSession") {
    on_gst_start_session(msg, out);
  } else if (*type == "peer") {
    on_gst_peer(msg, out);
  } else if (*type == "endSession") {
    on_gst_end_session(msg, out);
  } else {
    reject(out, "unknown message type " + quoted(*type));
  }
}

void SignallingConnection::on_gst_set_peer_status(JsonObject* msg, SignallingOutput& out) {
  std::vector<std::string> roles;
  if (JsonNode* roles_node = member(msg, "roles")) {
    bool valid = JSON_NODE_HOLDS_ARRAY(roles_node);
    JsonArray* array = valid ? json_node_get_array(roles_node) : nullptr;
    for (guint i = 0; valid && i < json_array_get_length(array); i++) {
      std::optional<std::string> role = string_of(json_array_get_element(array, i));
      valid = role.has_value();
      if (valid) roles.push_back(*role);
    }
    if (!valid) return reject(out, "setPeerStatus: \"roles\" must be an array of strings");
  }
  JsonNode* meta = member(msg, "meta");
  if (meta && !object_of(meta))
    return reject(out, "setPeerStatus: \"meta\" must be an object or null");

  client_meta_ = meta ? to_text(meta) : "";
  out.replies.push_back(Json()
                            .str("type", "peerStatusChanged")
                            .array("roles", string_array(roles))
                            .node("meta", meta)
                            .str("peerId", peer_id_)
                            .text());
}

void SignallingConnection::on_gst_start_session(JsonObject* msg, SignallingOutput& out) {
  if (member(msg, "offer")) return reject(out, "startSession: client offers are not supported");
  std::optional<std::string> peer = string_of(member(msg, "peerId"));
  if (!peer) return reject(out, "startSession: \"peerId\" must be a string");
  if (*peer != producer_id_) return reject(out, "startSession: no producer with id " + quoted(*peer));
  if (pending_start_) return reject(out, "startSession: a session start is already pending");

  pending_start_ = true;
  SignallingRequest request = make_request(SignallingRequest::Kind::StartSession, "");
  request.peer_meta = client_meta_;
  out.requests.push_back(std::move(request));
}

void SignallingConnection::on_gst_peer(JsonObject* msg, SignallingOutput& out) {
  std::optional<std::string> session = string_of(member(msg, "sessionId"));
  if (!session) return reject(out, "peer: \"sessionId\" must be a string");
  if (!owns(*session)) return reject(out, "peer: unknown session " + quoted(*session));

  JsonNode* sdp = member(msg, "sdp");
  JsonNode* ice = member(msg, "ice");
  if (!sdp == !ice) return reject(out, "peer: needs exactly one of \"sdp\" and \"ice\"");

  std::string why;
  if (sdp) {
    JsonObject* desc = object_of(sdp);
    std::optional<std::string> answer = desc ? read_answer(desc, &why) : std::nullopt;
    if (!desc) why = "sdp must be an object";
    if (!answer) return reject(out, "peer: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteAnswer, *session);
    request.sdp = std::move(*answer);
    out.requests.push_back(std::move(request));
  } else {
    std::optional<IceCandidate> candidate = read_ice(object_of(ice), &why);
    if (!candidate) return reject(out, "peer: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteIce, *session);
    request.ice = std::move(*candidate);
    out.requests.push_back(std::move(request));
  }
}

void SignallingConnection::on_gst_end_session(JsonObject* msg, SignallingOutput& out) {
  std::optional<std::string> session = string_of(member(msg, "sessionId"));
  if (!session) return reject(out, "endSession: \"sessionId\" must be a string");

  if (owns(*session)) {
    forget(*session);
    out.requests.push_back(make_request(SignallingRequest::Kind::EndSession, *session));
    return;
  }
  auto echo = std::find(ended_by_us_.begin(), ended_by_us_.end(), *session);
  if (echo != ended_by_us_.end()) {
    ended_by_us_.erase(echo);  // the client's echo of our endSession: nothing to do
    return;
  }
  reject(out, "endSession: unknown session " + quoted(*session));
}

/* ---- NVIDIA dialect ---- */

void SignallingConnection::on_nvidia_message(JsonObject* msg, SignallingOutput& out) {
  JsonNode* ackid = member(msg, "ackid");
  if (ackid && JSON_NODE_HOLDS_VALUE(ackid)) out.replies.push_back(Json().node("ack", ackid).text());
  JsonNode* hb = member(msg, "hb");
  if (hb) out.replies.push_back(Json().num("hb", 1).text());

  if (member(msg, "peer_info"))
    on_nvidia_peer_info(msg, out);
  else if (member(msg, "peer_msg"))
    on_nvidia_peer_msg(msg, out);
  else if (!ackid && !hb && !member(msg, "ack"))
    reject(out, "message needs one of peer_info, peer_msg, hb, ack or ackid");
}

void SignallingConnection::on_nvidia_peer_info(JsonObject* msg, SignallingOutput& out) {
  JsonNode* info_node = member(msg, "peer_info");
  JsonObject* info = object_of(info_node);
  if (!info) return reject(out, "peer_info must be an object");
  if (pending_start_ || !sessions_.empty()) {
    out.log = "ignored repeated peer_info: this connection already has a session";
    return;
  }
  std::optional<std::string> name = string_of(member(info, "name"));
  client_identity_ = name && !name->empty() ? *name : peer_id_;
  if (std::optional<int64_t> number = int_of(member(info, "id"))) nvidia_client_number_ = *number;

  pending_start_ = true;
  SignallingRequest request = make_request(SignallingRequest::Kind::StartSession, "");
  request.peer_meta = to_text(info_node);
  out.requests.push_back(std::move(request));
}

void SignallingConnection::on_nvidia_peer_msg(JsonObject* msg, SignallingOutput& out) {
  JsonObject* peer_msg = object_of(member(msg, "peer_msg"));
  JsonNode* body = member(peer_msg, "msg");
  std::optional<std::string> body_text = string_of(body);
  std::string why = "peer_msg.msg must be a JSON string or object";
  NodePtr parsed = body_text ? parse_json(*body_text, &why) : nullptr;
  JsonObject* inner = body_text ? object_of(parsed.get()) : object_of(body);
  if (parsed && !inner) why = "peer_msg.msg is not a JSON object";
  if (!inner) return reject(out, "peer_msg: " + why);
  if (sessions_.empty()) {
    out.log = "ignored peer_msg: no accepted session";
    return;
  }
  const std::string session = sessions_.front();

  std::optional<std::string> type = string_of(member(inner, "type"));
  if (type && *type == "bye") {
    forget(session);
    out.requests.push_back(make_request(SignallingRequest::Kind::EndSession, session));
  } else if (type) {
    std::optional<std::string> answer = read_answer(inner, &why);
    if (!answer) return reject(out, "peer_msg: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteAnswer, session);
    request.sdp = std::move(*answer);
    out.requests.push_back(std::move(request));
  } else if (member(inner, "candidate")) {
    std::optional<IceCandidate> candidate = read_ice(inner, &why);
    if (!candidate) return reject(out, "peer_msg: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteIce, session);
    request.ice = std::move(*candidate);
    out.requests.push_back(std::move(request));
  } else {
    reject(out, "peer_msg: msg needs a \"type\" or a \"candidate\"");
  }
}

/* ---- Sec-WebSocket-Protocol ---- */

std::vector<std::string> split_subprotocols(std::string_view header) {
  std::vector<std::string> tokens;
  for_each_piece(header, ',', [&](std::string_view piece) {
    piece = trim(piece);
    if (!piece.empty()) tokens.emplace_back(piece);
  });
  return tokens;
}

std::optional<std::string> subprotocol_value(const std::vector<std::string>& tokens,
                                             std::string_view key) {
  key = trim(key);
  for (const std::string& token : tokens) {
    std::string_view t = trim(token);
    size_t dot = t.find('.');
    if (dot == std::string_view::npos || !iequals(t.substr(0, dot), key)) continue;
    std::string_view value = t.substr(dot + 1);
    if (!value.empty()) return std::string(value);
  }
  return std::nullopt;
}

}  // namespace nvcf
