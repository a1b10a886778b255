/* NVIDIA's client framing: peer_info, peer_msg with the SDP as a JSON
 * string, ackid/ack, hb heartbeat. No public spec: the choices are listed
 * in signalling.h. */
#include <json-glib/json-glib.h>

#include "signalling_dialect.h"
#include "signalling_wire.h"

namespace nvcf {

using namespace wire;

namespace {

class NvidiaDialect : public SignallingDialect {
 public:
  /* NVIDIA clients send first. */
  std::vector<std::string> greeting(const ConnectionState&) override { return {}; }
  void on_message(JsonObject* msg, ConnectionState& state, SignallingOutput& out) override;
  bool many_sessions() const override { return false; }

  std::vector<std::string> session_accepted(ConnectionState&, const std::string&) override {
    return {};
  }
  std::string offer(const std::string&, const std::string& sdp) override {
    return peer_msg(Json().str("type", "offer").str("sdp", sdp).text());
  }
  std::string ice(const std::string&, const IceCandidate& ice) override {
    Json candidate;
    candidate.str("candidate", ice.candidate);
    if (!ice.sdp_mid.empty())
      candidate.str("sdpMid", ice.sdp_mid);
    else
      candidate.null("sdpMid");  // NVIDIA's shape always has the key
    candidate.num("sdpMLineIndex", ice.mline_index);
    return peer_msg(candidate.text());
  }
  std::string end(const std::string&) override {
    return peer_msg(Json().str("type", "bye").text());
  }
  std::string error_frame(const std::string& details) const override {
    return Json().str("error", details).text();
  }

 private:
  void on_peer_info(JsonObject* msg, ConnectionState& state, SignallingOutput& out);
  void on_peer_msg(JsonObject* msg, ConnectionState& state, SignallingOutput& out);
  std::string peer_msg(const std::string& msg_json) {
    return Json()
        .num("ackid", static_cast<int64_t>(next_ackid_++))
        .obj("peer_msg", Json().num("from", 1).num("to", client_number_).str("msg", msg_json))
        .text();
  }

  uint64_t next_ackid_ = 1;    // our outgoing ackids
  int64_t client_number_ = 2;  // peer_info.id, the "to" of our peer_msg
};

void NvidiaDialect::on_message(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  JsonNode* ackid = member(msg, "ackid");
  if (ackid && JSON_NODE_HOLDS_VALUE(ackid))
    out.replies.push_back(Json().node("ack", ackid).text());
  JsonNode* hb = member(msg, "hb");
  if (hb)
    out.replies.push_back(Json().num("hb", 1).text());

  if (member(msg, "peer_info"))
    on_peer_info(msg, state, out);
  else if (member(msg, "peer_msg"))
    on_peer_msg(msg, state, out);
  else if (!ackid && !hb && !member(msg, "ack"))
    reject(out, "message needs one of peer_info, peer_msg, hb, ack or ackid");
}

void NvidiaDialect::on_peer_info(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  JsonNode* info_node = member(msg, "peer_info");
  JsonObject* info = object_of(info_node);
  if (!info)
    return reject(out, "peer_info must be an object");
  if (state.pending_start || !state.sessions.empty()) {
    out.log = "ignored repeated peer_info: this connection already has a session";
    return;
  }
  std::optional<std::string> name = string_of(member(info, "name"));
  state.client_identity = name && !name->empty() ? *name : state.peer_id;
  if (std::optional<int64_t> number = int_of(member(info, "id")))
    client_number_ = *number;

  state.pending_start = true;
  SignallingRequest request = make_request(SignallingRequest::Kind::StartSession, "");
  request.peer_meta = to_text(info_node);
  out.requests.push_back(std::move(request));
}

void NvidiaDialect::on_peer_msg(JsonObject* msg, ConnectionState& state, SignallingOutput& out) {
  JsonObject* peer_msg = object_of(member(msg, "peer_msg"));
  JsonNode* body = member(peer_msg, "msg");
  std::optional<std::string> body_text = string_of(body);
  std::string why = "peer_msg.msg must be a JSON string or object";
  NodePtr parsed = body_text ? parse_json(*body_text, &why) : nullptr;
  JsonObject* inner = body_text ? object_of(parsed.get()) : object_of(body);
  if (parsed && !inner)
    why = "peer_msg.msg is not a JSON object";
  if (!inner)
    return reject(out, "peer_msg: " + why);
  if (state.sessions.empty()) {
    out.log = "ignored peer_msg: no accepted session";
    return;
  }
  const std::string session = state.sessions.front();

  std::optional<std::string> type = string_of(member(inner, "type"));
  if (type && *type == "bye") {
    state.forget(session);
    out.requests.push_back(make_request(SignallingRequest::Kind::EndSession, session));
  } else if (type) {
    std::optional<std::string> answer = read_answer(inner, &why);
    if (!answer)
      return reject(out, "peer_msg: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteAnswer, session);
    request.sdp = std::move(*answer);
    out.requests.push_back(std::move(request));
  } else if (member(inner, "candidate")) {
    std::optional<IceCandidate> candidate = read_ice(inner, &why);
    if (!candidate)
      return reject(out, "peer_msg: " + why);
    SignallingRequest request = make_request(SignallingRequest::Kind::RemoteIce, session);
    request.ice = std::move(*candidate);
    out.requests.push_back(std::move(request));
  } else {
    reject(out, "peer_msg: msg needs a \"type\" or a \"candidate\"");
  }
}

}  // namespace

std::unique_ptr<SignallingDialect> make_nvidia_dialect() {
  return std::make_unique<NvidiaDialect>();
}

}  // namespace nvcf
