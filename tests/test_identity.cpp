/* Client identity: NVCF's lookup order for the request id, and which
 * identity decides a resume. */
#include <gtest/gtest.h>

#include "identity.h"

using nvcf::ClientIdentity;
using nvcf::Handshake;

TEST(Identity, RequestIdHeaderWinsOverTokenAndCookie) {
  auto id = nvcf::identity_from_handshake(
      {"from-header", {"nvcf-reqid.from-token"}, "nvcf-request-id=from-cookie"});
  EXPECT_EQ(id.request_id, "from-header");
}

TEST(Identity, TokenWinsOverCookie) {
  auto id = nvcf::identity_from_handshake(
      {"", {"authorization.x", "NVCF-REQID.from-token"}, "a=b; nvcf-request-id=from-cookie"});
  EXPECT_EQ(id.request_id, "from-token");
}

TEST(Identity, CookieLast) {
  auto id =
      nvcf::identity_from_handshake({"", {"x-nv-sessionid.s1"}, "a=b;  nvcf-request-id=c1 ;z=9"});
  EXPECT_EQ(id.request_id, "c1");
  EXPECT_EQ(id.session_token, "s1");
  EXPECT_EQ(nvcf::identity_from_handshake({"", {}, "nvcf-request-idx=1"}).request_id, "");
  EXPECT_EQ(nvcf::cookie_value("", "a"), "");
}

TEST(Identity, ResumeKeyOrder) {
  EXPECT_EQ(nvcf::resume_key({"r", "t", "p"}), "request:r");
  EXPECT_EQ(nvcf::resume_key({"", "t", "p"}), "token:t");
  EXPECT_EQ(nvcf::resume_key({"", "", "p"}), "peer:p");
  EXPECT_EQ(nvcf::resume_key({}), "");
}
