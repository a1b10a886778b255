/* nvcf-local's instances and gateway with real streamers: a deployment
 * starts nvcf-streamer instances, health-checks them and posts TURN
 * credentials; the gateway refuses clients without Authorization or with
 * an unknown function, routes one client per instance, issues the request
 * id, tunnels signalling both ways, brings a dropped client back to the
 * same instance, and replaces an instance that exited after its session. */
#include <gtest/gtest.h>

#include "core/credentials.h"
#include "nvcfjson.h"
#include "nvcfproc.h"
#include "nvcftest.h"
#include "nvcfturn.h"
#include "nvcfws.h"
#include "nvcfsecrets.h"

using namespace nvcftest;

namespace {

const std::string kKey = nvcftest::secrets::kLocalApiKey;
const std::string kTurnSecret = nvcftest::secrets::kLocalTurnSecret;

struct Local {
  Child proc{"nvcf-local"};
  unsigned api = 0, gateway = 0;
  std::string url;

  /* sink_props: more nvcfwebrtcsink properties; turn_port: coturn's. */
  bool start(const std::string& sink_props = "", unsigned turn_port = 3478) {
    std::string command = std::string("'") + NVCF_STREAMER_PATH +
                          "' 'videotestsrc is-live=true ! "
                          "video/x-raw,width=160,height=120,framerate=15/1 ! nvcfwebrtcsink "
                          "ice-addresses=127.0.0.1 video-encoder=x264enc resume-timeout=10 " +
                          sink_props + "'";
    if (!proc.start({NVCF_LOCAL_PATH, "--port", "0", "--gateway-port", "0", "--instance-command",
                     command, "--resume-window", "10", "--turn-port", std::to_string(turn_port)},
                    {{"NVCF_API_KEY", kKey}, {"NVCF_LOCAL_TURN_SECRET", kTurnSecret}}))
      return false;
    std::string g = proc.line("nvcf-local: gateway on ws://127.0.0.1:", 10000);
    std::string a = proc.line("nvcf-local: function API on http://", 10000);
    if (g.empty() || a.empty())
      return false;
    gateway = std::stoul(g.substr(g.rfind(':') + 1));
    url = a.substr(a.find("http://"));
    api = std::stoul(url.substr(url.rfind(':') + 1));
    return true;
  }
  Finished function(std::vector<std::string> args) {
    args.insert(args.begin(), NVCF_FUNCTION_PATH);
    return run(args, 20000, {{"NVCF_API_KEY", kKey}, {"NVCF_API_URL", url}});
  }
  /* Creates and deploys a function; its id, or "" after a failure. */
  std::string deploy(const std::string& name) {
    Finished created = function({"create", "--name", name, "--image", "local/gst-nvcf"});
    EXPECT_EQ(created.code, 0) << created.err;
    Json f = Json::parse(created.out)["function"];
    Finished deployed =
        function({"deploy", "--function-id", f["id"].str(), "--version-id", f["versionId"].str(),
                  "--gpu", "L40S", "--instance-type", "local"});
    EXPECT_EQ(deployed.code, 0) << deployed.err;
    return created.code == 0 && deployed.code == 0 ? f["id"].str() : "";
  }
  Json instances() {
    return Json::parse(http(api, "GET", "/v2/nvcf/local/instances").body)["instances"];
  }
  bool wait_ready(unsigned restarts, unsigned ms) {
    return wait_until(
        [&] {
          Json i = instances();
          return i.size() == 1 && i[0u]["ready"].boolean() &&
                 i[0u]["restarts"].num() == int64_t(restarts);
        },
        ms, 200);
  }
};

}  // namespace

