/* One signalling dialect: how a connection's frames are read and written.
 * SignallingConnection keeps what both share (ConnectionState) and hands
 * each parsed client frame to its dialect; the dialect answers with frames
 * and requests. Two implementations: GStreamer's webrtcsink protocol
 * (signalling_gst.cpp) and NVIDIA's client framing
 * (signalling_nvidia.cpp). Internal to the core. */
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "signalling.h"

typedef struct _JsonObject JsonObject;

namespace nvcf {

/* What a connection knows whatever its dialect. */
struct ConnectionState {
  std::string peer_id;
  std::string producer_id;
  std::string producer_meta;  // JSON object text, or "" for null
  Dialect dialect = Dialect::Unknown;
  std::vector<std::string> sessions;  // accepted and not yet ended
  bool pending_start = false;         // a StartSession awaits accept/refuse
  std::string client_identity;        // NVIDIA peer_info name, once known

  bool owns(const std::string& id) const {
    return std::find(sessions.begin(), sessions.end(), id) != sessions.end();
  }
  void forget(const std::string& id) {
    sessions.erase(std::remove(sessions.begin(), sessions.end(), id), sessions.end());
  }
};

class SignallingDialect {
 public:
  virtual ~SignallingDialect() = default;

  /* Frames sent when the socket opens. */
  virtual std::vector<std::string> greeting(const ConnectionState& state) = 0;
  /* One client frame, already parsed to an object. */
  virtual void on_message(JsonObject* msg, ConnectionState& state, SignallingOutput& out) = 0;
  /* Whether a connection may own more than one session. */
  virtual bool many_sessions() const = 0;

  /* Streamer side, for a session the connection owns. */
  virtual std::vector<std::string> session_accepted(ConnectionState& state,
                                                    const std::string& id) = 0;
  virtual std::string offer(const std::string& id, const std::string& sdp) = 0;
  virtual std::string ice(const std::string& id, const IceCandidate& ice) = 0;
  /* Server ends id (already forgotten by the state). */
  virtual std::string end(const std::string& id) = 0;
  virtual std::string error_frame(const std::string& details) const = 0;

  /* Rejects a client frame: a log line and an error frame. */
  void reject(SignallingOutput& out, const std::string& reason) const {
    out.log = reason;
    out.replies.push_back(error_frame(reason));
  }
};

std::unique_ptr<SignallingDialect> make_gst_dialect();
std::unique_ptr<SignallingDialect> make_nvidia_dialect();

}  // namespace nvcf
