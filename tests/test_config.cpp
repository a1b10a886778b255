/* Port range parsing and environment defaults. */
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.h"
#include "core/control.h"

using nvcf::parse_port_range;

TEST(PortRange, Parses) {
  std::string error;
  auto r = parse_port_range("47998-48020", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->min, 47998u);
  EXPECT_EQ(r->max, 48020u);
  EXPECT_EQ(r->to_string(), "47998-48020");
  auto single = parse_port_range(" 5000 ", &error);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->min, 5000u);
  EXPECT_EQ(single->max, 5000u);
}

TEST(PortRange, RefusesBadValues) {
  for (const char* bad : {"", "abc", "48020-47998", "80-90", "1000-2000", "2000-70000",
                          "1-", "-5", "100000", "5000-6000-7000", "5000:6000"}) {
    std::string error;
    EXPECT_FALSE(parse_port_range(bad, &error)) << bad;
    EXPECT_NE(error.find("invalid port range"), std::string::npos) << bad;
  }
  std::string error;
  parse_port_range("48020-47998", &error);
  EXPECT_NE(error.find("MIN is greater than MAX"), std::string::npos);
  parse_port_range("80-90", &error);
  EXPECT_NE(error.find("1024-65535"), std::string::npos);
}

class EnvTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"CONTROL_SERVER_PORT", "STREAMING_SERVER_PORT",
                          "STREAMING_START_ENDPOINT", "STREAMING_PORT_BINDING_RANGE"})
      unsetenv(v);
  }
};

TEST_F(EnvTest, DefaultsWhenUnset) {
  TearDown();
  EXPECT_EQ(nvcf::env_control_port(), 8111u);
  EXPECT_EQ(nvcf::env_streaming_port(), 49100u);
  EXPECT_EQ(nvcf::env_start_endpoint(), "/sign_in");
  EXPECT_EQ(nvcf::env_port_range(), "47998-48020");
}

TEST_F(EnvTest, TakesEnvironment) {
  setenv("CONTROL_SERVER_PORT", "8011", 1);
  setenv("STREAMING_SERVER_PORT", "0", 1);
  setenv("STREAMING_START_ENDPOINT", "/stream", 1);
  setenv("STREAMING_PORT_BINDING_RANGE", "40000-40010", 1);
  EXPECT_EQ(nvcf::env_control_port(), 8011u);
  EXPECT_EQ(nvcf::env_streaming_port(), 0u);
  EXPECT_EQ(nvcf::env_start_endpoint(), "/stream");
  EXPECT_EQ(nvcf::env_port_range(), "40000-40010");
}

TEST_F(EnvTest, InvalidEnvironmentWarnsAndFallsBack) {
  setenv("CONTROL_SERVER_PORT", "http", 1);
  setenv("STREAMING_START_ENDPOINT", "sign_in", 1);
  setenv("STREAMING_PORT_BINDING_RANGE", "9-1", 1);
  std::string w1, w2, w3;
  EXPECT_EQ(nvcf::env_control_port(&w1), 8111u);
  EXPECT_NE(w1.find("CONTROL_SERVER_PORT"), std::string::npos);
  EXPECT_EQ(nvcf::env_start_endpoint(&w2), "/sign_in");
  EXPECT_FALSE(w2.empty());
  EXPECT_EQ(nvcf::env_port_range(&w3), "47998-48020");
  EXPECT_NE(w3.find("STREAMING_PORT_BINDING_RANGE"), std::string::npos);
}

/* The control API decisions, without sockets (the HTTP test covers the
 * same codes over the wire). */
TEST(ControlApi, Routing) {
  nvcf::HttpRequest rq;
  rq.method = "GET";
  rq.path = "/v1/streaming/ready";
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 200u);
  EXPECT_EQ(nvcf::control_handle(rq, 500, "{}").status, 500u);
  rq.method = "HEAD";
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 200u);
  rq.method = "PUT";
  auto r = nvcf::control_handle(rq, 200, "{}");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.allow, "GET, HEAD");
  rq.method = "GET";
  rq.path = "/v1/streaming/creds";
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 405u);
  rq.method = "POST";
  rq.content_type = "text/plain";
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 415u);
  rq.content_type = "application/json";
  rq.content_length = nvcf::kMaxControlBody + 1;
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 413u);
  rq.content_length = 0;
  rq.body = R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p"})";
  r = nvcf::control_handle(rq, 200, "{}");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"success":true})");
  ASSERT_TRUE(r.credentials);
  EXPECT_EQ(r.log.find("\"p\""), std::string::npos);
  rq.body = "{";
  r = nvcf::control_handle(rq, 200, "{}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_FALSE(r.credentials);
  rq.path = "/v1/other";
  EXPECT_EQ(nvcf::control_handle(rq, 200, "{}").status, 404u);
}
