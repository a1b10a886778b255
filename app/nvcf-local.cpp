/* nvcf-local: NVCF's part, played on one machine. This first piece is the
 * function API subset a streaming function uses (create, list, show the
 * versions, deploy, delete), kept in memory and checked with the same
 * schema nvcf-function builds from (core/functions.h). Instances, the
 * gateway and TURN credentials are not here yet.
 *
 *   nvcf-local [--port 8080] [--address 127.0.0.1]
 *
 * Every request needs "Authorization: Bearer <key>"; with NVCF_API_KEY set
 * the key must match it. The key is never printed. Threads: one, the
 * default main context. */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <glib-unix.h>

#include <csignal>
#include <vector>
#include <algorithm>
#include <map>
#include <string>

#include "core/functions.h"
#include "core/json.h"
#include "nvcflocal.h"

namespace {

struct Function {
  std::string id, version_id;
  JsonNode* body = nullptr;        // the create request, as received
  JsonNode* deployment = nullptr;  // the deployment request, once deployed
};

std::map<std::string, Function> functions;  // by version id
GMainLoop* loop = nullptr;
nvcflocal::Instances* instances = nullptr;

void reply(SoupServerMessage* msg, guint status, const std::string& json) {
  soup_server_message_set_status(msg, status, nullptr);
  if (!json.empty())
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json.data(),
                                     json.size());
}

void refuse(SoupServerMessage* msg, guint status, const std::string& detail) {
  g_printerr("nvcf-local: %s %s: %u %s\n", soup_server_message_get_method(msg),
             g_uri_get_path(soup_server_message_get_uri(msg)), status, detail.c_str());
  reply(msg, status,
        "{\"status\":" + std::to_string(status) + ",\"detail\":" + nvcf::json::quote(detail) + "}");
}

/* The function as NVCF shows it: the request's fields with its ids and
 * status. */
std::string describe(const Function& f) {
  JsonNode* node = json_node_copy(f.body);
  JsonObject* o = json_node_get_object(node);
  json_object_set_string_member(o, "id", f.id.c_str());
  json_object_set_string_member(o, "versionId", f.version_id.c_str());
  json_object_set_string_member(o, "status", f.deployment ? "DEPLOYING" : "INACTIVE");
  if (f.deployment)
    json_object_set_member(o, "deployment", json_node_copy(f.deployment));
  std::string text = nvcf::json::to_string(node);
  json_node_unref(node);
  return text;
}

std::string body_of(SoupServerMessage* msg) {
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  GBytes* bytes = soup_message_body_flatten(body);
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  std::string text(data ? data : "", size);
  g_bytes_unref(bytes);
  return text;
}

bool authorized(SoupServerMessage* msg) {
  const char* auth =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
  if (!auth || !g_str_has_prefix(auth, "Bearer ") || !auth[7])
    return false;
  const char* want = g_getenv("NVCF_API_KEY");
  return !want || !*want || g_strcmp0(auth + 7, want) == 0;
}

