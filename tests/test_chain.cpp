/* The whole way in on one machine, as issue 9 lays it out: Chromium ->
 * the HAProxy proxy (docker/proxy/run-local, haproxy 2.6) -> nvcf-local's
 * gateway -> a streamer instance, with TURN credentials nvcf-local derives
 * for a real coturn. Refusals at the proxy, frames in the browser, resume
 * through the whole chain to the same instance, the exit policy bringing
 * a fresh instance, and no secret in any log. */
#include <gtest/gtest.h>

#include <glib.h>

#include "nvcfjson.h"
#include "nvcfproc.h"
#include "nvcftest.h"
#include "nvcfturn.h"
#include "nvcfws.h"
#include "nvcfsecrets.h"

using namespace nvcftest;

namespace {

const std::string kKey = nvcftest::secrets::kChainApiKey;
const std::string kTurnSecret = nvcftest::secrets::kChainTurnSecret;
const std::string kJwtSecret = nvcftest::secrets::kChainJwtSecret;

std::string b64url(const std::string& data) {
  gchar* b = g_base64_encode(reinterpret_cast<const guchar*>(data.data()), data.size());
  std::string s = b;
  g_free(b);
  for (char& c : s)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  return s;
}

/* An HS256 JWT for payload. */
std::string jwt(const std::string& payload, const std::string& secret = kJwtSecret) {
  std::string head = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(payload);
  GHmac* h =
      g_hmac_new(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(secret.data()), secret.size());
  g_hmac_update(h, reinterpret_cast<const guchar*>(head.data()), head.size());
  guint8 digest[32];
  gsize len = sizeof digest;
  g_hmac_get_digest(h, digest, &len);
  g_hmac_unref(h);
  return head + "." + b64url(std::string(reinterpret_cast<char*>(digest), len));
}

std::string claims(const std::string& function_id, gint64 exp_offset_s) {
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  return R"({"sub":"alice","functions":[")" + function_id + R"("],"exp":)" +
         std::to_string(now + exp_offset_s) + "}";
}

}  // namespace

