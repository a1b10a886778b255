/* NVCF's function API, the part a streaming function uses: the body that
 * creates a function and the one that deploys it. One schema for both
 * sides: nvcf-function builds the requests, nvcf-local reads and checks
 * them. Pure C++. Field names follow NVCF's REST API
 * (POST /v2/nvcf/functions,
 * POST /v2/nvcf/deployments/functions/{id}/versions/{versionId}). */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nvcf {

struct FunctionSpec {
  std::string name;
  std::string description;  // "" = the name
  std::string inference_url = "/sign_in";
  unsigned inference_port = 49100;
  std::string health_uri = "/v1/streaming/ready";
  unsigned health_port = 8111;
  std::string health_timeout = "PT10S";  // ISO 8601 duration
  unsigned health_expected_status = 200;
  std::string container_image;
  /* containerEnvironment: [{"key","value"}], in order. */
  std::vector<std::pair<std::string, std::string>> environment;
};

struct DeploymentSpec {
  std::string gpu;            // e.g. "L40S"
  std::string instance_type;  // e.g. "gl40s_1.br25_2xlarge"
  std::string backend;        // cluster group, e.g. "GFN"; "" = none
  unsigned min_instances = 1;
  unsigned max_instances = 1;
  /* Streaming functions serve one viewer per instance. */
  unsigned max_request_concurrency = 1;
};

/* Whether spec can be sent; otherwise *error says which field and why. */
bool validate(const FunctionSpec& spec, std::string* error);
bool validate(const DeploymentSpec& spec, std::string* error);

/* The JSON bodies NVCF expects (functionType STREAMING, apiBodyFormat
 * CUSTOM, health over HTTP). */
std::string function_request_json(const FunctionSpec& spec);
std::string deployment_request_json(const DeploymentSpec& spec);

/* The other way, for a server: a body read back into a spec, checked as
 * NVCF would (types, required fields, functionType STREAMING,
 * apiBodyFormat CUSTOM); nullopt with *error otherwise. */
std::optional<FunctionSpec> parse_function_request(std::string_view json, std::string* error);
std::optional<DeploymentSpec> parse_deployment_request(std::string_view json, std::string* error);

/* An API key for logs and --dry-run: its first 6 and last 4 characters,
 * all of it hidden when shorter than 16. */
std::string mask_secret(const std::string& secret);

}  // namespace nvcf
