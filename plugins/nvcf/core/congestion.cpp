/* Congestion control: see congestion.h. */
#include "congestion.h"

#include <algorithm>

namespace nvcf {

unsigned BitrateLimits::clamp(unsigned kbps) const {
  unsigned hi = std::max(min_kbps, max_kbps);
  return std::min(std::max(kbps, min_kbps), hi);
}

CongestionController::CongestionController(unsigned start_kbps, BitrateLimits limits)
    : limits_(limits), estimate_(limits.clamp(start_kbps)) {}

unsigned CongestionController::on_feedback(const CongestionFeedback& f) {
  /* Time since the last report, bounded: a viewer silent for a while
   * (or the first report) must not earn a big jump. */
  double dt_s = last_at_us_ < 0 ? 0.1 : (double)(f.at_us - last_at_us_) / 1e6;
  dt_s = std::min(std::max(dt_s, 0.0), 1.0);
  last_at_us_ = f.at_us;
  gradient_ms_ = kSmoothing * f.delay_gradient_ms + (1 - kSmoothing) * gradient_ms_;

  bool holding = last_decrease_us_ >= 0 && f.at_us - last_decrease_us_ < kHoldUs;
  /* What the path carried is the best guess of its capacity. */
  double carried = f.received_kbps > 0 ? kDecrease * f.received_kbps : estimate_;
  bool shortfall =
      f.sent_kbps > 0 && f.received_kbps > 0 && f.received_kbps < kReceivedShortfall * f.sent_kbps;
  bool overuse = gradient_ms_ > kOveruseGradientMs || shortfall;
  double next = estimate_;

  if (f.loss_fraction > kHighLoss) {
    action_ = "loss";
    if (!holding)
      next = std::min(estimate_ * (1 - 0.5 * std::min(f.loss_fraction, 1.0)), carried);
  } else if (overuse) {
    action_ = "overuse";
    if (!holding)
      next = std::min<double>(kDecrease * estimate_, carried);
  } else if (f.loss_fraction > kLowLoss || gradient_ms_ < -kOveruseGradientMs) {
    /* Some loss, or a queue draining: neither push nor back off. */
    action_ = "hold";
  } else {
    action_ = "increase";
    double step = std::max<double>(kAdditiveKbpsPerS, kIncreasePerS * estimate_) * dt_s;
    next = estimate_ + std::max(step, 1.0);
  }
  if (next < estimate_)
    last_decrease_us_ = f.at_us;
  estimate_ = limits_.clamp((unsigned)std::max(next, 0.0));
  return estimate_;
}

unsigned shared_bitrate(const std::vector<unsigned>& estimates, const BitrateLimits& limits,
                        unsigned fallback_kbps) {
  if (estimates.empty())
    return limits.clamp(fallback_kbps);
  return limits.clamp(*std::min_element(estimates.begin(), estimates.end()));
}

}  // namespace nvcf