TEST(Chain, ChromiumThroughProxyAndNvcfLocal) {
  PEERS_REQUIRE({"ws", "playwright-core"}, {"chromium", "turnserver", "haproxy"});
  init();
  Coturn turn(Coturn::secret(kTurnSecret), "62600-62799");
  ASSERT_TRUE(turn.start()) << turn.describe();

  Child local("nvcf-local");
  std::string command = std::string("'") + NVCF_STREAMER_PATH +
                        "' 'videotestsrc is-live=true ! "
                        "video/x-raw,width=160,height=120,framerate=15/1 ! nvcfwebrtcsink "
                        "ice-addresses=127.0.0.1 video-encoder=x264enc resume-timeout=20'";
  ASSERT_TRUE(
      local.start({NVCF_LOCAL_PATH, "--port", "0", "--gateway-port", "0", "--instance-command",
                   command, "--turn-port", std::to_string(turn.port), "--resume-window", "20"},
                  {{"NVCF_API_KEY", kKey}, {"NVCF_LOCAL_TURN_SECRET", kTurnSecret}}));
  std::string g = local.line("nvcf-local: gateway on ws://127.0.0.1:", 10000);
  std::string a = local.line("nvcf-local: function API on http://", 10000);
  ASSERT_FALSE(g.empty() || a.empty()) << local.describe();
  std::string gateway = g.substr(g.rfind(':') + 1);
  std::string api_url = a.substr(a.find("http://"));
  unsigned api = std::stoul(api_url.substr(api_url.rfind(':') + 1));
  auto fn = [&](std::vector<std::string> args) {
    args.insert(args.begin(), NVCF_FUNCTION_PATH);
    return run(args, 20000, {{"NVCF_API_KEY", kKey}, {"NVCF_API_URL", api_url}});
  };
  Finished created = fn({"create", "--name", "chain", "--image", "local/gst-nvcf"});
  ASSERT_EQ(created.code, 0) << created.err;
  Json f = expect_object(created.out)["function"];
  std::string id = f["id"].str(), vid = f["versionId"].str();
  ASSERT_EQ(fn({"deploy", "--function-id", id, "--version-id", vid, "--gpu", "L40S",
                "--instance-type", "local"})
                .code,
            0);
  auto instance = [&] {
    return Json::parse(http(api, "GET", "/v2/nvcf/local/instances").body)["instances"][0u];
  };
  ASSERT_TRUE(wait_until([&] { return instance()["ready"].boolean(); }, 30000, 200))
      << local.describe();

  unsigned proxy_port = free_port();
  Child proxy("proxy");
  ASSERT_TRUE(proxy.start({std::string(NVCF_SOURCE_ROOT) + "/docker/proxy/run-local"},
                          {{"NVCF_API_KEY", kKey},
                           {"STREAMING_FUNCTION_ID", id},
                           {"STREAMING_FUNCTION_VERSION_ID", vid},
                           {"NVCF_SERVER", "127.0.0.1"},
                           {"NVCF_SERVER_PORT", gateway},
                           {"NVCF_SERVER_TLS", "false"},
                           {"PROXY_PORT", std::to_string(proxy_port)},
                           {"PROXY_BIND_ADDR", "127.0.0.1"},
                           {"PROXY_JWT_SECRET", kJwtSecret}}));
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(proxy_port); }, 10000)) << proxy.describe();

  /* Refusals, at the proxy. */
  EXPECT_EQ(http(proxy_port, "GET", "/sign_in").status, 401u) << "no token";
  EXPECT_EQ(http(proxy_port, "GET", "/sign_in?token=" + jwt(claims(id, -60))).status, 401u)
      << "expired token";
  EXPECT_EQ(
      http(proxy_port, "GET", "/sign_in?token=" + jwt(claims(id, 600), "not-the-secret")).status,
      401u)
      << "forged token";
  EXPECT_EQ(http(proxy_port, "GET", "/sign_in?token=" + jwt(claims("someone-else", 600))).status,
            403u)
      << "another user's function";

  /* Chromium, with its token as a subprotocol, watches; its socket drops
   * and the page comes back through the whole chain to the same session. */
  std::string token = jwt(claims(id, 600));
  Child viewer("chromium");
  ASSERT_TRUE(viewer.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                            "ws://127.0.0.1:" + std::to_string(proxy_port) + "/sign_in",
                            "--subprotocol", "authorization." + token, "--expect-codec", "H264",
                            "--drop", "--frames", "31", "--timeout", "50"}));
  Json r = viewer.json(70000);
  ASSERT_TRUE(r.is_object()) << viewer.describe() << local.describe() << proxy.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_TRUE(r["resumed"].boolean()) << r.text();
  EXPECT_GT(r["framesDecoded"].number(), 30) << "frames after the resume: " << r.text();
  /* Both connections reached instance 1, and it had not exited between
   * them (the viewer's session may be over by now, so read the log). */
  std::string log = local.out();
  size_t first = log.find("to instance 1\n");
  size_t second = first == std::string::npos ? first : log.find("to instance 1\n", first + 1);
  size_t exited = log.find("instance 1 exited");
  EXPECT_NE(second, std::string::npos) << "the resume did not reach instance 1:\n" << log;
  EXPECT_TRUE(exited == std::string::npos || exited > second)
      << "instance 1 restarted before the resume:\n"
      << log;
  EXPECT_EQ(log.find("to instance 2\n"), std::string::npos) << log;
  EXPECT_FALSE(local.line("nvcf-local: instance 1: TURN credentials posted", 1000).empty());

  /* The viewer leaves: the instance exits (exit policy) and a fresh one
   * becomes ready. */
  viewer.stop();
  EXPECT_TRUE(wait_until(
      [&] {
        Json i = instance();
        return i["restarts"].num() == 1 && i["ready"].boolean();
      },
      40000, 200))
      << instance().text();

  proxy.stop();
  local.stop();
  turn.proc->stop();
  std::string all = local.out() + local.err() + proxy.out() + proxy.err() + viewer.out() +
                    viewer.err() + turn.proc->out() + created.out + created.err;
  EXPECT_EQ(all.find(kKey), std::string::npos) << "the API key was printed";
  EXPECT_EQ(all.find(kTurnSecret), std::string::npos) << "the TURN secret was printed";
  EXPECT_EQ(all.find(kJwtSecret), std::string::npos) << "the JWT secret was printed";
}
