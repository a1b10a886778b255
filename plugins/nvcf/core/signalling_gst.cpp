/* GStreamer's signalling protocol (webrtcsink, gstwebrtc-api): JSON with
 * "type", the streamer being the server and sole producer. See
 * signalling.h and docs/signalling.md. */
#include <json-glib/json-glib.h>

#include <algorithm>

#include "signalling_dialect.h"
#include "signalling_wire.h"

namespace nvcf {

using namespace wire;

namespace {

class GstDialect : public SignallingDialect {
 public:
  std::vector<std::string> greeting(const ConnectionState& state) override {
    return {Json().str("type", "welcome").str("peerId", state.peer_id).text()};
  }
  void on_message(JsonObject* msg, ConnectionState& state, SignallingOutput& out) override;
  bool many_sessions() const override { return true; }

  std::vector<std::string> session_accepted(ConnectionState& state,
                                            const std::string& id) override {
    ended_by_us_.erase(std::remove(ended_by_us_.begin(), ended_by_us_.end(), id),
                       ended_by_us_.end());
    /* Only startSession{peerId: producer_id} is passed on, so that is the id asked for. */
    return {Json()
                .str("type", "sessionStarted")
                .str("peerId", state.producer_id)
                .str("sessionId", id)
                .text()};
  }
  std::string offer(const std::string& id, const std::string& sdp) override {
    Json offer;
    offer.str("type", "offer").str("sdp", sdp);
    return Json().str("type", "peer").str("sessionId", id).obj("sdp", offer).text();
  }
  std::string ice(const std::string& id, const IceCandidate& ice) override {
    Json candidate;
    candidate.str("candidate", ice.candidate);
    if (!ice.sdp_mid.empty())
      candidate.str("sdpMid", ice.sdp_mid);
    candidate.num("sdpMLineIndex", ice.mline_index);
    return Json().str("type", "peer").str("sessionId", id).obj("ice", candidate).text();
  }
  std::string end(const std::string& id) override {
    ended_by_us_.push_back(id);
    return Json().str("type", "endSession").str("sessionId", id).text();
  }
  std::string error_frame(const std::string& details) const override {
    return Json().str("type", "error").str("details", details).text();
  }

 private:
  void on_set_peer_status(JsonObject* msg, ConnectionState& state, SignallingOutput& out);
  void on_start_session(JsonObject* msg, ConnectionState& state, SignallingOutput& out);
  void on_peer(JsonObject* msg, ConnectionState& state, SignallingOutput& out);
  void on_end_session(JsonObject* msg, ConnectionState& state, SignallingOutput& out);

  std::vector<std::string> ended_by_us_;  // our endSession sent, client echo expected
  std::string client_meta_;               // JSON text of setPeerStatus meta, or ""
};

void GstDialect::on_message(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  std::optional<std::string> type = string_of(member(msg, "type"));
  if (!type)
    return reject(out, "message needs a string \"type\"");
  state.dialect = Dialect::Gst;

  if (*type == "setPeerStatus") {
    on_set_peer_status(msg, state, out);
  } else if (*type == "list") {
    std::string why;
    NodePtr meta = parse_json(state.producer_meta, &why);  // "" gives null
    JsonArray* producers = json_array_new();
    json_array_add_object_element(
        producers, Json().str("id", state.producer_id).node("meta", meta.get()).release());
    out.replies.push_back(Json().str("type", "list").array("producers", producers).text());
  } else if (*type == "listConsumers") {
    out.replies.push_back(
        Json().str("type", "listConsumers").array("consumers", json_array_new()).text());
  } else if (*type == "startSession") {
    on_start_session(msg, state, out);
  } else if (*type == "peer") {
    on_peer(msg, state, out);
  } else if (*type == "endSession") {
    on_end_session(msg, state, out);
  } else {
    reject(out, "unknown message type " + quoted(*type));
  }
}

void GstDialect::on_set_peer_status(JsonObject* msg, ConnectionState& state,
                                    SignallingOutput& out) {
  std::vector<std::string> roles;
  if (JsonNode* roles_node = member(msg, "roles")) {
    bool valid = JSON_NODE_HOLDS_ARRAY(roles_node);
    JsonArray* array = valid ? json_node_get_array(roles_node) : nullptr;
    for (guint i = 0; valid && i < json_array_get_length(array); i++) {
      std::optional<std::string> role = string_of(json_array_get_element(array, i));
      valid = role.has_value();
      if (valid)
        roles.push_back(*role);
    }
    if (!valid)
      return reject(out, "setPeerStatus: \"roles\" must be an array of strings");
  }
  JsonNode* meta = member(msg, "meta");
  if (meta && !object_of(meta))
    return reject(out, "setPeerStatus: \"meta\" must be an object or null");

  client_meta_ = meta ? to_text(meta) : "";
  out.replies.push_back(Json()
                            .str("type", "peerStatusChanged")
                            .array("roles", string_array(roles))
                            .node("meta", meta)
                            .str("peerId", state.peer_id)
                            .text());
}

void GstDialect::on_start_session(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  if (member(msg, "offer"))
    return reject(out, "startSession: client offers are not supported");
  std::optional<std::string> peer = string_of(member(msg, "peerId"));
  if (!peer)
    return reject(out, "startSession: \"peerId\" must be a string");
  if (*peer != state.producer_id)
    return reject(out, "startSession: no producer with id " + quoted(*peer));
  if (state.pending_start)
    return reject(out, "startSession: a session start is already pending");

  state.pending_start = true;
  SignallingRequest request = make_request(SignallingRequest::Kind::StartSession, "");
  request.peer_meta = client_meta_;
  out.requests.push_back(std::move(request));
}

void GstDialect::on_peer(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  std::optional<std::string> session = string_of(member(msg, "sessionId"));
  if (!session)
    return reject(out, "peer: \"sessionId\" must be a string");
  if (!state.owns(*session))
    return reject(out, "peer: unknown session " + quoted(*session));

  JsonNode* sdp = member(msg, "sdp");
  JsonNode* ice = member(msg, "ice");
  if (!sdp == !ice)
    return reject(out, "peer: needs exactly one of \"sdp\" and \"ice\"");

  std::string why;
  if (sdp) {
    JsonObject* desc = object_of(sdp);
    std::optional<std::string> answer = desc ? read_answer(desc, &why) : std::nullopt;
    if (!desc)
      why = "sdp must be an object";
    if (!answer)
      return reject(out, "peer: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteAnswer, *session);
    request.sdp = std::move(*answer);
    out.requests.push_back(std::move(request));
  } else {
    std::optional<IceCandidate> candidate = read_ice(object_of(ice), &why);
    if (!candidate)
      return reject(out, "peer: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteIce, *session);
    request.ice = std::move(*candidate);
    out.requests.push_back(std::move(request));
  }
}

void GstDialect::on_end_session(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  std::optional<std::string> session = string_of(member(msg, "sessionId"));
  if (!session)
    return reject(out, "endSession: \"sessionId\" must be a string");

  if (state.owns(*session)) {
    state.forget(*session);
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

}  // namespace

std::unique_ptr<SignallingDialect> make_gst_dialect() {
  return std::make_unique<GstDialect>();
}

}  // namespace nvcf
