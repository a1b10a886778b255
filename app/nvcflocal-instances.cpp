/* nvcf-local's instances: see nvcflocal.h. */
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/credentials.h"
#include "nvcflocal.h"

namespace nvcflocal {

namespace {

/* A TCP port free on 127.0.0.1 now (0 when none). */
unsigned free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  unsigned port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

struct ExitData {
  Instances* self;
  std::string version_id;
  int number;
};

}  // namespace

Instances::Instances(Settings settings) : settings_(std::move(settings)) {
  http_ = soup_session_new_with_options("timeout", 2, NULL);
  timer_ = g_timeout_add(500, poll_cb, this);
}

Instances::~Instances() {
  g_source_remove(timer_);
  for (auto& [vid, d] : deployments_)
    for (auto& inst : d.instances)
      if (inst.process) {
        g_subprocess_send_signal(inst.process, SIGTERM);
        g_clear_object(&inst.process);
      }
  g_object_unref(http_);
}

void Instances::start(Deployment& d, Instance& inst) {
  inst.function_id = d.function_id;
  inst.version_id = d.version_id;
  inst.number = next_number_++;
  inst.control_port = free_tcp_port();
  inst.streaming_port = free_tcp_port();
  inst.ready = false;
  inst.request_id.clear();
  inst.connected = false;
  inst.resume_until_us = 0;
  inst.creds_posted_us = 0;
  GSubprocessLauncher* l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
  /* An instance never outlives us, even when we die without stopping it
   * (a crash, SIGKILL): it would hold its ports and, as a container, stay
   * behind. */
  g_subprocess_launcher_set_child_setup(
      l, [](gpointer) { prctl(PR_SET_PDEATHSIG, SIGTERM); }, nullptr, nullptr);
  for (const auto& [key, value] : d.environment)
    g_subprocess_launcher_setenv(l, key.c_str(), value.c_str(), TRUE);
  g_subprocess_launcher_setenv(l, "CONTROL_SERVER_PORT", std::to_string(inst.control_port).c_str(),
                               TRUE);
  g_subprocess_launcher_setenv(l, "STREAMING_SERVER_PORT",
                               std::to_string(inst.streaming_port).c_str(), TRUE);
  g_subprocess_launcher_setenv(l, "STREAMING_START_ENDPOINT", d.endpoint.c_str(), TRUE);
  /* What a container would be given, named for an instance command that
   * starts one (scripts/container-instance): a process inherits the rest
   * of our environment, a container must not. */
  std::string names = "CONTROL_SERVER_PORT,STREAMING_SERVER_PORT,STREAMING_START_ENDPOINT";
  for (const auto& kv : d.environment)
    names += "," + kv.first;
  g_subprocess_launcher_setenv(l, "NVCF_LOCAL_CONTAINER_ENV", names.c_str(), TRUE);
  std::vector<const gchar*> argv;
  for (const auto& a : settings_.instance_command)
    argv.push_back(a.c_str());
  argv.push_back(nullptr);
  GError* error = nullptr;
  inst.process = g_subprocess_launcher_spawnv(l, argv.data(), &error);
  g_object_unref(l);
  if (!inst.process) {
    g_printerr("nvcf-local: cannot start instance %d: %s\n", inst.number, error->message);
    g_clear_error(&error);
    return;
  }
  g_print("nvcf-local: instance %d of function %s: control port %u, streaming port %u\n",
          inst.number, d.function_id.c_str(), inst.control_port, inst.streaming_port);
  g_subprocess_wait_async(inst.process, nullptr, on_exit,
                          new ExitData{this, d.version_id, inst.number});
}

/* An instance that exited (after its session, under the exit policy) is
 * replaced by a fresh one while its deployment lasts. */
void Instances::on_exit(GObject*, GAsyncResult*, gpointer data) {
  auto* x = static_cast<ExitData*>(data);
  Instances* self = x->self;
  auto it = self->deployments_.find(x->version_id);
  if (it != self->deployments_.end()) {
    for (auto& inst : it->second.instances)
      if (inst.number == x->number) {
        g_print("nvcf-local: instance %d exited; starting a fresh one\n", inst.number);
        g_clear_object(&inst.process);
        unsigned restarts = inst.restarts + 1;
        self->start(it->second, inst);
        inst.restarts = restarts;
        break;
      }
  }
  delete x;
}

void Instances::deploy(const std::string& function_id, const std::string& version_id,
                       unsigned count,
                       const std::vector<std::pair<std::string, std::string>>& environment,
                       const std::string& endpoint, const std::string& health_uri) {
  undeploy(version_id);
  Deployment& d = deployments_[version_id];
  d.function_id = function_id;
  d.version_id = version_id;
  d.environment = environment;
  d.endpoint = endpoint.empty() ? "/sign_in" : endpoint;
  d.health_uri = health_uri.empty() ? "/v1/streaming/ready" : health_uri;
  for (unsigned i = 0; i < count; i++) {
    d.instances.emplace_back();
    start(d, d.instances.back());
  }
}

void Instances::undeploy(const std::string& version_id) {
  auto it = deployments_.find(version_id);
  if (it == deployments_.end())
    return;
  std::list<Instance> gone = std::move(it->second.instances);
  deployments_.erase(it);
  for (auto& inst : gone)
    if (inst.process) {
      g_subprocess_send_signal(inst.process, SIGTERM);
      g_clear_object(&inst.process);
    }
}

gboolean Instances::poll_cb(gpointer self) {
  static_cast<Instances*>(self)->poll();
  return G_SOURCE_CONTINUE;
}

/* The health check as NVCF runs it, and the resume window's end. */
void Instances::poll() {
  gint64 now = g_get_monotonic_time();
  for (auto& [vid, d] : deployments_)
    for (auto& inst : d.instances) {
      if (!inst.process)
        continue;
      if (!inst.request_id.empty() && !inst.connected && inst.resume_until_us &&
          now > inst.resume_until_us) {
        g_print("nvcf-local: instance %d: resume window over for request %s\n", inst.number,
                inst.request_id.c_str());
        inst.request_id.clear();
        inst.resume_until_us = 0;
      }
      std::string url = "http://127.0.0.1:" + std::to_string(inst.control_port) + d.health_uri;
      SoupMessage* msg = soup_message_new("GET", url.c_str());
      struct Check {
        Instances* self;
        std::string version_id;
        int number;
        SoupMessage* msg;
      };
      soup_session_send_and_read_async(
          http_, msg, G_PRIORITY_DEFAULT, nullptr,
          [](GObject* source, GAsyncResult* res, gpointer data) {
            auto* c = static_cast<Check*>(data);
            GBytes* body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, nullptr);
            guint status = body ? soup_message_get_status(c->msg) : 0;
            if (body)
              g_bytes_unref(body);
            auto it = c->self->deployments_.find(c->version_id);
            if (it != c->self->deployments_.end())
              for (auto& inst : it->second.instances)
                if (inst.number == c->number) {
                  bool was = inst.ready;
                  inst.ready = status == 200;
                  if (inst.ready && !was)
                    g_print("nvcf-local: instance %d ready\n", inst.number);
                  if (status && c->self->settings_.turn_secret.size() &&
                      (!inst.creds_posted_us ||
                       g_get_monotonic_time() - inst.creds_posted_us >
                           gint64(c->self->settings_.rotate_s) * G_USEC_PER_SEC))
                    c->self->post_credentials(inst);
                }
            g_object_unref(c->msg);
            delete c;
          },
          new Check{this, vid, inst.number, msg});
    }
}

