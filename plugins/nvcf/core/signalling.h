/* Signalling protocol core: pure C++, no sockets, no main loop.
 *
 * One SignallingConnection per WebSocket client. The transport feeds it the
 * client's text frames; it answers with frames to send back and with
 * requests for the streamer (start a session, apply an answer, ...). The
 * streamer reports its side (session accepted, local offer, local ICE, end)
 * through the methods below, which return the frames to send.
 *
 * Two dialects share the endpoint (docs/signalling.md, docs/nvcf-contract.md):
 *  - Dialect::Gst: GStreamer's webrtcsink signalling protocol (JSON with
 *    "type"), the streamer being server and sole producer.
 *  - Dialect::Nvidia: NVIDIA client framing (peer_info, peer_msg with the
 *    SDP as a JSON string, ackid/ack, hb heartbeat).
 * The dialect is fixed up front from the URL query (peer_id + version=2),
 * or by the first client message that shows it: one with "peer_info" gives
 * Nvidia, one with a string "type" gives Gst. Rejected frames decide nothing.
 *
 * NVIDIA framing choices (no public spec for these): our peer_msg frames are
 * {"ackid":N,"peer_msg":{"from":1,"to":<peer_info.id, default 2>,"msg":"<JSON>"}}
 * with N counting from 1; end_session() sends msg {"type":"bye"} and a client
 * msg {"type":"bye"} ends the session; refuse_session()/error() send
 * {"error":"<text>"}. Malformed client frames are only logged in this dialect
 * (its clients know no error message), except oversized ones: error + close.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct _JsonObject JsonObject;  // json-glib; private helpers only

namespace nvcf {

enum class Dialect { Unknown, Gst, Nvidia };

struct IceCandidate {
  std::string candidate;  // "candidate:..."; empty = end of candidates
  unsigned mline_index = 0;
  std::string sdp_mid;    // may be empty
};

/* What the client asks of the streamer. */
struct SignallingRequest {
  enum class Kind {
    StartSession,   // client wants to watch; answer accept_session()/refuse_session()
    RemoteAnswer,   // sdp holds the client's SDP answer for session_id
    RemoteIce,      // ice holds a client candidate for session_id
    EndSession,     // client ended session_id
  };
  Kind kind;
  std::string session_id;  // empty for StartSession
  std::string sdp;
  IceCandidate ice;
  std::string peer_meta;   // StartSession: JSON text of the client's meta/peer_info, or ""
};

/* Result of feeding one client frame. */
struct SignallingOutput {
  std::vector<std::string> replies;            // text frames to send to this client, in order
  std::vector<SignallingRequest> requests;     // for the streamer, in order
  std::optional<std::string> close_reason;     // set: close the socket with this reason
  std::string log;                             // non-empty: a line worth logging (no secrets)
};

struct SignallingLimits {
  size_t max_message_bytes = 1024 * 1024;  // larger text frames: error + close
};

class SignallingConnection {
 public:
  /* peer_id: this client's id (sent in "welcome").
   * producer_id: the streamer's own producer id (listed by "list").
   * producer_meta: JSON object text for the producer's meta, or "" for null. */
  SignallingConnection(std::string peer_id, std::string producer_id,
                       std::string producer_meta = "",
                       Dialect dialect = Dialect::Unknown,
                       SignallingLimits limits = {});

  /* Pick the dialect from the WebSocket URL query ("peer_id=..&version=2"
   * selects Nvidia). Call before on_open(). */
  static Dialect dialect_from_query(std::string_view query);

  /* Socket opened: Gst and Unknown dialects send "welcome" (a GStreamer
   * client waits for it before anything else); Nvidia sends nothing. */
  SignallingOutput on_open();

  /* One text frame from the client. Malformed/unknown messages produce an
   * error reply and a log line and are otherwise ignored: Gst
   * {"type":"error","details":..}, Nvidia {"error":..} (the frame a refused
   * session gets, after the ack when the message had an ackid). Nvidia
   * frames that are well formed but untimely (peer_msg before the session
   * is accepted, a repeated peer_info) are only logged. Frames over
   * limits.max_message_bytes or JSON nested deeper than 32 levels are
   * rejected before parsing; nothing here throws. */
  SignallingOutput on_text(std::string_view text);

