/* nvcf-function: creates, deploys, lists and deletes an NVCF streaming
 * function through NVCF's REST API, or through nvcf-local when --api-url
 * (or NVCF_API_URL) points at it.
 *
 *   nvcf-function create --name NAME --image IMAGE [--env KEY=VALUE ...]
 *   nvcf-function deploy --function-id ID --version-id VID --gpu GPU
 *                        --instance-type TYPE [--min 1 --max 1]
 *   nvcf-function list
 *   nvcf-function delete --function-id ID --version-id VID
 *
 * The API key comes from NVCF_API_KEY and is never printed: --dry-run shows
 * the request with the key masked and sends nothing. Bodies are built and
 * checked by the core (core/functions.h), so what is sent is valid JSON
 * with every field NVCF asks of a streaming function. */
#include <libsoup/soup.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/functions.h"

namespace {

constexpr const char* kDefaultApiUrl = "https://api.nvcf.nvidia.com";

struct Request {
  std::string method, url, body;
};

int fail(const std::string& message, int code = 1) {
  g_printerr("nvcf-function: %s\n", message.c_str());
  return code;
}

void print_request(const Request& r, const std::string& key) {
  g_print("%s %s\nAuthorization: Bearer %s\n", r.method.c_str(), r.url.c_str(),
          nvcf::mask_secret(key).c_str());
  if (!r.body.empty())
    g_print("Content-Type: application/json\n\n%s\n", r.body.c_str());
}

/* Sends r; prints the answer's body; 0 on a 2xx answer. */
int send(const Request& r, const std::string& key) {
  SoupSession* session = soup_session_new();
  soup_session_set_timeout(session, 30);
  SoupMessage* msg = soup_message_new(r.method.c_str(), r.url.c_str());
  if (!msg) {
    g_object_unref(session);
    return fail("not a valid URL: " + r.url);
  }
  SoupMessageHeaders* h = soup_message_get_request_headers(msg);
  soup_message_headers_replace(h, "Authorization", ("Bearer " + key).c_str());
  soup_message_headers_replace(h, "Accept", "application/json");
  if (!r.body.empty()) {
    GBytes* body = g_bytes_new(r.body.data(), r.body.size());
    soup_message_set_request_body_from_bytes(msg, "application/json", body);
    g_bytes_unref(body);
  }
  GError* error = nullptr;
  GBytes* reply = soup_session_send_and_read(session, msg, nullptr, &error);
  int rc = 0;
  if (!reply) {
    rc = fail(std::string("cannot reach ") + r.url + ": " + error->message);
    g_clear_error(&error);
  } else {
    guint status = soup_message_get_status(msg);
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(reply, &size));
    std::string text(data ? data : "", size);
    if (status < 200 || status > 299)
      rc = fail("NVCF answered " + std::to_string(status) + ": " + text);
    else
      g_print("%s\n", text.c_str());
    g_bytes_unref(reply);
  }
  g_object_unref(msg);
  g_object_unref(session);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  /* GOption fills these with copies; freed on every return. */
  g_autofree gchar* name = nullptr;
  g_autofree gchar* image = nullptr;
  g_autofree gchar* description = nullptr;
  g_autofree gchar* api_url = nullptr;
  g_autofree gchar* function_id = nullptr;
  g_autofree gchar* version_id = nullptr;
  g_autofree gchar* gpu = nullptr;
  g_autofree gchar* instance_type = nullptr;
  g_autofree gchar* backend = nullptr;
  g_autofree gchar* inference_url = nullptr;
  g_autofree gchar* health_uri = nullptr;
  g_auto(GStrv) env = nullptr;
  gint inference_port = nvcf::kDefaultStreamingPort, health_port = nvcf::kDefaultControlPort;
  gint min_instances = 1, max_instances = 1, concurrency = 1;
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
      {"api-url", 0, 0, G_OPTION_ARG_STRING, &api_url,
       "NVCF API base URL (default $NVCF_API_URL, else https://api.nvcf.nvidia.com; an "
       "nvcf-local address for local runs)",
       "URL"},
      {"dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Print the request (key masked), send nothing",
       nullptr},
      {"name", 0, 0, G_OPTION_ARG_STRING, &name, "create: function name", "NAME"},
      {"image", 0, 0, G_OPTION_ARG_STRING, &image, "create: container image", "IMAGE"},
      {"description", 0, 0, G_OPTION_ARG_STRING, &description, "create: description", "TEXT"},
      {"inference-url", 0, 0, G_OPTION_ARG_STRING, &inference_url,
       "create: signalling path (/sign_in)", "PATH"},
      {"inference-port", 0, 0, G_OPTION_ARG_INT, &inference_port, "create: streaming port (49100)",
       "PORT"},
      {"health-uri", 0, 0, G_OPTION_ARG_STRING, &health_uri,
       "create: readiness path (/v1/streaming/ready)", "PATH"},
      {"health-port", 0, 0, G_OPTION_ARG_INT, &health_port, "create: control port (8111)", "PORT"},
      {"env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &env, "create: container environment, repeatable",
       "KEY=VALUE"},
      {"function-id", 0, 0, G_OPTION_ARG_STRING, &function_id, "deploy/delete: function id", "ID"},
      {"version-id", 0, 0, G_OPTION_ARG_STRING, &version_id, "deploy/delete: version id", "ID"},
      {"gpu", 0, 0, G_OPTION_ARG_STRING, &gpu, "deploy: GPU, e.g. L40S", "GPU"},
      {"instance-type", 0, 0, G_OPTION_ARG_STRING, &instance_type, "deploy: instance type", "TYPE"},
      {"backend", 0, 0, G_OPTION_ARG_STRING, &backend, "deploy: backend (cluster group)", "NAME"},
      {"min", 0, 0, G_OPTION_ARG_INT, &min_instances, "deploy: minimum instances (1)", "N"},
      {"max", 0, 0, G_OPTION_ARG_INT, &max_instances, "deploy: maximum instances (1)", "N"},
      {"max-request-concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency,
       "deploy: viewers per instance (1)", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };
  GOptionContext* ctx = g_option_context_new("create|deploy|list|delete");
  g_option_context_set_summary(ctx,
                               "Creates and deploys an NVCF streaming function (NVCF_API_KEY).");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    int rc = fail(error->message, 2);
    g_clear_error(&error);
    g_option_context_free(ctx);
    return rc;
  }
  g_option_context_free(ctx);
  if (argc != 2)
    return fail("give one command: create, deploy, list or delete (--help)", 2);
  std::string command = argv[1];
  auto str = [](const gchar* s) { return std::string(s ? s : ""); };

  std::string base = str(api_url);
  if (base.empty())
    base = str(g_getenv("NVCF_API_URL"));
  if (base.empty())
    base = kDefaultApiUrl;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  std::string key = str(g_getenv("NVCF_API_KEY"));
  if (key.empty() && !dry_run)
    return fail("NVCF_API_KEY is not set", 2);

  Request r;
  std::string why;
  if (command == "create") {
    nvcf::FunctionSpec s;
    s.name = str(name);
    s.container_image = str(image);
    s.description = str(description);
    if (inference_url)
      s.inference_url = inference_url;
    if (health_uri)
      s.health_uri = health_uri;
    s.inference_port = inference_port > 0 ? inference_port : 0;
    s.health_port = health_port > 0 ? health_port : 0;
    for (gchar** e = env; e && *e; e++) {
      const gchar* eq = strchr(*e, '=');
      if (!eq)
        return fail(std::string("--env ") + *e + ": expected KEY=VALUE", 2);
      s.environment.emplace_back(std::string(*e, eq - *e), eq + 1);
    }
    if (!nvcf::validate(s, &why))
      return fail(why, 2);
    r = {"POST", base + "/v2/nvcf/functions", nvcf::function_request_json(s)};
  } else if (command == "deploy") {
    if (!function_id || !version_id)
      return fail("deploy needs --function-id and --version-id", 2);
    nvcf::DeploymentSpec s;
    s.gpu = str(gpu);
    s.instance_type = str(instance_type);
    s.backend = str(backend);
    s.min_instances = min_instances < 0 ? 0 : min_instances;
    s.max_instances = max_instances < 0 ? 0 : max_instances;
    s.max_request_concurrency = concurrency < 0 ? 0 : concurrency;
    if (!nvcf::validate(s, &why))
      return fail(why, 2);
    r = {"POST", base + "/v2/nvcf/deployments/functions/" + function_id + "/versions/" + version_id,
         nvcf::deployment_request_json(s)};
  } else if (command == "list") {
    r = {"GET", base + "/v2/nvcf/functions", ""};
  } else if (command == "delete") {
    if (!function_id || !version_id)
      return fail("delete needs --function-id and --version-id", 2);
    r = {"DELETE", base + "/v2/nvcf/functions/" + function_id + "/versions/" + version_id, ""};
  } else {
    return fail("unknown command \"" + command + "\" (create, deploy, list, delete)", 2);
  }
  if (dry_run) {
    print_request(r, key);
    return 0;
  }
  return send(r, key);
}
