/* NVCF's function API bodies: see functions.h. */
#include "functions.h"

#include <json-glib/json-glib.h>

#include <functional>

#include "config.h"
#include "json.h"

namespace nvcf {

namespace {

std::string build(const std::function<void(JsonBuilder*)>& fill) {
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  fill(b);
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  std::string out = json::to_string(root);
  json_node_unref(root);
  g_object_unref(b);
  return out;
}

void member(JsonBuilder* b, const char* key, const std::string& value) {
  json_builder_set_member_name(b, key);
  json_builder_add_string_value(b, value.c_str());
}

void member(JsonBuilder* b, const char* key, unsigned value) {
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, value);
}

bool fail(std::string* error, const std::string& why) {
  if (error)
    *error = why;
  return false;
}

bool valid_port(unsigned port) {
  return port >= 1 && port <= 65535;
}

/* PT<n>S or PT<n>M, as NVCF writes health timeouts. */
bool valid_duration(const std::string& d) {
  if (d.size() < 4 || d.compare(0, 2, "PT") != 0 || (d.back() != 'S' && d.back() != 'M'))
    return false;
  for (size_t i = 2; i + 1 < d.size(); i++)
    if (d[i] < '0' || d[i] > '9')
      return false;
  return true;
}

/* A required string member, or a reason. */
bool take_string(JsonObject* o, const char* key, std::string* out, std::string* error,
                 bool required = true) {
  if (!json::has(o, key))
    return !required || fail(error, std::string("missing \"") + key + "\"");
  auto v = json::get_string(o, key);
  if (!v)
    return fail(error, std::string("\"") + key + "\" must be a string");
  *out = *v;
  return true;
}

bool take_uint(JsonObject* o, const char* key, unsigned* out, std::string* error,
               bool required = true) {
  if (!json::has(o, key))
    return !required || fail(error, std::string("missing \"") + key + "\"");
  auto v = json::get_int(o, key);
  if (!v || *v < 0 || *v > 0xffffffffLL)
    return fail(error, std::string("\"") + key + "\" must be a non-negative integer");
  *out = static_cast<unsigned>(*v);
  return true;
}

}  // namespace

bool validate(const FunctionSpec& s, std::string* error) {
  if (s.name.empty())
    return fail(error, "the function needs a name");
  for (char c : s.name)
    if (!(g_ascii_isalnum(c) || c == '-' || c == '_'))
      return fail(error, "function name \"" + s.name + "\": letters, digits, '-' and '_' only");
  if (s.container_image.empty())
    return fail(error, "the function needs a container image");
  if (!valid_endpoint(s.inference_url))
    return fail(error, "inferenceUrl \"" + s.inference_url + "\" must start with '/'");
  if (!valid_endpoint(s.health_uri))
    return fail(error, "health uri \"" + s.health_uri + "\" must start with '/'");
  if (!valid_port(s.inference_port) || !valid_port(s.health_port))
    return fail(error, "inferencePort and health port must be 1-65535");
  if (!valid_duration(s.health_timeout))
    return fail(error, "health timeout \"" + s.health_timeout + "\" must be like PT10S");
  for (const auto& [key, value] : s.environment)
    if (key.empty())
      return fail(error, "containerEnvironment: an entry has no key");
  return true;
}

bool validate(const DeploymentSpec& s, std::string* error) {
  if (s.gpu.empty())
    return fail(error, "the deployment needs a GPU (--gpu)");
  if (s.instance_type.empty())
    return fail(error, "the deployment needs an instance type (--instance-type)");
  if (s.max_instances < 1 || s.min_instances > s.max_instances)
    return fail(error, "instances: need 0 <= min <= max and max >= 1");
  if (s.max_request_concurrency < 1)
    return fail(error, "maxRequestConcurrency must be at least 1");
  return true;
}

std::string function_request_json(const FunctionSpec& s) {
  return build([&](JsonBuilder* b) {
    member(b, "name", s.name);
    member(b, "inferenceUrl", s.inference_url);
    member(b, "inferencePort", s.inference_port);
    json_builder_set_member_name(b, "health");
    json_builder_begin_object(b);
    member(b, "protocol", std::string("HTTP"));
    member(b, "uri", s.health_uri);
    member(b, "port", s.health_port);
    member(b, "timeout", s.health_timeout);
    member(b, "expectedStatusCode", s.health_expected_status);
    json_builder_end_object(b);
    member(b, "containerImage", s.container_image);
    member(b, "apiBodyFormat", std::string("CUSTOM"));
    member(b, "description", s.description.empty() ? s.name : s.description);
    member(b, "functionType", std::string("STREAMING"));
    if (!s.environment.empty()) {
      json_builder_set_member_name(b, "containerEnvironment");
      json_builder_begin_array(b);
      for (const auto& [key, value] : s.environment) {
        json_builder_begin_object(b);
        member(b, "key", key);
        member(b, "value", value);
        json_builder_end_object(b);
      }
      json_builder_end_array(b);
    }
  });
}