/* Fresh TURN credentials, valid an hour, as NVCF posts them. */
void Instances::post_credentials(Instance& inst) {
  inst.creds_posted_us = g_get_monotonic_time();
  nvcf::Credentials c = nvcf::rest_credentials(settings_.turn_secret, "nvcf-local",
                                               g_get_real_time() / G_USEC_PER_SEC + 3600,
                                               settings_.turn_host, settings_.turn_port);
  std::string body = nvcf::credentials_json(c);
  std::string url = "http://127.0.0.1:" + std::to_string(inst.control_port) + "/v1/streaming/creds";
  SoupMessage* msg = soup_message_new("POST", url.c_str());
  GBytes* bytes = g_bytes_new(body.data(), body.size());
  soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  g_bytes_unref(bytes);
  int number = inst.number;
  soup_session_send_and_read_async(
      http_, msg, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* source, GAsyncResult* res, gpointer data) {
        GBytes* b = soup_session_send_and_read_finish(SOUP_SESSION(source), res, nullptr);
        if (b)
          g_bytes_unref(b);
        (void)data;
      },
      nullptr);
  g_print("nvcf-local: instance %d: TURN credentials posted for %s:%u (user %s)\n", number,
          settings_.turn_host.c_str(), settings_.turn_port, c.username.c_str());
  g_object_unref(msg);
}

Instance* Instances::route(const std::string& function_id, const std::string& request_id) {
  for (auto& [vid, d] : deployments_)
    for (auto& inst : d.instances)
      if (!request_id.empty() && inst.request_id == request_id && inst.function_id == function_id)
        return &inst;
  for (auto& [vid, d] : deployments_)
    if (d.function_id == function_id)
      for (auto& inst : d.instances)
        if (inst.ready && inst.request_id.empty()) {
          inst.request_id = request_id;
          return &inst;
        }
  return nullptr;
}

void Instances::client_closed(Instance* inst, bool clean) {
  inst->connected = false;
  if (clean) {
    inst->request_id.clear();
    inst->resume_until_us = 0;
  } else {
    inst->resume_until_us =
        g_get_monotonic_time() + gint64(settings_.resume_window_s) * G_USEC_PER_SEC;
  }
}

const std::string& Instances::endpoint_of(const Instance* inst) const {
  static const std::string fallback = "/sign_in";
  auto it = deployments_.find(inst->version_id);
  return it == deployments_.end() ? fallback : it->second.endpoint;
}

std::string Instances::describe() const {
  std::string out;
  for (const auto& [vid, d] : deployments_)
    for (const auto& inst : d.instances)
      out += std::string(out.empty() ? "" : ",") + "{\"number\":" + std::to_string(inst.number) +
             ",\"functionId\":\"" + inst.function_id + "\",\"versionId\":\"" + inst.version_id +
             "\",\"running\":" + (inst.process ? "true" : "false") +
             ",\"ready\":" + (inst.ready ? "true" : "false") +
             ",\"controlPort\":" + std::to_string(inst.control_port) +
             ",\"streamingPort\":" + std::to_string(inst.streaming_port) + ",\"requestId\":\"" +
             inst.request_id + "\",\"restarts\":" + std::to_string(inst.restarts) + "}";
  return "{\"instances\":[" + out + "]}";
}

}  // namespace nvcflocal