TEST(NvcfLocal, GatewayRoutesTunnelsResumesAndRestarts) {
  init();
  Local local;
  ASSERT_TRUE(local.start()) << local.proc.describe();
  Finished created = local.function({"create", "--name", "demo", "--image", "local/gst-nvcf"});
  ASSERT_EQ(created.code, 0) << created.err;
  Json f = expect_object(created.out)["function"];
  std::string id = f["id"].str(), vid = f["versionId"].str();

  /* Not deployed yet: the gateway does not know it. */
  WsClient early;
  EXPECT_FALSE(
      early.connect(local.gateway, "/sign_in", {},
                    {{"Authorization", std::string("Bearer ") + kKey}, {"Function-ID", id}}));

  Finished deployed = local.function({"deploy", "--function-id", id, "--version-id", vid, "--gpu",
                                      "L40S", "--instance-type", "local"});
  ASSERT_EQ(deployed.code, 0) << deployed.err;
  ASSERT_TRUE(local.wait_ready(0, 30000)) << local.instances().text() << local.proc.describe();
  /* TURN credentials go to the instance once it answers. */
  EXPECT_FALSE(local.proc.line("nvcf-local: instance 1: TURN credentials posted", 5000).empty());

  WsClient none;
  EXPECT_FALSE(none.connect(local.gateway, "/sign_in", {}, {{"Function-ID", id}}))
      << "no Authorization, yet connected";
  WsClient wrong;
  EXPECT_FALSE(wrong.connect(local.gateway, "/sign_in", {},
                             {{"Authorization", "Bearer nvapi-not-the-key"}, {"Function-ID", id}}))
      << "a wrong API key was let in";
  /* A refusal that quotes what the client sent is still JSON. */
  Finished odd = run(
      {program("curl"), "-s", "-H", std::string("Authorization: Bearer ") + kKey, "-H",
       "Function-ID: a\"b\\c", "http://127.0.0.1:" + std::to_string(local.gateway) + "/sign_in"},
      10000);
  Json refused = Json::parse(odd.out);
  EXPECT_EQ(refused["status"].num(), 404) << odd.out;
  EXPECT_NE(refused["detail"].str().find("a\"b\\c"), std::string::npos) << odd.out;
  WsClient other;
  EXPECT_FALSE(
      other.connect(local.gateway, "/sign_in", {},
                    {{"Authorization", std::string("Bearer ") + kKey}, {"Function-ID", "nope"}}));

  /* Headers: the streamer's welcome comes through the tunnel. */
  WsClient a;
  ASSERT_TRUE(a.connect(local.gateway, "/sign_in", {},
                        {{"Authorization", std::string("Bearer ") + kKey}, {"Function-ID", id}}))
      << a.error();
  auto welcome = a.next_message(10000);
  ASSERT_TRUE(welcome.has_value());
  EXPECT_EQ(welcome->type(), "welcome") << welcome->text;
  std::string request = local.instances()[0u]["requestId"].str();
  EXPECT_FALSE(request.empty());

  /* One client per instance: a second one is refused while a is on. */
  WsClient b;
  EXPECT_FALSE(b.connect(local.gateway, "/sign_in",
                         {std::string("authorization.") + kKey, "function-id." + id}));
  a.close();
  ASSERT_TRUE(wait_until([&] { return local.instances()[0u]["requestId"].str().empty(); }, 5000))
      << "a clean close did not free the instance";

  /* Subprotocol tokens, as a browser sends them; a session starts. */
  WsClient c;
  ASSERT_TRUE(
      c.connect(local.gateway, "/sign_in",
                {std::string("authorization.") + kKey, "function-id." + id, "nvcf-reqid.req-77"}))
      << c.error();
  auto hello = c.next_message(10000);
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->type(), "welcome");
  std::string producer = producer_id(c);
  std::string sid = start_session(c, producer);
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(local.instances()[0u]["requestId"].str(), "req-77");
  c.abort();

  /* The dropped client comes back with its request id to the same
   * instance, and gets the same session. */
  WsClient d;
  ASSERT_TRUE(
      d.connect(local.gateway, "/sign_in", {"function-id." + id},
                {{"Authorization", std::string("Bearer ") + kKey}, {"nvcf-reqid", "req-77"}}))
      << d.error();
  ASSERT_TRUE(d.next_message(10000).has_value());
  EXPECT_EQ(start_session(d, producer), sid);
  EXPECT_EQ(local.instances()[0u]["restarts"].num(), 0);

  /* The session ends: the streamer exits (its exit policy), and a fresh
   * instance takes its place and becomes ready. */
  d.send_text(R"({"type":"endSession","sessionId":")" + sid + "\"}");
  d.close();
  EXPECT_TRUE(local.wait_ready(1, 40000)) << local.instances().text();

  local.proc.stop();
  std::string all = local.proc.out() + local.proc.err() + created.out + created.err;
  EXPECT_EQ(all.find(kKey), std::string::npos) << "the API key was printed";
  EXPECT_EQ(all.find(kTurnSecret), std::string::npos) << "the TURN secret was printed";
}