void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer) {
  std::string method = soup_server_message_get_method(msg);
  /* nvcf-local's own view of its instances holds no secret: open, for
   * people and tests. */
  if (g_str_has_prefix(path, "/v2/nvcf/local/") && method == "GET" &&
      g_str_equal(path, "/v2/nvcf/local/instances"))
    return reply(msg, 200, instances->describe());
  if (!authorized(msg))
    return refuse(msg, 401, "missing or wrong Authorization: Bearer <api key>");
  gchar** parts = g_strsplit(path, "/", -1);
  std::vector<std::string> p;
  for (gchar** s = parts; *s; s++)
    if (**s)
      p.push_back(*s);
  g_strfreev(parts);
  auto is = [&](std::initializer_list<const char*> want) {
    if (p.size() != want.size())
      return false;
    size_t i = 0;
    for (const char* w : want) {
      if (*w != '*' && p[i] != w)
        return false;
      i++;
    }
    return true;
  };
  std::string error;

  if (is({"v2", "nvcf", "functions"})) {
    if (method == "GET") {
      std::string list;
      for (auto& [vid, f] : functions)
        list += (list.empty() ? "" : ",") + describe(f);
      return reply(msg, 200, "{\"functions\":[" + list + "]}");
    }
    if (method != "POST")
      return refuse(msg, 405, "use GET or POST");
    std::string text = body_of(msg);
    if (!nvcf::parse_function_request(text, &error))
      return refuse(msg, 400, error);
    Function f;
    gchar* id = g_uuid_string_random();
    gchar* vid = g_uuid_string_random();
    f.id = id;
    f.version_id = vid;
    g_free(id);
    g_free(vid);
    f.body = json_from_string(text.c_str(), nullptr);
    g_print("nvcf-local: created function %s version %s\n", f.id.c_str(), f.version_id.c_str());
    std::string shown = describe(f);
    functions[f.version_id] = f;
    return reply(msg, 200, "{\"function\":" + shown + "}");
  }
  if (is({"v2", "nvcf", "local", "instances"}))
    return reply(msg, 200, instances->describe());
  if (is({"v2", "nvcf", "functions", "*", "versions"})) {
    if (method != "GET")
      return refuse(msg, 405, "use GET");
    std::string list;
    for (auto& [vid, f] : functions)
      if (f.id == p[3])
        list += (list.empty() ? "" : ",") + describe(f);
    if (list.empty())
      return refuse(msg, 404, "no function " + p[3]);
    return reply(msg, 200, "{\"functions\":[" + list + "]}");
  }
  if (is({"v2", "nvcf", "functions", "*", "versions", "*"})) {
    auto it = functions.find(p[5]);
    if (it == functions.end() || it->second.id != p[3])
      return refuse(msg, 404, "no function " + p[3] + " version " + p[5]);
    if (method == "GET")
      return reply(msg, 200, "{\"function\":" + describe(it->second) + "}");
    if (method != "DELETE")
      return refuse(msg, 405, "use GET or DELETE");
    json_node_unref(it->second.body);
    if (it->second.deployment)
      json_node_unref(it->second.deployment);
    functions.erase(it);
    instances->undeploy(p[5]);
    g_print("nvcf-local: deleted function %s version %s\n", p[3].c_str(), p[5].c_str());
    return reply(msg, 204, "");
  }
  if (is({"v2", "nvcf", "deployments", "functions", "*", "versions", "*"})) {
    if (method != "POST")
      return refuse(msg, 405, "use POST");
    auto it = functions.find(p[6]);
    if (it == functions.end() || it->second.id != p[4])
      return refuse(msg, 404, "no function " + p[4] + " version " + p[6]);
    std::string text = body_of(msg);
    if (!nvcf::parse_deployment_request(text, &error))
      return refuse(msg, 400, error);
    if (it->second.deployment)
      json_node_unref(it->second.deployment);
    it->second.deployment = json_from_string(text.c_str(), nullptr);
    g_print("nvcf-local: deploying function %s version %s\n", p[4].c_str(), p[6].c_str());
    {
      auto spec = nvcf::parse_function_request(nvcf::json::to_string(it->second.body), nullptr);
      auto dep = nvcf::parse_deployment_request(text, nullptr);
      /* minInstances run at once; at least one, so a viewer can connect. */
      instances->deploy(p[4], p[6], std::max(1u, dep->min_instances), spec->environment,
                        spec->inference_url, spec->health_uri);
    }
    JsonNode* d = json_node_copy(it->second.deployment);
    JsonObject* o = json_node_get_object(d);
    json_object_set_string_member(o, "functionId", p[4].c_str());
    json_object_set_string_member(o, "functionVersionId", p[6].c_str());
    json_object_set_string_member(o, "functionStatus", "DEPLOYING");
    std::string shown = nvcf::json::to_string(d);
    json_node_unref(d);
    return reply(msg, 200, "{\"deployment\":" + shown + "}");
  }
  refuse(msg, 404, "no such endpoint");
}

}  // namespace

