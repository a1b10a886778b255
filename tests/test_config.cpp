/* Port range parsing and environment defaults. */
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.h"
#include "core/control.h"

#include <optional>
#include <vector>

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
  for (const char* bad : {"", "abc", "48020-47998", "80-90", "1000-2000", "2000-70000", "1-", "-5",
                          "100000", "5000-6000-7000", "5000:6000"}) {
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
namespace {

struct FakeStreamer {
  unsigned ready = 200;
  std::optional<nvcf::Credentials> stored;
  std::vector<std::pair<std::string, bool>> ended;
  nvcf::ControlHooks hooks() {
    nvcf::ControlHooks h;
    h.readiness = [this](unsigned* status, std::string* json) {
      *status = ready;
      *json = ready == 200 ? R"({"state":"ready"})" : R"({"state":"busy"})";
    };
    h.credentials = [this](const nvcf::Credentials& c) { stored = c; };
    h.end_session = [this](const std::string& id, bool graceful) -> std::optional<std::string> {
      ended.emplace_back(id, graceful);
      if (id != "s1")
        return std::nullopt;
      return std::string(graceful ? "COMPLETE" : "AWAITING_RESUME");
    };
    return h;
  }
};

nvcf::HttpRequest request(const char* method, const char* path, const char* type = "",
                          std::string_view body = {}) {
  nvcf::HttpRequest rq;
  rq.method = method;
  rq.path = path;
  rq.content_type = type;
  rq.body = body;
  return rq;
}

}  // namespace

TEST(ControlApi, Ready) {
  FakeStreamer f;
  auto r = nvcf::control_handle(request("GET", "/v1/streaming/ready"), f.hooks());
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"state":"ready"})");
  f.ready = 500;
  EXPECT_EQ(nvcf::control_handle(request("HEAD", "/v1/streaming/ready"), f.hooks()).status, 500u);
  r = nvcf::control_handle(request("PUT", "/v1/streaming/ready"), f.hooks());
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.allow, "GET, HEAD");
}

TEST(ControlApi, Credentials) {
  FakeStreamer f;
  const char* good = R"({"stunIp":"1.2.3.4","stunPort":3478,"username":"u","password":"p"})";
  EXPECT_EQ(nvcf::control_handle(request("GET", "/v1/streaming/creds"), f.hooks()).status, 405u);
  EXPECT_EQ(
      nvcf::control_handle(request("POST", "/v1/streaming/creds", "text/plain", good), f.hooks())
          .status,
      415u);
  auto rq = request("POST", "/v1/streaming/creds", "application/json", good);
  rq.content_length = nvcf::kMaxControlBody + 1;
  EXPECT_EQ(nvcf::control_handle(rq, f.hooks()).status, 413u);
  EXPECT_FALSE(f.stored);
  auto r = nvcf::control_handle(request("POST", "/v1/streaming/creds", "application/json", good),
                                f.hooks());
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"success":true})");
  ASSERT_TRUE(f.stored);
  EXPECT_EQ(f.stored->stun_ip, "1.2.3.4");
  EXPECT_EQ(r.log.find("\"p\""), std::string::npos);
  f.stored.reset();
  r = nvcf::control_handle(request("POST", "/v1/streaming/creds", "application/json", "{"),
                           f.hooks());
  EXPECT_EQ(r.status, 400u);
  EXPECT_FALSE(f.stored);
  EXPECT_EQ(nvcf::control_handle(request("GET", "/v1/other"), f.hooks()).status, 404u);
}

TEST(ControlApi, EndSession) {
  FakeStreamer f;
  const char* path = "/v1/streaming/endsession";
  auto r = nvcf::control_handle(
      request("POST", path, "application/json", R"({"sessionId":"s1","gracefulShutdown":true})"),
      f.hooks());
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"sessionStatus":"COMPLETE"})");
  r = nvcf::control_handle(
      request("POST", path, "application/json", R"({"sessionId":"s1","gracefulShutdown":false})"),
      f.hooks());
  EXPECT_EQ(r.body, R"({"sessionStatus":"AWAITING_RESUME"})");
  /* gracefulShutdown is optional and defaults to a graceful end. */
  r = nvcf::control_handle(request("POST", path, "application/json", R"({"sessionId":"s1"})"),
                           f.hooks());
  EXPECT_EQ(r.body, R"({"sessionStatus":"COMPLETE"})");
  ASSERT_EQ(f.ended.size(), 3u);
  EXPECT_EQ(f.ended[1], std::make_pair(std::string("s1"), false));

  r = nvcf::control_handle(request("POST", path, "application/json", R"({"sessionId":"nope"})"),
                           f.hooks());
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(r.body.find("no such session"), std::string::npos);

  f.ended.clear();
  for (const char* bad : {"{", "[]", "{}", R"({"sessionId":""})", R"({"sessionId":5})",
                          R"({"sessionId":"s1","gracefulShutdown":"yes"})"}) {
    r = nvcf::control_handle(request("POST", path, "application/json", bad), f.hooks());
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_NE(r.body.find("\"success\":false"), std::string::npos) << bad;
  }
  EXPECT_TRUE(f.ended.empty());  // bad bodies end nothing
  EXPECT_EQ(nvcf::control_handle(request("GET", path), f.hooks()).status, 405u);
  EXPECT_EQ(nvcf::control_handle(request("POST", path, "text/plain", "{}"), f.hooks()).status,
            415u);
}
