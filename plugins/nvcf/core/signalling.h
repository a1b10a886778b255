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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nvcf {

struct ConnectionState;
class SignallingDialect;

enum class Dialect { Unknown, Gst, Nvidia };

struct IceCandidate {
  std::string candidate;  // "candidate:..."; empty = end of candidates
  unsigned mline_index = 0;
  std::string sdp_mid;  // may be empty
};

/* What the client asks of the streamer. */
struct SignallingRequest {
  enum class Kind {
    StartSession,  // client wants to watch; answer accept_session()/refuse_session()
    RemoteAnswer,  // sdp holds the client's SDP answer for session_id
    RemoteIce,     // ice holds a client candidate for session_id
    EndSession,    // client ended session_id
  };
  Kind kind;
  std::string session_id;  // empty for StartSession
  std::string sdp;
  IceCandidate ice;
  std::string peer_meta;  // StartSession: JSON text of the client's meta/peer_info, or ""
};

/* Result of feeding one client frame. */
struct SignallingOutput {
  std::vector<std::string> replies;         // text frames to send to this client, in order
  std::vector<SignallingRequest> requests;  // for the streamer, in order
  std::optional<std::string> close_reason;  // set: close the socket with this reason
  std::string log;                          // non-empty: a line worth logging (no secrets)
};

struct SignallingLimits {
  size_t max_message_bytes = 1024 * 1024;  // larger text frames: error + close
};

class SignallingConnection {
 public:
  /* peer_id: this client's id (sent in "welcome").
   * producer_id: the streamer's own producer id (listed by "list").
   * producer_meta: JSON object text for the producer's meta, or "" for null. */
  SignallingConnection(std::string peer_id, std::string producer_id, std::string producer_meta = "",
                       Dialect dialect = Dialect::Unknown, SignallingLimits limits = {});
  ~SignallingConnection();
  SignallingConnection(const SignallingConnection&) = delete;
  SignallingConnection& operator=(const SignallingConnection&) = delete;

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

  Dialect dialect() const;
  const std::string& peer_id() const;
  /* Sessions this connection owns (accepted and not yet ended). */
  const std::vector<std::string>& sessions() const;
  /* Identity used for resume: Nvidia peer_info.name (peer_id when it has
   * none) once peer_info arrived, else "". */
  const std::string& client_identity() const;

 private:
  std::unique_ptr<ConnectionState> state_;   // what both dialects share
  std::unique_ptr<SignallingDialect> impl_;  // the dialect in use (Gst until decided)
  SignallingLimits limits_;
};

/* Parse "a,b, c" Sec-WebSocket-Protocol into tokens (trimmed, non-empty). */
std::vector<std::string> split_subprotocols(std::string_view header);

/* Value of a "key.value" subprotocol token with a case-insensitive key,
 * e.g. subprotocol_value(tokens, "nvcf-reqid"). */
std::optional<std::string> subprotocol_value(const std::vector<std::string>& tokens,
                                             std::string_view key);

}  // namespace nvcf
