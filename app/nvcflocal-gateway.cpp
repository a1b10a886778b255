/* nvcf-local's gateway: see nvcflocal.h. */
#include "core/identity.h"
#include "core/json.h"
#include "core/signalling.h"
#include "nvcflocal.h"

namespace nvcflocal {

namespace {

std::string header(SoupServerMessage* msg, const char* name) {
  const char* v = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), name);
  return v ? v : "";
}

void refuse(SoupServerMessage* msg, guint status, const std::string& why) {
  g_print("nvcf-local: gateway %s: %u %s\n", g_uri_get_path(soup_server_message_get_uri(msg)),
          status, why.c_str());
  /* why may quote what the client sent: escaped, so the body stays JSON. */
  std::string body =
      "{\"status\":" + std::to_string(status) + ",\"detail\":" + nvcf::json::quote(why) + "}";
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(),
                                   body.size());
}

}  // namespace

/* One client's WebSocket and its instance's, joined. Frames the client
 * sends before the instance answers wait in `early`. */
struct Gateway::Tunnel {
  Gateway* gateway;
  Instance* instance;
  std::string request_id;
  SoupWebsocketConnection* client = nullptr;
  SoupWebsocketConnection* upstream = nullptr;
  std::vector<std::pair<gint, GBytes*>> early;
  bool connecting = true;  // the upstream connect is in flight
  bool client_gone = false;
  bool client_clean = false;

  /* Frees this tunnel from an idle callback, once nothing is in flight. */
  void retire() {
    g_idle_add(
        [](gpointer d) -> gboolean {
          auto* t = static_cast<Tunnel*>(d);
          t->gateway->tunnels_.remove_if(
              [t](const std::unique_ptr<Tunnel>& u) { return u.get() == t; });
          return G_SOURCE_REMOVE;
        },
        this);
  }

  ~Tunnel() {
    for (auto& [type, b] : early)
      g_bytes_unref(b);
    for (auto* ws : {client, upstream})
      if (ws) {
        g_signal_handlers_disconnect_by_data(ws, this);
        g_object_unref(ws);
      }
  }
};

