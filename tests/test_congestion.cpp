/* The congestion controller (core/congestion) with synthetic feedback:
 * a rising delay gradient or a receive shortfall decreases, loss over 10 %
 * decreases, clean feedback increases additively, and everything stays
 * within the limits; the shared bitrate is the weakest viewer's. */
#include <gtest/gtest.h>

#include <algorithm>

#include "core/congestion.h"

using nvcf::BitrateLimits;
using nvcf::CongestionController;
using nvcf::CongestionFeedback;

namespace {

constexpr int64_t kStepUs = 100 * 1000; /* a report every 100 ms, as TWCC feedback comes */

/* n reports like f, 100 ms apart from *t; the last estimate. */
unsigned feed(CongestionController& c, CongestionFeedback f, int n, int64_t* t) {
  unsigned e = c.estimate();
  for (int i = 0; i < n; i++) {
    *t += kStepUs;
    f.at_us = *t;
    e = c.on_feedback(f);
  }
  return e;
}

CongestionFeedback clean(unsigned kbps) {
  CongestionFeedback f;
  f.sent_kbps = f.received_kbps = kbps;
  return f;
}

}  // namespace

TEST(Congestion, StartsWithinLimits) {
  EXPECT_EQ(CongestionController(2000, {300, 4000}).estimate(), 2000u);
  EXPECT_EQ(CongestionController(9000, {300, 4000}).estimate(), 4000u);
  EXPECT_EQ(CongestionController(100, {300, 4000}).estimate(), 300u);
}

TEST(Congestion, RisingDelayGradientDecreases) {
  CongestionController c(2000, {300, 4000});
  int64_t t = 0;
  CongestionFeedback f = clean(2000);
  f.delay_gradient_ms = 4;
  unsigned e = feed(c, f, 3, &t);
  EXPECT_LT(e, 2000u);
  EXPECT_EQ(c.last_action(), "overuse");
  /* To 0.85 x what arrived, once per hold: three reports in 300 ms are
   * one decrease. */
  EXPECT_EQ(e, 1700u);
}

TEST(Congestion, ReceiveShortfallDecreasesToWhatArrived) {
  CongestionController c(2500, {300, 4000});
  int64_t t = 0;
  CongestionFeedback f;
  f.sent_kbps = 2500;
  f.received_kbps = 1000; /* a 1 Mbit/s bottleneck */
  unsigned e = feed(c, f, 1, &t);
  EXPECT_EQ(e, 850u);
  EXPECT_EQ(c.last_action(), "overuse");
}

TEST(Congestion, HighLossDecreases) {
  CongestionController c(2000, {300, 4000});
  int64_t t = 0;
  CongestionFeedback f;
  f.sent_kbps = 2000;
  f.received_kbps = 0; /* unknown */
  f.loss_fraction = 0.2;
  unsigned e = feed(c, f, 1, &t);
  EXPECT_EQ(e, 1800u); /* by half the loss fraction */
  EXPECT_EQ(c.last_action(), "loss");
  /* Sustained loss, the sender following the estimate: one decrease per
   * hold (1 s), to 0.85 x what arrived when that is lower. */
  int decreases = 0;
  for (int i = 0; i < 30; i++) {
    f.sent_kbps = c.estimate();
    f.received_kbps = f.sent_kbps * 8 / 10;
    t += kStepUs;
    f.at_us = t;
    unsigned before = c.estimate();
    decreases += c.on_feedback(f) < before;
  }
  EXPECT_EQ(decreases, 3);
  EXPECT_LT(c.estimate(), 1000u);
}

TEST(Congestion, ModerateLossHolds) {
  CongestionController c(2000, {300, 4000});
  int64_t t = 0;
  CongestionFeedback f = clean(2000);
  f.loss_fraction = 0.05;
  EXPECT_EQ(feed(c, f, 20, &t), 2000u);
  EXPECT_EQ(c.last_action(), "hold");
}

TEST(Congestion, CleanFeedbackIncreasesAdditively) {
  CongestionController c(500, {300, 4000});
  int64_t t = 0;
  /* One second of clean reports at 500 kbit/s: the additive step (100
   * kbit/s per second) rules there, 8 % of 500 being less. */
  unsigned e = feed(c, clean(500), 10, &t);
  EXPECT_EQ(c.last_action(), "increase");
  EXPECT_GE(e, 595u);
  EXPECT_LE(e, 605u);
  /* It keeps rising, by the same step, never in jumps. */
  unsigned before = e;
  e = feed(c, clean(e), 10, &t);
  EXPECT_GE(e, before + 95);
  EXPECT_LE(e, before + 105);
  /* Higher up, 8 % of the rate per second is the larger step. */
  CongestionController high(3000, {300, 8000});
  t = 0;
  e = feed(high, clean(3000), 10, &t);
  EXPECT_GE(e, 3230u);
  EXPECT_LE(e, 3260u);
}

TEST(Congestion, ClampsToMinAndMax) {
  CongestionController up(3900, {300, 4000});
  int64_t t = 0;
  EXPECT_EQ(feed(up, clean(4000), 100, &t), 4000u);

  CongestionController down(400, {300, 4000});
  CongestionFeedback f = clean(400);
  f.loss_fraction = 0.9;
  t = 0;
  EXPECT_EQ(feed(down, f, 100, &t), 300u);
}

TEST(Congestion, FollowsACapDownAndUp) {
  CongestionController c(2500, {300, 3000});
  int64_t t = 0;
  /* A 1 Mbit/s bottleneck: what arrives is at most 1000 kbit/s of what the
   * encoder, following the estimate, sends, and above it a queue grows. */
  unsigned low = c.estimate();
  for (int i = 0; i < 30; i++) {
    CongestionFeedback f;
    f.sent_kbps = c.estimate();
    f.received_kbps = std::min(f.sent_kbps, 1000u);
    f.delay_gradient_ms = f.sent_kbps > 1000 ? 3 : 0; /* the queue grows */
    t += kStepUs;
    f.at_us = t;
    low = std::min(low, c.on_feedback(f));
  }
  EXPECT_LT(low, 1000u);
  EXPECT_LE(c.estimate(), 1100u) << "not staying near the cap";
  /* The cap lifts: clean reports, and within 10 s well above the cap. */
  unsigned e = c.estimate();
  for (int s = 0; s < 10; s++)
    e = feed(c, clean(e), 10, &t);
  EXPECT_GT(e, 1500u);
}

TEST(Congestion, SharedBitrateIsTheWeakestViewers) {
  BitrateLimits l{300, 4000};
  EXPECT_EQ(nvcf::shared_bitrate({3000, 1200, 2500}, l, 2000), 1200u);
  EXPECT_EQ(nvcf::shared_bitrate({}, l, 2000), 2000u);
  EXPECT_EQ(nvcf::shared_bitrate({100}, l, 2000), 300u);
  EXPECT_EQ(nvcf::shared_bitrate({}, l, 9000), 4000u);
}