int main(int argc, char** argv) {
  gint port = 8080, gateway_port = 8081, turn_port = 3478, resume_window = 30;
  /* GOption fills these with copies; freed on every return. */
  g_autofree gchar* address = nullptr;
  g_autofree gchar* command = nullptr;
  g_autofree gchar* turn_host = nullptr;
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "Port of the function API (8080; 0 = free)", "PORT"},
      {"gateway-port", 0, 0, G_OPTION_ARG_INT, &gateway_port,
       "Port of the gateway, the function's invocation WebSocket (8081; 0 = free)", "PORT"},
      {"address", 0, 0, G_OPTION_ARG_STRING, &address, "Address to bind (127.0.0.1)", "ADDR"},
      {"instance-command", 0, 0, G_OPTION_ARG_STRING, &command,
       "What an instance runs (default: nvcf-streamer)", "COMMAND"},
      {"turn-host", 0, 0, G_OPTION_ARG_STRING, &turn_host,
       "TURN server the posted credentials name (127.0.0.1)", "HOST"},
      {"turn-port", 0, 0, G_OPTION_ARG_INT, &turn_port, "Its port (3478)", "PORT"},
      {"resume-window", 0, 0, G_OPTION_ARG_INT, &resume_window,
       "Seconds a dropped client's instance waits for its request id (30)", "S"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };
  GOptionContext* ctx = g_option_context_new("");
  g_option_context_set_summary(ctx,
                               "NVCF's function API on one machine, for local runs and tests.");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || port < 0 || port > 65535) {
    g_printerr("nvcf-local: %s\n", error ? error->message : "bad --port");
    g_clear_error(&error);
    g_option_context_free(ctx);
    return 2;
  }
  g_option_context_free(ctx);

  nvcflocal::Settings settings;
  gchar** argvp = nullptr;
  if (!g_shell_parse_argv(command ? command : "nvcf-streamer", nullptr, &argvp, &error)) {
    g_printerr("nvcf-local: --instance-command: %s\n", error->message);
    return 2;
  }
  for (gchar** a = argvp; *a; a++)
    settings.instance_command.push_back(*a);
  g_strfreev(argvp);
  if (turn_host)
    settings.turn_host = turn_host;
  settings.turn_port = turn_port;
  /* The secret shared with coturn (use-auth-secret): from the environment
   * only, so it shows in no process list. */
  if (const char* secret = g_getenv("NVCF_LOCAL_TURN_SECRET"))
    settings.turn_secret = secret;
  settings.resume_window_s = resume_window > 0 ? resume_window : 0;
  nvcflocal::Instances local_instances(settings);
  instances = &local_instances;
  nvcflocal::Gateway gateway(&local_instances, [](const std::string& function_id) {
    for (auto& [vid, f] : functions)
      if (f.id == function_id && f.deployment)
        return true;
    return false;
  });

  SoupServer* server = soup_server_new("server-header", "nvcf-local", nullptr);
  soup_server_add_handler(server, "/", on_request, nullptr, nullptr);
  GInetAddress* inet = g_inet_address_new_from_string(address ? address : "127.0.0.1");
  if (!inet) {
    g_printerr("nvcf-local: --address %s is not an IP address\n", address);
    return 2;
  }
  GSocketAddress* sa = g_inet_socket_address_new(inet, port);
  g_object_unref(inet);
  if (!soup_server_listen(server, sa, (SoupServerListenOptions)0, &error)) {
    g_printerr("nvcf-local: cannot listen: %s\n", error->message);
    return 1;
  }
  g_object_unref(sa);
  GSList* uris = soup_server_get_uris(server);
  guint bound = uris ? g_uri_get_port(static_cast<GUri*>(uris->data)) : 0;
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  if (!gateway.listen(address ? address : "127.0.0.1", gateway_port, &error)) {
    g_printerr("nvcf-local: gateway cannot listen: %s\n", error->message);
    return 1;
  }
  g_print("nvcf-local: gateway on ws://%s:%u\n", address ? address : "127.0.0.1", gateway.port());
  g_print("nvcf-local: function API on http://%s:%u\n", address ? address : "127.0.0.1", bound);

  loop = g_main_loop_new(nullptr, FALSE);
  for (int sig : {SIGINT, SIGTERM})
    g_unix_signal_add(
        sig,
        [](gpointer) -> gboolean {
          g_main_loop_quit(loop);
          return G_SOURCE_REMOVE;
        },
        nullptr);
  g_main_loop_run(loop);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
