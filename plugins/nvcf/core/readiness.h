/* The readiness state machine: the one source of truth for
 * GET /v1/streaming/ready. Pure C++; the caller serialises access. */
#pragma once

#include <optional>
#include <string>

namespace nvcf {

enum class ReadyState {
  Starting,        // pipeline not PLAYING yet or a server not listening
  Ready,           // a new session can start
  Busy,            // max-sessions sessions active
  AwaitingResume,  // full, and at least one session waits for its client to come back
  Draining,        // shutting down: no new sessions
  Finished,        // served its sessions under the exit policy, or stopped
};

enum class SessionPolicy {
  Reuse,  // go back to ready after a session
  Exit,   // one round of sessions, then finished (fresh container per session)
};

std::optional<SessionPolicy> parse_session_policy(const std::string& text);
const char* session_policy_name(SessionPolicy policy);

class Readiness {
 public:
  explicit Readiness(unsigned max_sessions = 1, SessionPolicy policy = SessionPolicy::Reuse)
      : max_sessions_(max_sessions), policy_(policy) {}

  /* Inputs. Each returns true when state() changed. */
  bool set_servers_listening(bool listening);
  bool set_pipeline_playing(bool playing);
  /* Every input stream has its media set up (caps arrived, encoder and
   * payloader chosen): a session started before would miss a stream. Not
   * cleared by reset(): it belongs to the pads, which outlive the servers. */
  bool set_media_flowing(bool flowing);
  /* The process is still warming up (the DTLS certificate every session
   * uses, an RSA key of up to seconds, and the session's plugins): the
   * first viewer would wait for it. Not cleared by reset(): the warm-up
   * belongs to the process. */
  bool set_warming_up(bool pending);
  bool set_max_sessions(unsigned max_sessions);
  bool set_policy(SessionPolicy policy);
  /* Current counts: sessions with a connected client, and sessions kept
   * for a client that dropped without ending them. */
  bool set_sessions(unsigned active, unsigned awaiting_resume);
  bool drain();
  bool finish();
  /* Back to the freshly constructed inputs (element went to NULL). */
  bool reset();

  ReadyState state() const;
  /* Whether a new session may start now. */
  bool accepts_sessions() const { return state() == ReadyState::Ready; }
  /* 200 when ready, 500 otherwise (the NVCF contract). */
  unsigned http_status() const { return state() == ReadyState::Ready ? 200 : 500; }
  /* {"state":"ready","sessions":0,"maxSessions":1} */
  std::string to_json() const;

  unsigned active_sessions() const { return active_; }
  unsigned max_sessions() const { return max_sessions_; }
  SessionPolicy policy() const { return policy_; }

  static const char* name(ReadyState state);

 private:
  template <typename F>
  bool update(F&& change) {
    ReadyState before = state();
    change();
    return state() != before;
  }

  unsigned max_sessions_;
  SessionPolicy policy_;
  bool listening_ = false;
  bool playing_ = false;
  bool media_ = false;
  bool warming_up_ = false;
  unsigned active_ = 0;
  unsigned awaiting_resume_ = 0;
  bool served_ = false;  // a session has run since reset()
  bool draining_ = false;
  bool finished_ = false;
};

}  // namespace nvcf
