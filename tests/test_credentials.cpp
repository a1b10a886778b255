/* Credential validation: every field, good and bad. */
#include <gtest/gtest.h>

#include "core/credentials.h"

using nvcf::parse_credentials;

namespace {

struct Case {
  const char* name;
  const char* body;
  bool ok;
  const char* field;  // offending field when !ok
};

const Case kCases[] = {
    {"minimal", R"({"stunIp":"10.0.0.1","stunPort":3478,"username":"u","password":"p"})", true, ""},
    {"hostname", R"({"stunIp":"turn.example.com","stunPort":1,"username":"u","password":"p"})",
     true, ""},
    {"ipv6", R"({"stunIp":"fd00::1","stunPort":65535,"username":"","password":""})", true, ""},
    {"shared port",
     R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p","privateSharedPort":48000})",
     true, ""},
    {"null shared port",
     R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p","privateSharedPort":null})",
     true, ""},
    {"extra field", R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p","x":[1]})",
     true, ""},
    {"not json", R"({"stunIp":)", false, ""},
    {"array root", R"([1,2])", false, ""},
    {"empty body", "", false, ""},
    {"missing ip", R"({"stunPort":3478,"username":"u","password":"p"})", false, "stunIp"},
    {"empty ip", R"({"stunIp":"","stunPort":3478,"username":"u","password":"p"})", false, "stunIp"},
    {"numeric ip", R"({"stunIp":7,"stunPort":3478,"username":"u","password":"p"})", false,
     "stunIp"},
    {"bad ipv4", R"({"stunIp":"300.1.1.1","stunPort":3478,"username":"u","password":"p"})", false,
     "stunIp"},
    {"bad host", R"({"stunIp":"a b","stunPort":3478,"username":"u","password":"p"})", false,
     "stunIp"},
    {"host with scheme", R"({"stunIp":"stun://x","stunPort":3478,"username":"u","password":"p"})",
     false, "stunIp"},
    {"missing port", R"({"stunIp":"1.2.3.4","username":"u","password":"p"})", false, "stunPort"},
    {"port zero", R"({"stunIp":"1.2.3.4","stunPort":0,"username":"u","password":"p"})", false,
     "stunPort"},
    {"port too big", R"({"stunIp":"1.2.3.4","stunPort":65536,"username":"u","password":"p"})",
     false, "stunPort"},
    {"port string", R"({"stunIp":"1.2.3.4","stunPort":"3478","username":"u","password":"p"})",
     false, "stunPort"},
    {"port float", R"({"stunIp":"1.2.3.4","stunPort":3478.5,"username":"u","password":"p"})", false,
     "stunPort"},
    {"port negative", R"({"stunIp":"1.2.3.4","stunPort":-1,"username":"u","password":"p"})", false,
     "stunPort"},
    {"missing username", R"({"stunIp":"1.2.3.4","stunPort":3478,"password":"p"})", false,
     "username"},
    {"username number", R"({"stunIp":"1.2.3.4","stunPort":3478,"username":5,"password":"p"})",
     false, "username"},
    {"missing password", R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u"})", false,
     "password"},
    {"password null", R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":null})",
     false, "password"},
    {"shared port bad",
     R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p","privateSharedPort":70000})",
     false, "privateSharedPort"},
    {"shared port string",
     R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p","privateSharedPort":"1"})",
     false, "privateSharedPort"},
};

class CredentialsTable : public ::testing::TestWithParam<Case> {};

TEST_P(CredentialsTable, ValidatesEveryField) {
  const Case& c = GetParam();
  auto r = parse_credentials(c.body);
  EXPECT_EQ(r.credentials.has_value(), c.ok) << c.body << " -> " << r.error;
  if (!c.ok) {
    EXPECT_EQ(r.field, c.field);
    EXPECT_FALSE(r.error.empty());
    if (*c.field) {
      EXPECT_NE(r.error.find(c.field), std::string::npos) << r.error;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, CredentialsTable, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  return n;
});

}  // namespace

TEST(Credentials, KeepsValues) {
  auto r = parse_credentials(
      R"({"stunIp":"10.1.2.3","stunPort":3478,"username":"alice","password":"s3cr:t@/x","privateSharedPort":48001})");
  ASSERT_TRUE(r.credentials);
  EXPECT_EQ(r.credentials->stun_ip, "10.1.2.3");
  EXPECT_EQ(r.credentials->stun_port, 3478u);
  EXPECT_EQ(r.credentials->username, "alice");
  EXPECT_EQ(r.credentials->password, "s3cr:t@/x");
  EXPECT_EQ(r.credentials->private_shared_port, 48001u);
}

TEST(Credentials, IceUris) {
  nvcf::Credentials c{"10.1.2.3", 3478, "al ice", "p@ss:w/d", std::nullopt};
  EXPECT_EQ(c.stun_uri(), "stun://10.1.2.3:3478");
  EXPECT_EQ(c.turn_uri(), "turn://al%20ice:p%40ss%3Aw%2Fd@10.1.2.3:3478");
  EXPECT_EQ(c.endpoint(), "10.1.2.3:3478");
  nvcf::Credentials v6{"fd00::1", 3478, "u", "p", std::nullopt};
  EXPECT_EQ(v6.stun_uri(), "stun://[fd00::1]:3478");
}

TEST(Credentials, ErrorNeverContainsPassword) {
  auto r = parse_credentials(
      R"({"stunIp":"1.2.3.4","stunPort":99999,"username":"u","password":"TOPSECRET"})");
  ASSERT_FALSE(r.credentials);
  EXPECT_EQ(r.error.find("TOPSECRET"), std::string::npos);
}

/* coturn use-auth-secret credentials, as NVCF rotates them; the vector
 * from Python's hmac/base64. */
TEST(Credentials, RestCredentialsFromSharedSecret) {
  nvcf::Credentials c = nvcf::rest_credentials("s3cret", "gst-nvcf", 1700000000, "127.0.0.1", 3478);
  EXPECT_EQ(c.username, "1700000000:gst-nvcf");
  EXPECT_EQ(c.password, "69xxumL5AfGE/UetOTOcqddhkYE=");
  auto back = nvcf::parse_credentials(nvcf::credentials_json(c));
  ASSERT_TRUE(back.credentials) << back.error;
  EXPECT_EQ(back.credentials->username, c.username);
  EXPECT_EQ(back.credentials->password, c.password);
  EXPECT_EQ(back.credentials->stun_port, 3478u);
}