std::string deployment_request_json(const DeploymentSpec& s) {
  return build([&](JsonBuilder* b) {
    json_builder_set_member_name(b, "deploymentSpecifications");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    member(b, "gpu", s.gpu);
    member(b, "instanceType", s.instance_type);
    if (!s.backend.empty())
      member(b, "backend", s.backend);
    member(b, "minInstances", s.min_instances);
    member(b, "maxInstances", s.max_instances);
    member(b, "maxRequestConcurrency", s.max_request_concurrency);
    json_builder_end_object(b);
    json_builder_end_array(b);
  });
}

std::optional<FunctionSpec> parse_function_request(std::string_view text, std::string* error) {
  auto doc = json::parse_object(text, error);
  if (!doc)
    return std::nullopt;
  JsonObject* o = doc->root;
  FunctionSpec s;
  std::string type, format;
  if (!take_string(o, "name", &s.name, error) ||
      !take_string(o, "inferenceUrl", &s.inference_url, error) ||
      !take_uint(o, "inferencePort", &s.inference_port, error) ||
      !take_string(o, "containerImage", &s.container_image, error) ||
      !take_string(o, "functionType", &type, error) ||
      !take_string(o, "apiBodyFormat", &format, error) ||
      !take_string(o, "description", &s.description, error, false))
    return std::nullopt;
  if (type != "STREAMING") {
    fail(error, "functionType must be STREAMING for a streaming function, not \"" + type + "\"");
    return std::nullopt;
  }
  if (format != "CUSTOM") {
    fail(error, "apiBodyFormat must be CUSTOM, not \"" + format + "\"");
    return std::nullopt;
  }
  JsonObject* h = json::get_object(o, "health");
  if (!h) {
    fail(error, "missing \"health\" object");
    return std::nullopt;
  }
  std::string protocol;
  if (!take_string(h, "protocol", &protocol, error) ||
      !take_string(h, "uri", &s.health_uri, error) ||
      !take_uint(h, "port", &s.health_port, error) ||
      !take_string(h, "timeout", &s.health_timeout, error) ||
      !take_uint(h, "expectedStatusCode", &s.health_expected_status, error))
    return std::nullopt;
  if (protocol != "HTTP") {
    fail(error, "health protocol must be HTTP");
    return std::nullopt;
  }
  if (json::has(o, "containerEnvironment")) {
    JsonNode* n = json_object_get_member(o, "containerEnvironment");
    if (!JSON_NODE_HOLDS_ARRAY(n)) {
      fail(error, "\"containerEnvironment\" must be an array");
      return std::nullopt;
    }
    JsonArray* a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonNode* e = json_array_get_element(a, i);
      JsonObject* eo = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : nullptr;
      std::string key, value;
      if (!eo || !take_string(eo, "key", &key, error) || !take_string(eo, "value", &value, error)) {
        if (error)
          *error = "containerEnvironment[" + std::to_string(i) +
                   "]: " + (eo ? *error : std::string("must be an object"));
        return std::nullopt;
      }
      s.environment.emplace_back(key, value);
    }
  }
  if (!validate(s, error))
    return std::nullopt;
  return s;
}

std::optional<DeploymentSpec> parse_deployment_request(std::string_view text, std::string* error) {
  auto doc = json::parse_object(text, error);
  if (!doc)
    return std::nullopt;
  JsonNode* n = json_object_get_member(doc->root, "deploymentSpecifications");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n) || json_array_get_length(json_node_get_array(n)) != 1) {
    fail(error, "\"deploymentSpecifications\" must be an array of one specification");
    return std::nullopt;
  }
  JsonNode* e = json_array_get_element(json_node_get_array(n), 0);
  JsonObject* o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : nullptr;
  if (!o) {
    fail(error, "a deployment specification must be an object");
    return std::nullopt;
  }
  DeploymentSpec s;
  if (!take_string(o, "gpu", &s.gpu, error) ||
      !take_string(o, "instanceType", &s.instance_type, error) ||
      !take_string(o, "backend", &s.backend, error, false) ||
      !take_uint(o, "minInstances", &s.min_instances, error) ||
      !take_uint(o, "maxInstances", &s.max_instances, error) ||
      !take_uint(o, "maxRequestConcurrency", &s.max_request_concurrency, error) ||
      !validate(s, error))
    return std::nullopt;
  return s;
}

std::string mask_secret(const std::string& secret) {
  if (secret.size() < 16)
    return std::string(secret.empty() ? "" : "***");
  return secret.substr(0, 6) + "..." + secret.substr(secret.size() - 4);
}

}  // namespace nvcf