/* Chromium through the gateway to an instance that may send media only
 * through TURN (ice-transport-policy=relay, creds-use=turn), with the
 * credentials nvcf-local derived from the secret it shares with a real
 * coturn (use-auth-secret): frames decode only if those credentials work. */
TEST(NvcfLocal, ChromiumThroughGatewayOverRestTurn) {
  PEERS_REQUIRE({"ws", "playwright-core"}, {"chromium", "turnserver"});
  init();
  Coturn turn(Coturn::secret(kTurnSecret), "62400-62599");
  ASSERT_TRUE(turn.start()) << turn.describe();
  Local local;
  ASSERT_TRUE(local.start("ice-transport-policy=relay creds-use=turn", turn.port))
      << local.proc.describe();
  std::string id = local.deploy("relay");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(local.wait_ready(0, 30000)) << local.instances().text();
  ASSERT_FALSE(local.proc.line("nvcf-local: instance 1: TURN credentials posted", 5000).empty());

  /* The viewer relays too, with REST credentials of its own from the same
   * secret, so every packet crosses coturn on 127.0.0.1. */
  nvcf::Credentials mine = nvcf::rest_credentials(
      kTurnSecret, "viewer", g_get_real_time() / G_USEC_PER_SEC + 600, "127.0.0.1", turn.port);
  std::string ice = R"({"iceServers":[{"urls":"turn:127.0.0.1:)" + std::to_string(turn.port) +
                    R"(","username":")" + mine.username + R"(","credential":")" + mine.password +
                    R"("}],"iceTransportPolicy":"relay"})";
  Child viewer("chromium");
  viewer.set_secret_args({mine.password});
  ASSERT_TRUE(
      viewer.start({program("node"), e2e_path("chromium-viewer.mjs"), "--signalling",
                    "ws://127.0.0.1:" + std::to_string(local.gateway) + "/sign_in", "--subprotocol",
                    std::string("authorization.") + kKey + ",function-id." + id, "--expect-codec",
                    "H264", "--frames", "31", "--timeout", "40", "--ice", ice}));
  Json r = viewer.json(60000);
  ASSERT_TRUE(r.is_object()) << viewer.describe() << local.proc.describe();
  EXPECT_TRUE(r["ok"].boolean()) << r.text() << "\n" << viewer.describe();
  EXPECT_GT(r["framesDecoded"].number(), 30) << r.text() << "\ncoturn: " << turn.describe();
  EXPECT_TRUE(g_str_has_prefix(r["candidatePair"]["remote"].str().c_str(), "relay")) << r.text();
  viewer.stop();
  local.proc.stop();
  /* The viewer was handed the key itself (the proxy's job, tested in
   * test_chain): only nvcf-local's output must not show it. */
  std::string all = local.proc.out() + local.proc.err();
  EXPECT_EQ(all.find(kTurnSecret), std::string::npos) << "the TURN secret was printed";
  EXPECT_EQ(all.find(kKey), std::string::npos) << "the API key was printed";
}

/* nvcf-local killed outright (no chance to stop its instances): the
 * instance goes with it, its control port closed, rather than holding its
 * ports (or, as a container, staying behind) for good. */
TEST(NvcfLocal, InstanceEndsWhenNvcfLocalIsKilled) {
  init();
  Local local;
  ASSERT_TRUE(local.start()) << local.proc.describe();
  ASSERT_FALSE(local.deploy("demo").empty());
  ASSERT_TRUE(local.wait_ready(0, 30000)) << local.instances().text() << local.proc.describe();
  unsigned control = unsigned(local.instances()[0u]["controlPort"].num());
  ASSERT_EQ(ready(control, 5).status, 200u);

  local.proc.signal(SIGKILL);
  EXPECT_TRUE(wait_until([&] { return ready(control, 1).status == 0; }, 10000, 100))
      << "the instance outlived nvcf-local";
}
