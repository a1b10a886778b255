/* Congestion control: one viewer's bitrate estimate from its transport
 * feedback (delay and loss), and the shared encoder's bitrate from every
 * viewer's estimate. Pure C++: the session feeds it what rtpsession's
 * transport-wide congestion control statistics (TWCC) report, the element
 * sets the encoder from shared_bitrate(). Not thread-safe: one owner
 * drives each controller.
 *
 * The rules, after webrtcsink's "homegrown" controller and GCC (RFC draft
 * draft-ietf-rmcat-gcc), in kbit/s:
 *  - delay: the queue on the path grows when the mean delay gradient
 *    (TWCC's avg-delta-of-delta) stays above kOveruseGradientMs or the
 *    viewer receives clearly less than was sent; then the estimate drops
 *    to kDecrease x the lower of itself and what the viewer received;
 *  - loss: above kHighLoss the estimate drops by half the loss fraction,
 *    or to kDecrease x what the viewer received if that is lower;
 *    between kLowLoss and kHighLoss it holds;
 *  - clean: it grows, additively (at least kAdditiveKbpsPerS, about a
 *    packet per frame interval more each second, as libwebrtc's additive
 *    increase) and by kIncreasePerS of itself per second;
 *  - after a decrease, kHoldUs passes before another one: until then the
 *    feedback still describes the old rate and the queue it left (a 1
 *    Mbit/s cap measured 3000 -> 1274 -> 853 -> 583 -> 420 kbit/s with a
 *    500 ms hold, each step answering the same queue). Under heavy loss
 *    the retransmissions keep the link full for seconds after a cut
 *    (measured: 2800 kbit/s sent for 4 s after a cut from 3000 to a 1000
 *    kbit/s cap, 60 % loss), so it still undershoots; ignoring such
 *    reports instead left the estimate above the cap and the viewer
 *    stalled;
 *  - always within the limits. */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nvcf {

struct BitrateLimits {
  unsigned min_kbps = 300;
  unsigned max_kbps = 4000;
  unsigned clamp(unsigned kbps) const;
};

/* One report of a viewer's transport feedback. */
struct CongestionFeedback {
  int64_t at_us = 0;             // monotonic time of the report
  double loss_fraction = 0;      // 0..1, of the packets this report covers
  double delay_gradient_ms = 0;  // mean growth of one-way delay per packet
  unsigned sent_kbps = 0;        // what was sent in the report's window, 0 = unknown
  unsigned received_kbps = 0;    // what arrived of it, 0 = unknown
};

class CongestionController {
 public:
  static constexpr double kOveruseGradientMs = 1.0;
  static constexpr double kReceivedShortfall = 0.8;  // received < this x sent: queueing
  static constexpr double kDecrease = 0.85;
  static constexpr double kLowLoss = 0.02;
  static constexpr double kHighLoss = 0.10;
  static constexpr unsigned kAdditiveKbpsPerS = 100;
  static constexpr double kIncreasePerS = 0.08;
  static constexpr int64_t kHoldUs = 1000 * 1000;
  static constexpr double kSmoothing = 0.5;  // weight of a new gradient

  CongestionController(unsigned start_kbps, BitrateLimits limits);

  /* The estimate after this report. */
  unsigned on_feedback(const CongestionFeedback& f);
  unsigned estimate() const { return estimate_; }
  /* Why the last report moved the estimate: "overuse", "loss", "hold",
   * "increase" (for logs and tests). */
  const std::string& last_action() const { return action_; }

 private:
  BitrateLimits limits_;
  unsigned estimate_;
  double gradient_ms_ = 0;  // smoothed
  int64_t last_at_us_ = -1;
  int64_t last_decrease_us_ = -1;
  std::string action_ = "hold";
};

/* The shared encoder's bitrate: the weakest viewer's estimate within the
 * limits; fallback (clamped) when no viewer reports. */
unsigned shared_bitrate(const std::vector<unsigned>& estimates, const BitrateLimits& limits,
                        unsigned fallback_kbps);

}  // namespace nvcf