  /* Streamer side. Each returns the frames to send to this client.
   * send_offer/send_ice/end_session for a session not in sessions() send
   * nothing. */

  /* Records session_id (Gst: sends "sessionStarted"; Nvidia: no frame). An
   * empty or already-owned id, or a second Nvidia session, is ignored. */
  std::vector<std::string> accept_session(const std::string& session_id);
  /* Answers the pending StartSession with an error frame carrying reason. */
  std::vector<std::string> refuse_session(const std::string& reason);
  std::vector<std::string> send_offer(const std::string& session_id, const std::string& sdp);
  std::vector<std::string> send_ice(const std::string& session_id, const IceCandidate& ice);
  /* Server ends the session (Gst: endSession, whose echo is then accepted
   * quietly; Nvidia: peer_msg {"type":"bye"}) and forgets it. */
  std::vector<std::string> end_session(const std::string& session_id);
  /* Any error text for the client (Gst "error"; Nvidia {"error":"<text>"}). */
  std::vector<std::string> error(const std::string& details);

  Dialect dialect() const { return dialect_; }
  const std::string& peer_id() const { return peer_id_; }
  /* Sessions this connection owns (accepted and not yet ended). */
  const std::vector<std::string>& sessions() const { return sessions_; }
  /* Identity used for resume: Nvidia peer_info.name (peer_id when it has
   * none) once peer_info arrived, else "". */
  const std::string& client_identity() const { return client_identity_; }

 private:
  bool nvidia() const { return dialect_ == Dialect::Nvidia; }
  bool owns(const std::string& session_id) const;
  void forget(const std::string& session_id);
  /* Rejects a client frame: log line, plus an "error" frame in the Gst
   * dialect (NVIDIA clients have no error message to show it). */
  void reject(SignallingOutput& out, const std::string& reason) const;
  std::string error_frame(const std::string& details) const;
  std::string nvidia_peer_msg(const std::string& msg_json);

  void on_gst_message(JsonObject* msg, SignallingOutput& out);
  void on_gst_set_peer_status(JsonObject* msg, SignallingOutput& out);
  void on_gst_start_session(JsonObject* msg, SignallingOutput& out);
  void on_gst_peer(JsonObject* msg, SignallingOutput& out);
  void on_gst_end_session(JsonObject* msg, SignallingOutput& out);
  void on_nvidia_message(JsonObject* msg, SignallingOutput& out);
  void on_nvidia_peer_info(JsonObject* msg, SignallingOutput& out);
  void on_nvidia_peer_msg(JsonObject* msg, SignallingOutput& out);

  std::string peer_id_;
  std::string producer_id_;
  std::string producer_meta_;          // JSON object text, or "" for null
  Dialect dialect_;
  SignallingLimits limits_;
  std::vector<std::string> sessions_;
  std::vector<std::string> ended_by_us_;  // Gst: our endSession sent, client echo expected
  std::string client_identity_;
  std::string client_meta_;            // Gst: JSON text of setPeerStatus meta, or ""
  bool pending_start_ = false;         // a StartSession awaits accept/refuse
  uint64_t next_ackid_ = 1;            // Nvidia: our outgoing ackids
  int64_t nvidia_client_number_ = 2;   // Nvidia: peer_info.id, the "to" of our peer_msg
};

/* Parse "a,b, c" Sec-WebSocket-Protocol into tokens (trimmed, non-empty). */
std::vector<std::string> split_subprotocols(std::string_view header);

/* Value of a "key.value" subprotocol token with a case-insensitive key,
 * e.g. subprotocol_value(tokens, "nvcf-reqid"). */
std::optional<std::string> subprotocol_value(const std::vector<std::string>& tokens,
                                             std::string_view key);

}  // namespace nvcf
