/* The readiness state machine behind GET /v1/streaming/ready. */
#include <gtest/gtest.h>

#include "core/readiness.h"

using nvcf::Readiness;
using nvcf::ReadyState;
using nvcf::SessionPolicy;

static Readiness started(unsigned max = 1, SessionPolicy policy = SessionPolicy::Reuse) {
  Readiness r(max, policy);
  r.set_servers_listening(true);
  r.set_pipeline_playing(true);
  r.set_media_flowing(true);
  return r;
}

TEST(Readiness, StartsNotReady) {
  Readiness r;
  EXPECT_EQ(r.state(), ReadyState::Starting);
  EXPECT_EQ(r.http_status(), 500u);
  EXPECT_FALSE(r.set_servers_listening(true));  // still waiting for PLAYING
  EXPECT_EQ(r.state(), ReadyState::Starting);
  EXPECT_FALSE(r.set_pipeline_playing(true));  // still waiting for media
  EXPECT_EQ(r.state(), ReadyState::Starting);
  EXPECT_TRUE(r.set_media_flowing(true));
  EXPECT_EQ(r.state(), ReadyState::Ready);
  EXPECT_EQ(r.http_status(), 200u);
  EXPECT_TRUE(r.accepts_sessions());
}

TEST(Readiness, MediaStaysAcrossReset) {
  auto r = started();
  EXPECT_TRUE(r.reset());
  EXPECT_EQ(r.state(), ReadyState::Starting);
  r.set_servers_listening(true);
  EXPECT_TRUE(r.set_pipeline_playing(true)) << "the pads still carry media after a restart";
  EXPECT_EQ(r.state(), ReadyState::Ready);
  EXPECT_TRUE(r.set_media_flowing(false));  // a new pad without caps yet
  EXPECT_EQ(r.state(), ReadyState::Starting);
}

/* The first viewer must not wait for the warm-up (the DTLS certificate):
 * not ready during it, and a restart (reset) does not forget it. */
TEST(Readiness, NotReadyWhileWarmingUp) {
  auto r = started();
  EXPECT_TRUE(r.set_warming_up(true));
  EXPECT_EQ(r.state(), ReadyState::Starting);
  EXPECT_FALSE(r.accepts_sessions());
  EXPECT_TRUE(r.set_warming_up(false));
  EXPECT_EQ(r.state(), ReadyState::Ready);
  r.set_warming_up(true);
  r.reset();
  r.set_servers_listening(true);
  r.set_pipeline_playing(true);
  EXPECT_EQ(r.state(), ReadyState::Starting) << "reset forgot the warm-up";
}

TEST(Readiness, PlayingAloneIsNotReady) {
  Readiness r;
  r.set_pipeline_playing(true);
  EXPECT_EQ(r.state(), ReadyState::Starting);
}

TEST(Readiness, BusyAtMaxSessions) {
  auto r = started(2);
  EXPECT_FALSE(r.set_sessions(1, 0));
  EXPECT_EQ(r.state(), ReadyState::Ready);
  EXPECT_TRUE(r.set_sessions(2, 0));
  EXPECT_EQ(r.state(), ReadyState::Busy);
  EXPECT_EQ(r.http_status(), 500u);
  EXPECT_TRUE(r.set_sessions(1, 0));
  EXPECT_EQ(r.state(), ReadyState::Ready);
}

TEST(Readiness, AwaitingResumeCountsAsHeld) {
  auto r = started(1);
  r.set_sessions(0, 1);
  EXPECT_EQ(r.state(), ReadyState::AwaitingResume);
  EXPECT_EQ(r.http_status(), 500u);
  r.set_sessions(1, 0);
  EXPECT_EQ(r.state(), ReadyState::Busy);
}

TEST(Readiness, ExitPolicyFinishesAfterLastSession) {
  auto r = started(1, SessionPolicy::Exit);
  r.set_sessions(1, 0);
  EXPECT_EQ(r.state(), ReadyState::Busy);
  r.set_sessions(0, 1);
  EXPECT_EQ(r.state(), ReadyState::AwaitingResume);
  EXPECT_TRUE(r.set_sessions(0, 0));
  EXPECT_EQ(r.state(), ReadyState::Finished);
  EXPECT_EQ(r.http_status(), 500u);
}

TEST(Readiness, ReusePolicyReturnsToReady) {
  auto r = started(1, SessionPolicy::Reuse);
  r.set_sessions(1, 0);
  r.set_sessions(0, 0);
  EXPECT_EQ(r.state(), ReadyState::Ready);
}

TEST(Readiness, DrainAndFinishWin) {
  auto r = started();
  EXPECT_TRUE(r.drain());
  EXPECT_EQ(r.state(), ReadyState::Draining);
  EXPECT_EQ(r.http_status(), 500u);
  EXPECT_TRUE(r.finish());
  EXPECT_EQ(r.state(), ReadyState::Finished);
  EXPECT_TRUE(r.reset());
  EXPECT_EQ(r.state(), ReadyState::Starting);
}

TEST(Readiness, PausedIsNotReady) {
  auto r = started();
  EXPECT_TRUE(r.set_pipeline_playing(false));
  EXPECT_EQ(r.state(), ReadyState::Starting);
}

TEST(Readiness, JsonNamesState) {
  auto r = started(3);
  r.set_sessions(1, 0);
  EXPECT_EQ(r.to_json(), R"({"state":"ready","sessions":1,"awaitingResume":0,"maxSessions":3})");
  EXPECT_STREQ(Readiness::name(ReadyState::AwaitingResume), "awaiting-resume");
}
