#include "readiness.h"

namespace nvcf {

std::optional<SessionPolicy> parse_session_policy(const std::string& text) {
  if (text == "reuse")
    return SessionPolicy::Reuse;
  if (text == "exit")
    return SessionPolicy::Exit;
  return std::nullopt;
}

const char* session_policy_name(SessionPolicy policy) {
  return policy == SessionPolicy::Exit ? "exit" : "reuse";
}

bool Readiness::set_servers_listening(bool listening) {
  return update([&] { listening_ = listening; });
}

bool Readiness::set_pipeline_playing(bool playing) {
  return update([&] { playing_ = playing; });
}

bool Readiness::set_media_flowing(bool flowing) {
  return update([&] { media_ = flowing; });
}

bool Readiness::set_warming_up(bool pending) {
  return update([&] { warming_up_ = pending; });
}

bool Readiness::set_max_sessions(unsigned max_sessions) {
  return update([&] { max_sessions_ = max_sessions; });
}

bool Readiness::set_policy(SessionPolicy policy) {
  return update([&] { policy_ = policy; });
}

bool Readiness::set_sessions(unsigned active, unsigned awaiting_resume) {
  return update([&] {
    active_ = active;
    awaiting_resume_ = awaiting_resume;
    if (active + awaiting_resume > 0)
      served_ = true;
  });
}

bool Readiness::drain() {
  return update([&] { draining_ = true; });
}

bool Readiness::finish() {
  return update([&] { finished_ = true; });
}

bool Readiness::reset() {
  return update([&] {
    listening_ = playing_ = served_ = draining_ = finished_ = false;
    active_ = awaiting_resume_ = 0;
  });
}

ReadyState Readiness::state() const {
  if (finished_)
    return ReadyState::Finished;
  const unsigned held = active_ + awaiting_resume_;
  /* Under the exit policy the container serves one round of sessions: once
   * the last one is over (resume window included) it is finished. */
  if (policy_ == SessionPolicy::Exit && served_ && held == 0)
    return ReadyState::Finished;
  if (draining_)
    return ReadyState::Draining;
  if (!listening_ || !playing_ || !media_ || warming_up_)
    return ReadyState::Starting;
  if (held >= max_sessions_)
    return awaiting_resume_ > 0 ? ReadyState::AwaitingResume : ReadyState::Busy;
  return ReadyState::Ready;
}

const char* Readiness::name(ReadyState state) {
  switch (state) {
    case ReadyState::Starting:
      return "starting";
    case ReadyState::Ready:
      return "ready";
    case ReadyState::Busy:
      return "busy";
    case ReadyState::AwaitingResume:
      return "awaiting-resume";
    case ReadyState::Draining:
      return "draining";
    case ReadyState::Finished:
      return "finished";
  }
  return "unknown";
}

std::string Readiness::to_json() const {
  return std::string("{\"state\":\"") + name(state()) +
         "\",\"sessions\":" + std::to_string(active_) +
         ",\"awaitingResume\":" + std::to_string(awaiting_resume_) +
         ",\"maxSessions\":" + std::to_string(max_sessions_) + "}";
}

}  // namespace nvcf
