/* The TCP connections of one server: how many may be open at once, and how
 * long a client may take to send its request (slowloris). Pure C++: no
 * sockets, the clock is the caller's (microseconds). */
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace nvcf {

struct ConnectionLimits {
  /* Open connections at once, WebSockets included; the next is closed. */
  unsigned max_connections = 64;
  /* Seconds from accepting a connection until its request (headers and
   * body) is read in full; 0 = no limit. */
  unsigned request_timeout_s = 10;
};

class ConnectionTable {
 public:
  explicit ConnectionTable(ConnectionLimits limits = {}) : limits_(limits) {}

  /* A connection accepted at now_us: its id, or 0 when max_connections are
   * open already (the caller closes it). */
  uint64_t open(int64_t now_us);
  /* Its request was read in full: no deadline any more. */
  void request_read(uint64_t id);
  /* It closed; unknown ids are ignored. */
  void closed(uint64_t id);
  /* Connections whose request deadline passed by now_us, each reported
   * once (their deadline is then cleared; they stay open until closed()). */
  std::vector<uint64_t> expired(int64_t now_us);
  /* The earliest pending deadline. */
  std::optional<int64_t> next_deadline() const;
  size_t open_count() const { return deadlines_.size(); }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  ConnectionLimits limits_;
  uint64_t next_id_ = 1;
  /* Open connections; a deadline of 0: none pending. */
  std::map<uint64_t, int64_t> deadlines_;
};

/* When accept() fails for want of file descriptors, retrying at once spins
 * the loop: wait before listening again, 50 ms doubling up to 1 s, reset by
 * the next accepted connection. */
class AcceptBackoff {
 public:
  /* An accept failed: milliseconds to wait before the next try. */
  unsigned failed() {
    delay_ms_ = delay_ms_ ? (delay_ms_ * 2 > kMaxMs ? kMaxMs : delay_ms_ * 2) : kFirstMs;
    return delay_ms_;
  }
  void succeeded() { delay_ms_ = 0; }
  /* Whether the last accept failed (to log an episode once). */
  bool failing() const { return delay_ms_ != 0; }

 private:
  static constexpr unsigned kFirstMs = 50, kMaxMs = 1000;
  unsigned delay_ms_ = 0;
};

}  // namespace nvcf
