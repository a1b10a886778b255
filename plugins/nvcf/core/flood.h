/* Message-rate guard for one client: at most `limit` messages in any
 * `window_us` window. Pure C++. */
#pragma once

#include <cstdint>
#include <deque>

namespace nvcf {

class FloodGuard {
 public:
  FloodGuard(unsigned limit = 200, int64_t window_us = 1000000)
      : limit_(limit), window_us_(window_us) {}
  /* Record one message at now_us; false when it exceeds the rate. */
  bool allow(int64_t now_us) {
    while (!times_.empty() && now_us - times_.front() >= window_us_)
      times_.pop_front();
    if (times_.size() >= limit_)
      return false;
    times_.push_back(now_us);
    return true;
  }

 private:
  unsigned limit_;
  int64_t window_us_;
  std::deque<int64_t> times_;
};

}  // namespace nvcf