namespace {

void forward(SoupWebsocketConnection* to, gint type, GBytes* data) {
  if (!to || soup_websocket_connection_get_state(to) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  gsize size = 0;
  const char* p = static_cast<const char*>(g_bytes_get_data(data, &size));
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    soup_websocket_connection_send_text(to, std::string(p ? p : "", size).c_str());
  else
    soup_websocket_connection_send_binary(to, p, size);
}

}  // namespace

Gateway::Gateway(Instances* instances, std::function<bool(const std::string&)> known_function)
    : instances_(instances), known_function_(std::move(known_function)) {
  server_ = soup_server_new("server-header", "nvcf-local-gateway", nullptr);
  soup_server_add_handler(server_, nullptr, handler, this, nullptr);
  session_ = soup_session_new();
}

Gateway::~Gateway() {
  tunnels_.clear();
  g_object_unref(session_);
  g_object_unref(server_);
}

bool Gateway::listen(const std::string& address, unsigned port, GError** error) {
  GInetAddress* inet = g_inet_address_new_from_string(address.c_str());
  GSocketAddress* sa = g_inet_socket_address_new(inet, port);
  g_object_unref(inet);
  bool ok = soup_server_listen(server_, sa, (SoupServerListenOptions)0, error);
  g_object_unref(sa);
  return ok;
}

unsigned Gateway::port() const {
  GSList* uris = soup_server_get_uris(server_);
  unsigned p = uris ? g_uri_get_port(static_cast<GUri*>(uris->data)) : 0;
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  return p;
}

void Gateway::handler(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                      gpointer user_data) {
  auto* self = static_cast<Gateway*>(user_data);
  std::vector<std::string> tokens = nvcf::split_subprotocols(header(msg, "Sec-WebSocket-Protocol"));
  /* Browsers cannot set headers on a WebSocket: NVCF reads them from the
   * subprotocol tokens too. */
  std::string auth = header(msg, "Authorization");
  if (auth.empty())
    auth = nvcf::subprotocol_value(tokens, "authorization").value_or("");
  std::string function_id = header(msg, "Function-ID");
  if (function_id.empty())
    function_id = nvcf::subprotocol_value(tokens, "function-id").value_or("");
  if (auth.empty())
    return refuse(msg, 401, "missing Authorization");
  /* With an API key configured, it must be that one (a subprotocol token
   * may carry it with or without "Bearer"). */
  if (const char* key = g_getenv("NVCF_API_KEY"); key && *key) {
    std::string given = auth;
    if (g_str_has_prefix(given.c_str(), "Bearer"))
      given = given.substr(6);
    while (!given.empty() && given.front() == ' ')
      given.erase(0, 1);
    if (given != key)
      return refuse(msg, 401, "wrong API key");
  }
  if (function_id.empty())
    return refuse(msg, 400, "missing Function-ID");
  if (!self->known_function_(function_id))
    return refuse(msg, 404, "no deployed function " + function_id);

  nvcf::ClientIdentity who =
      nvcf::identity_from_handshake({header(msg, "nvcf-reqid"), tokens, header(msg, "Cookie")});
  std::string request_id = who.request_id;
  if (request_id.empty()) {
    gchar* uuid = g_uuid_string_random();
    request_id = uuid;
    g_free(uuid);
  }
  Instance* inst = self->instances_->route(function_id, request_id);
  if (!inst)
    return refuse(msg, 503, "no ready instance of function " + function_id);
  if (inst->connected)
    return refuse(msg, 409, "request " + request_id + " is connected already");

  char* protocols[2] = {nullptr, nullptr};
  if (!tokens.empty())
    protocols[0] = const_cast<char*>(tokens[0].c_str());
  GError* error = nullptr;
  if (!soup_websocket_server_check_handshake(msg, nullptr, protocols, nullptr, &error)) {
    g_clear_error(&error);
    if (inst->request_id == request_id && !inst->connected && !inst->resume_until_us)
      inst->request_id.clear();
    return refuse(msg, 400, "expected a WebSocket upgrade");
  }
  soup_websocket_server_process_handshake(msg, nullptr, protocols, nullptr, nullptr);
  SoupMessageHeaders* out = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(out, "nvcf-reqid", request_id.c_str());
  soup_message_headers_append(out, "Set-Cookie", ("nvcf-request-id=" + request_id).c_str());
  inst->connected = true;
  inst->resume_until_us = 0;
  g_print("nvcf-local: gateway: request %s to instance %d\n", request_id.c_str(), inst->number);

  auto tunnel = std::make_unique<Tunnel>();
  tunnel->gateway = self;
  tunnel->instance = inst;
  tunnel->request_id = request_id;
  Tunnel* t = tunnel.get();
  self->tunnels_.push_back(std::move(tunnel));

  /* The upstream connection carries the request id as NVCF's proxy does,
   * and the client's tokens but its credentials. */
  std::string url = "ws://127.0.0.1:" + std::to_string(inst->streaming_port) +
                    self->instances_->endpoint_of(inst);
  GUri* client_uri = soup_server_message_get_uri(msg);
  if (g_uri_get_query(client_uri))
    url += std::string("?") + g_uri_get_query(client_uri);
  SoupMessage* up = soup_message_new("GET", url.c_str());
  soup_message_headers_replace(soup_message_get_request_headers(up), "nvcf-reqid",
                               request_id.c_str());
  std::vector<std::string> kept;
  for (const auto& tok : tokens)
    if (g_ascii_strncasecmp(tok.c_str(), "authorization.", 14) != 0)
      kept.push_back(tok);
  std::vector<char*> up_protocols;
  for (auto& k : kept)
    up_protocols.push_back(const_cast<char*>(k.c_str()));
  up_protocols.push_back(nullptr);

  g_signal_connect(
      msg, "wrote-informational", G_CALLBACK(+[](SoupServerMessage* m, gpointer data) {
        auto* t = static_cast<Tunnel*>(data);
        GIOStream* stream = soup_server_message_steal_connection(m);
        t->client = soup_websocket_connection_new(stream, soup_server_message_get_uri(m),
                                                  SOUP_WEBSOCKET_CONNECTION_SERVER, nullptr,
                                                  nullptr, nullptr);
        g_object_unref(stream);
        soup_websocket_connection_set_keepalive_interval(t->client, 0);
        g_signal_connect(
            t->client, "message",
            G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* data, gpointer td) {
              auto* t = static_cast<Tunnel*>(td);
              if (t->upstream)
                forward(t->upstream, type, data);
              else
                t->early.emplace_back(type, g_bytes_ref(data));
            }),
            t);
        g_signal_connect(
            t->client, "closed", G_CALLBACK(+[](SoupWebsocketConnection* ws, gpointer td) {
              auto* t = static_cast<Tunnel*>(td);
              gushort code = soup_websocket_connection_get_close_code(ws);
              /* A close frame with a normal or going-away
               * code ends the session; a vanished client may
               * come back. */
              t->client_clean =
                  code == SOUP_WEBSOCKET_CLOSE_NORMAL || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY;
              g_print("nvcf-local: gateway: request %s closed (%u, %s)\n", t->request_id.c_str(),
                      code, t->client_clean ? "clean" : "unclean");
              t->gateway->instances_->client_closed(t->instance, t->client_clean);
              if (t->upstream &&
                  soup_websocket_connection_get_state(t->upstream) == SOUP_WEBSOCKET_STATE_OPEN)
                soup_websocket_connection_close(
                    t->upstream, t->client_clean ? code : gushort(SOUP_WEBSOCKET_CLOSE_GOING_AWAY),
                    nullptr);
              t->client_gone = true;
              if (!t->connecting)
                t->retire();
            }),
            t);
      }),
      t);

  soup_session_websocket_connect_async(
      self->session_, up, nullptr, up_protocols.data(), G_PRIORITY_DEFAULT, nullptr,
      [](GObject* source, GAsyncResult* res, gpointer data) {
        auto* t = static_cast<Tunnel*>(data);
        GError* err = nullptr;
        SoupWebsocketConnection* ws =
            soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &err);
        t->connecting = false;
        if (t->client_gone) {
          if (ws) {
            soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
            g_object_unref(ws);
          }
          g_clear_error(&err);
          t->retire();
          return;
        }
        if (!ws) {
          g_print("nvcf-local: gateway: instance %d refused the tunnel: %s\n", t->instance->number,
                  err->message);
          g_clear_error(&err);
          if (t->client)
            soup_websocket_connection_close(t->client, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
                                            "instance unreachable");
          return;
        }
        t->upstream = ws;
        soup_websocket_connection_set_keepalive_interval(ws, 0);
        for (auto& [type, b] : t->early) {
          forward(ws, type, b);
          g_bytes_unref(b);
        }
        t->early.clear();
        g_signal_connect(
            ws, "message",
            G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* data, gpointer td) {
              forward(static_cast<Tunnel*>(td)->client, type, data);
            }),
            t);
        g_signal_connect(ws, "closed", G_CALLBACK(+[](SoupWebsocketConnection* up, gpointer td) {
                           auto* t = static_cast<Tunnel*>(td);
                           if (t->client && soup_websocket_connection_get_state(t->client) ==
                                                SOUP_WEBSOCKET_STATE_OPEN)
                             soup_websocket_connection_close(
                                 t->client, soup_websocket_connection_get_close_code(up),
                                 soup_websocket_connection_get_close_data(up));
                         }),
                         t);
      },
      t);
  g_object_unref(up);
}

}  // namespace nvcflocal
