/* nvcf-local's instances and gateway. Threads: one, the default main
 * context; nothing here locks. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nvcflocal {

struct Settings {
  /* What an instance runs: argv, to which the container environment and
   * the ports are given as NVCF gives them (CONTROL_SERVER_PORT,
   * STREAMING_SERVER_PORT, STREAMING_START_ENDPOINT). */
  std::vector<std::string> instance_command;
  /* TURN credentials posted to every ready instance, HMAC-derived from a
   * secret shared with coturn (use-auth-secret), as NVCF does; rotated
   * every rotate_s. Empty secret: none posted. */
  std::string turn_host = "127.0.0.1";
  unsigned turn_port = 3478;
  std::string turn_secret;
  unsigned rotate_s = 300;
  /* How long an instance whose client dropped uncleanly waits for the same
   * request id (NVCF waits at least 30 s). */
  unsigned resume_window_s = 30;
};

/* One streamer process of a deployment: a fresh one replaces it when it
 * exits, as a fresh container would. */
struct Instance {
  std::string function_id, version_id;
  int number = 0;
  GSubprocess* process = nullptr;
  unsigned control_port = 0, streaming_port = 0;
  bool ready = false;          // /v1/streaming/ready answered 200 last time
  std::string request_id;      // the client it serves; "" = free
  bool connected = false;      // that client's socket is open
  gint64 resume_until_us = 0;  // dropped uncleanly: held for request_id until then
  unsigned restarts = 0;
  gint64 creds_posted_us = 0;
};

class Instances {
 public:
  explicit Instances(Settings settings);
  ~Instances();

  /* Start count instances of a deployed function version with its
   * environment, signalling endpoint and health check path (polled on
   * each instance's CONTROL_SERVER_PORT). */
  void deploy(const std::string& function_id, const std::string& version_id, unsigned count,
              const std::vector<std::pair<std::string, std::string>>& environment,
              const std::string& endpoint, const std::string& health_uri);
  void undeploy(const std::string& version_id);

  /* The instance serving request_id, or a ready free one of function_id
   * (then reserved for request_id); nullptr when none. */
  Instance* route(const std::string& function_id, const std::string& request_id);
  /* The client of inst closed: cleanly (the session is over) or not (it
   * may come back within the resume window). */
  void client_closed(Instance* inst, bool clean);
  const std::string& endpoint_of(const Instance* inst) const;
  /* {"instances":[{...}]} for GET /v2/nvcf/local/instances. */
  std::string describe() const;

 private:
  struct Deployment {
    std::string function_id, version_id, endpoint;
    std::string health_uri;  // as the function declares it
    std::vector<std::pair<std::string, std::string>> environment;
    std::list<Instance> instances;
  };
  void start(Deployment& d, Instance& inst);
  static gboolean poll_cb(gpointer self);
  void poll();
  void post_credentials(Instance& inst);
  static void on_exit(GObject* source, GAsyncResult* res, gpointer data);

  Settings settings_;
  std::map<std::string, Deployment> deployments_;  // by version id
  SoupSession* http_ = nullptr;
  guint timer_ = 0;
  int next_number_ = 1;
};

/* The gateway: WebSocket at any path (the function's inferenceUrl), with
 * Authorization and Function-ID from headers or subprotocol tokens, each
 * new client routed to a free ready instance, the request id issued
 * (nvcf-reqid header, nvcf-request-id cookie) and looked up in NVCF's
 * order, and the WebSocket tunnelled both ways. */
class Gateway {
 public:
  Gateway(Instances* instances, std::function<bool(const std::string&)> known_function);
  ~Gateway();
  bool listen(const std::string& address, unsigned port, GError** error);
  unsigned port() const;

  struct Tunnel;

 private:
  static void handler(SoupServer*, SoupServerMessage*, const char*, GHashTable*, gpointer);
  Instances* instances_;
  std::function<bool(const std::string&)> known_function_;
  SoupServer* server_ = nullptr;
  SoupSession* session_ = nullptr;
  std::list<std::unique_ptr<Tunnel>> tunnels_;
};

}  // namespace nvcflocal
