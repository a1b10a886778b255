/* Function creation and deployment: the request bodies NVCF expects
 * (core/functions), nvcf-function building and sending them, and
 * nvcf-local receiving, checking and keeping them. */
#include <gtest/gtest.h>

#include "core/functions.h"
#include "nvcfjson.h"
#include "nvcfproc.h"

using namespace nvcftest;

namespace {

const char* kKey = "nvapi-TESTKEY-0123456789abcdef";

nvcf::FunctionSpec sample() {
  nvcf::FunctionSpec s;
  s.name = "gst-nvcf-demo";
  s.container_image = "nvcr.io/acme/gst-nvcf:1.0";
  s.environment = {{"NVCF_PIPELINE", "default"}, {"GST_DEBUG", "2"}};
  return s;
}

}  // namespace

/* Every field NVCF asks of a streaming function, as the seed's sample
 * lists them. */
TEST(Functions, CreateBodyHasNvcfsFields) {
  Json j = expect_object(nvcf::function_request_json(sample()));
  EXPECT_EQ(j["name"].str(), "gst-nvcf-demo");
  EXPECT_EQ(j["inferenceUrl"].str(), "/sign_in");
  EXPECT_EQ(j["inferencePort"].num(), 49100);
  EXPECT_EQ(j["health"]["protocol"].str(), "HTTP");
  EXPECT_EQ(j["health"]["uri"].str(), "/v1/streaming/ready");
  EXPECT_EQ(j["health"]["port"].num(), 8111);
  EXPECT_EQ(j["health"]["timeout"].str(), "PT10S");
  EXPECT_EQ(j["health"]["expectedStatusCode"].num(), 200);
  EXPECT_EQ(j["containerImage"].str(), "nvcr.io/acme/gst-nvcf:1.0");
  EXPECT_EQ(j["apiBodyFormat"].str(), "CUSTOM");
  EXPECT_EQ(j["description"].str(), "gst-nvcf-demo");
  EXPECT_EQ(j["functionType"].str(), "STREAMING");
  EXPECT_EQ(j["containerEnvironment"][0u]["key"].str(), "NVCF_PIPELINE");
  EXPECT_EQ(j["containerEnvironment"][1u]["value"].str(), "2");
  /* And it reads back the same. */
  std::string error;
  auto back = nvcf::parse_function_request(j.text(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->environment, sample().environment);
}

/* The seed's sample body has one closing brace too many: refused. */
TEST(Functions, SeedsExtraBraceIsRefused) {
  std::string seed = nvcf::function_request_json(sample()) + "\n}";
  std::string error;
  EXPECT_FALSE(nvcf::parse_function_request(seed, &error));
  EXPECT_NE(error.find("malformed JSON"), std::string::npos) << error;
}

TEST(Functions, ValidationNamesTheField) {
  std::string error;
  auto s = sample();
  s.container_image.clear();
  EXPECT_FALSE(nvcf::validate(s, &error));
  EXPECT_NE(error.find("container image"), std::string::npos);
  s = sample();
  s.name = "has space";
  EXPECT_FALSE(nvcf::validate(s, &error));
  s = sample();
  s.health_timeout = "10s";
  EXPECT_FALSE(nvcf::validate(s, &error));
  EXPECT_NE(error.find("PT10S"), std::string::npos);
  nvcf::DeploymentSpec d;
  EXPECT_FALSE(nvcf::validate(d, &error));
  EXPECT_NE(error.find("GPU"), std::string::npos);
  d.gpu = "L40S";
  d.instance_type = "gl40s_1.br25_2xlarge";
  d.min_instances = 2;
  EXPECT_FALSE(nvcf::validate(d, &error)) << "min above max";
  for (const char* bad :
       {R"({"name":"x","inferenceUrl":"/s","inferencePort":1,"containerImage":"i",)"
        R"("functionType":"DEFAULT","apiBodyFormat":"CUSTOM","health":{}})",
        R"({"name":"x","inferenceUrl":"/s","inferencePort":"1"})"})
    EXPECT_FALSE(nvcf::parse_function_request(bad, &error)) << bad;
}

TEST(Functions, DeploymentBody) {
  nvcf::DeploymentSpec d;
  d.gpu = "L40S";
  d.instance_type = "gl40s_1.br25_2xlarge";
  d.max_instances = 3;
  Json j = expect_object(nvcf::deployment_request_json(d));
  Json spec = j["deploymentSpecifications"][0u];
  EXPECT_EQ(spec["gpu"].str(), "L40S");
  EXPECT_EQ(spec["instanceType"].str(), "gl40s_1.br25_2xlarge");
  EXPECT_EQ(spec["minInstances"].num(), 1);
  EXPECT_EQ(spec["maxInstances"].num(), 3);
  EXPECT_EQ(spec["maxRequestConcurrency"].num(), 1);
  EXPECT_FALSE(spec["backend"].exists());
  std::string error;
  EXPECT_TRUE(nvcf::parse_deployment_request(j.text(), &error)) << error;
}

TEST(Functions, MaskedKey) {
  EXPECT_EQ(nvcf::mask_secret(kKey), "nvapi-...cdef");
  EXPECT_EQ(nvcf::mask_secret("short"), "***");
}

/* nvcf-function against nvcf-local: create, list, deploy, delete, with
 * every field of what nvcf-local received checked, the dry run sending
 * nothing, a wrong key refused, and the key in no output. */
TEST(Functions, CreateDeployListDeleteThroughNvcfLocal) {
  Child local("nvcf-local");
  ASSERT_TRUE(local.start(
      {NVCF_LOCAL_PATH, "--port", "0", "--gateway-port", "0", "--instance-command", "sleep 60"},
      {{"NVCF_API_KEY", kKey}}));
  std::string line = local.line("nvcf-local: function API on http://", 10000);
  ASSERT_FALSE(line.empty()) << local.describe();
  std::string url = line.substr(line.find("http://"));
  std::map<std::string, std::string> env = {{"NVCF_API_KEY", kKey}, {"NVCF_API_URL", url}};
  std::string outputs;
  auto fn = [&](std::vector<std::string> args, const std::map<std::string, std::string>& e) {
    args.insert(args.begin(), NVCF_FUNCTION_PATH);
    Finished f = run(args, 20000, e);
    outputs += f.out + f.err;
    return f;
  };

  Finished dry = fn({"create", "--dry-run", "--name", "demo", "--image", "nvcr.io/acme/x:1"}, env);
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Authorization: Bearer nvapi-...cdef"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find(url + "/v2/nvcf/functions"), std::string::npos) << dry.out;

  Finished created = fn({"create", "--name", "demo", "--image", "nvcr.io/acme/x:1", "--env",
                         "NVCF_PIPELINE=default", "--health-port", "8011"},
                        env);
  ASSERT_EQ(created.code, 0) << created.err;
  Json f = expect_object(created.out)["function"];
  std::string id = f["id"].str(), vid = f["versionId"].str();
  ASSERT_FALSE(id.empty());
  ASSERT_FALSE(vid.empty());

  Finished listed = fn({"list"}, env);
  ASSERT_EQ(listed.code, 0) << listed.err;
  Json all = expect_object(listed.out)["functions"];
  ASSERT_EQ(all.size(), 1u) << "the dry run sent something: " << listed.out;
  Json got = all[0u];
  EXPECT_EQ(got["name"].str(), "demo");
  EXPECT_EQ(got["description"].str(), "demo");
  EXPECT_EQ(got["inferenceUrl"].str(), "/sign_in");
  EXPECT_EQ(got["inferencePort"].num(), 49100);
  EXPECT_EQ(got["health"]["protocol"].str(), "HTTP");
  EXPECT_EQ(got["health"]["uri"].str(), "/v1/streaming/ready");
  EXPECT_EQ(got["health"]["port"].num(), 8011);
  EXPECT_EQ(got["health"]["timeout"].str(), "PT10S");
  EXPECT_EQ(got["health"]["expectedStatusCode"].num(), 200);
  EXPECT_EQ(got["containerImage"].str(), "nvcr.io/acme/x:1");
  EXPECT_EQ(got["apiBodyFormat"].str(), "CUSTOM");
  EXPECT_EQ(got["functionType"].str(), "STREAMING");
  EXPECT_EQ(got["containerEnvironment"][0u]["key"].str(), "NVCF_PIPELINE");
  EXPECT_EQ(got["containerEnvironment"][0u]["value"].str(), "default");
  EXPECT_EQ(got["status"].str(), "INACTIVE");

  Finished deployed = fn({"deploy", "--function-id", id, "--version-id", vid, "--gpu", "L40S",
                          "--instance-type", "gl40s_1.br25_2xlarge", "--max", "2"},
                         env);
  ASSERT_EQ(deployed.code, 0) << deployed.err;
  EXPECT_EQ(expect_object(deployed.out)["deployment"]["functionStatus"].str(), "DEPLOYING");
  Json spec = expect_object(
      fn({"list"}, env).out)["functions"][0u]["deployment"]["deploymentSpecifications"][0u];
  EXPECT_EQ(spec["gpu"].str(), "L40S");
  EXPECT_EQ(spec["instanceType"].str(), "gl40s_1.br25_2xlarge");
  EXPECT_EQ(spec["minInstances"].num(), 1);
  EXPECT_EQ(spec["maxInstances"].num(), 2);
  EXPECT_EQ(spec["maxRequestConcurrency"].num(), 1);

  Finished wrong =
      fn({"list"}, {{"NVCF_API_KEY", "nvapi-wrong-key-000000000"}, {"NVCF_API_URL", url}});
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  Finished unknown = fn({"deploy", "--function-id", id, "--version-id", "nope", "--gpu", "L40S",
                         "--instance-type", "t"},
                        env);
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.err.find("404"), std::string::npos) << unknown.err;

  Finished deleted = fn({"delete", "--function-id", id, "--version-id", vid}, env);
  EXPECT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_EQ(expect_object(fn({"list"}, env).out)["functions"].size(), 0u);

  local.stop();
  outputs += local.out() + local.err();
  EXPECT_EQ(outputs.find(kKey), std::string::npos) << "the API key was printed";
  EXPECT_EQ(outputs.find("TESTKEY"), std::string::npos) << "part of the API key was printed";
}

/* Bad arguments are refused before anything is sent. */
TEST(Functions, BadArgumentsExitTwo) {
  std::map<std::string, std::string> env = {{"NVCF_API_KEY", kKey},
                                            {"NVCF_API_URL", "http://127.0.0.1:9"}};
  for (std::vector<std::string> args :
       {std::vector<std::string>{"create", "--name", "x"},
        {"deploy", "--function-id", "a"},
        {"frobnicate"},
        {"create", "--name", "x", "--image", "i", "--env", "NOEQUALS"}}) {
    args.insert(args.begin(), NVCF_FUNCTION_PATH);
    Finished f = run(args, 10000, env);
    EXPECT_EQ(f.code, 2) << args[1] << ": " << f.err;
    EXPECT_FALSE(f.err.empty());
  }
  Finished nokey = run({NVCF_FUNCTION_PATH, "list"}, 10000, {{"NVCF_API_KEY", ""}});
  EXPECT_EQ(nokey.code, 2);
  EXPECT_NE(nokey.err.find("NVCF_API_KEY"), std::string::npos);
}
