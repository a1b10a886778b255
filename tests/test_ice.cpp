/* Which STUN/TURN servers a session gets (nvcf::ice_servers): the posted
 * credentials as creds-use says, explicit servers over them, and nothing
 * at all without either (no public STUN default). */
#include <gtest/gtest.h>

#include "core/ice.h"

namespace {

nvcf::Credentials creds() {
  nvcf::Credentials c;
  c.stun_ip = "10.1.2.3";
  c.stun_port = 3478;
  c.username = "user";
  c.password = "p@ss:w/rd";
  return c;
}

constexpr const char* kStun = "stun://10.1.2.3:3478";
/* User and password percent-encoded. */
constexpr const char* kTurn = "turn://user:p%40ss%3Aw%2Frd@10.1.2.3:3478";

}  // namespace

TEST(IceServers, NoCredentialsNoServers) {
  for (auto use : {nvcf::CredsUse::Stun, nvcf::CredsUse::Turn, nvcf::CredsUse::Both}) {
    nvcf::IceServers s = nvcf::ice_servers(std::nullopt, use, "", "");
    EXPECT_EQ(s.stun, "") << nvcf::creds_use_name(use);
    EXPECT_EQ(s.turn, "") << nvcf::creds_use_name(use);
  }
}

TEST(IceServers, CredsUseBoth) {
  nvcf::IceServers s = nvcf::ice_servers(creds(), nvcf::CredsUse::Both, "", "");
  EXPECT_EQ(s.stun, kStun);
  EXPECT_EQ(s.turn, kTurn);
}

TEST(IceServers, CredsUseStun) {
  nvcf::IceServers s = nvcf::ice_servers(creds(), nvcf::CredsUse::Stun, "", "");
  EXPECT_EQ(s.stun, kStun);
  EXPECT_EQ(s.turn, "");
}

TEST(IceServers, CredsUseTurn) {
  nvcf::IceServers s = nvcf::ice_servers(creds(), nvcf::CredsUse::Turn, "", "");
  EXPECT_EQ(s.stun, "");
  EXPECT_EQ(s.turn, kTurn);
}

TEST(IceServers, StunOverrideWins) {
  nvcf::IceServers s =
      nvcf::ice_servers(creds(), nvcf::CredsUse::Both, "stun://192.0.2.1:19302", "");
  EXPECT_EQ(s.stun, "stun://192.0.2.1:19302");
  EXPECT_EQ(s.turn, kTurn);  // the other one still from the credentials
}

TEST(IceServers, TurnOverrideWins) {
  nvcf::IceServers s =
      nvcf::ice_servers(creds(), nvcf::CredsUse::Both, "", "turn://a:b@192.0.2.1:3478");
  EXPECT_EQ(s.stun, kStun);
  EXPECT_EQ(s.turn, "turn://a:b@192.0.2.1:3478");
}

/* An override applies even where creds-use would leave that server out. */
TEST(IceServers, OverridesBeyondCredsUse) {
  nvcf::IceServers s =
      nvcf::ice_servers(creds(), nvcf::CredsUse::Stun, "", "turn://a:b@192.0.2.1:3478");
  EXPECT_EQ(s.stun, kStun);
  EXPECT_EQ(s.turn, "turn://a:b@192.0.2.1:3478");
  s = nvcf::ice_servers(creds(), nvcf::CredsUse::Turn, "stun://192.0.2.1:3478", "");
  EXPECT_EQ(s.stun, "stun://192.0.2.1:3478");
  EXPECT_EQ(s.turn, kTurn);
}

/* Outside NVCF: only the explicit servers, with no credentials posted. */
TEST(IceServers, OverridesWithoutCredentials) {
  nvcf::IceServers s = nvcf::ice_servers(std::nullopt, nvcf::CredsUse::Both,
                                         "stun://192.0.2.1:3478", "turn://a:b@192.0.2.1:3478");
  EXPECT_EQ(s.stun, "stun://192.0.2.1:3478");
  EXPECT_EQ(s.turn, "turn://a:b@192.0.2.1:3478");
}

TEST(IceServers, ParseCredsUse) {
  EXPECT_EQ(nvcf::parse_creds_use("stun"), nvcf::CredsUse::Stun);
  EXPECT_EQ(nvcf::parse_creds_use("turn"), nvcf::CredsUse::Turn);
  EXPECT_EQ(nvcf::parse_creds_use("both"), nvcf::CredsUse::Both);
  EXPECT_EQ(nvcf::parse_creds_use("all"), std::nullopt);
  EXPECT_EQ(nvcf::parse_creds_use(""), std::nullopt);
  for (auto use : {nvcf::CredsUse::Stun, nvcf::CredsUse::Turn, nvcf::CredsUse::Both})
    EXPECT_EQ(nvcf::parse_creds_use(nvcf::creds_use_name(use)), use);
}
