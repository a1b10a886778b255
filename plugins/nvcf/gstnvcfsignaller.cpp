/* The WebSocket signalling server. Everything here runs on the service
 * loop thread except the public entry points, which hop onto it. The
 * delegate is called without any lock held. */
#include "gstnvcfsignaller.h"

#include <libsoup/soup.h>

#include <atomic>
#include <map>
#include <memory>

#include "core/flood.h"
#include "gstnvcfsoup.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_signaller_debug);
#define GST_CAT_DEFAULT gst_nvcf_signaller_debug

namespace {

constexpr guint64 kMaxMessageBytes = 1024 * 1024;

struct Client {
  GstNvcfClientInfo info;
  SoupWebsocketConnection* ws = nullptr;
  std::unique_ptr<nvcf::SignallingConnection> protocol;
  nvcf::FloodGuard flood;
  bool closing = false;

  Client(guint flood_limit) : flood(flood_limit) {}
  ~Client() {
    if (ws)
      g_object_unref(ws);
  }
};

}  // namespace

struct GstNvcfSignallerPrivate {
  GstNvcfSignallerDelegate delegate; /* fixed at construction */
  GstNvcfSignallerSettings settings; /* written by start() before the loop uses it */
  /* Set by start() and cleared by stop(), on the owner's thread, while no
   * session lives; read by send()/close() from webrtcbin's threads: not
   * locked, so the owner ends every session before stop(). */
  nvcf::ServiceLoop* loop = nullptr;
  SoupServer* server = nullptr;                       /* loop thread only */
  nvcf::ConnectionGate* gate = nullptr;               /* loop thread only */
  std::map<guint64, std::unique_ptr<Client>> clients; /* loop thread only */
  guint64 next_connection = 1;                        /* loop thread only */
  std::atomic<guint> port{0};
  std::atomic<guint> n_clients{0};
};

struct _GstNvcfSignaller {
  GstObject parent;
  GstNvcfSignallerPrivate* priv;
};

G_DEFINE_TYPE(GstNvcfSignaller, gst_nvcf_signaller, GST_TYPE_OBJECT);

static void gst_nvcf_signaller_init(GstNvcfSignaller* self) {
  self->priv = new GstNvcfSignallerPrivate();
}

static void gst_nvcf_signaller_finalize(GObject* object) {
  GstNvcfSignaller* self = GST_NVCF_SIGNALLER(object);
  gst_nvcf_signaller_stop(self);
  delete self->priv;
  G_OBJECT_CLASS(gst_nvcf_signaller_parent_class)->finalize(object);
}

static void gst_nvcf_signaller_class_init(GstNvcfSignallerClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = gst_nvcf_signaller_finalize;
  GST_DEBUG_CATEGORY_INIT(gst_nvcf_signaller_debug, "nvcfsignaller", 0,
                          "NVCF WebSocket signalling server");
}

GstNvcfSignaller* gst_nvcf_signaller_new(const gchar* name, GstNvcfSignallerDelegate delegate) {
  auto* self = GST_NVCF_SIGNALLER(g_object_new(GST_TYPE_NVCF_SIGNALLER, "name", name, NULL));
  gst_object_ref_sink(self);
  self->priv->delegate = std::move(delegate);
  return self;
}

/* ------------------------------------------------------------ per client */

static Client* find_client(GstNvcfSignaller* self, guint64 id) {
  auto it = self->priv->clients.find(id);
  return it == self->priv->clients.end() ? nullptr : it->second.get();
}

static void send_frames(GstNvcfSignaller* self, Client* c, const std::vector<std::string>& frames) {
  if (!c->ws || soup_websocket_connection_get_state(c->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  for (const auto& f : frames) {
    GST_TRACE_OBJECT(self, "[%s] -> %.200s", c->info.peer_id.c_str(), f.c_str());
    soup_websocket_connection_send_text(c->ws, f.c_str());
  }
}

static void close_client(GstNvcfSignaller* self, Client* c, gushort code,
                         const std::string& reason) {
  if (c->closing || !c->ws)
    return;
  c->closing = true;
  GST_INFO_OBJECT(self, "[%s] closing: %u %s", c->info.peer_id.c_str(), code, reason.c_str());
  /* A close reason is limited to 123 bytes by the protocol. */
  std::string r = reason.substr(0, 123);
  soup_websocket_connection_close(c->ws, code, r.c_str());
}

static void on_message(SoupWebsocketConnection*, gint type, GBytes* message, gpointer user_data) {
  auto* self = GST_NVCF_SIGNALLER(g_object_get_data(G_OBJECT(user_data), "nvcf-signaller"));
  guint64 id = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(user_data), "nvcf-connection"));
  Client* c = find_client(self, id);
  if (!c || c->closing)
    return;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    GST_WARNING_OBJECT(self, "[%s] binary frame refused", c->info.peer_id.c_str());
    close_client(self, c, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, "binary frames are not supported");
    return;
  }
  if (!c->flood.allow(g_get_monotonic_time())) {
    GST_WARNING_OBJECT(self, "[%s] message flood, closing", c->info.peer_id.c_str());
    close_client(self, c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too many messages");
    return;
  }

  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(message, &size));
  GST_TRACE_OBJECT(self, "[%s] <- %.*s", c->info.peer_id.c_str(), (int)MIN(size, 200), data);
  nvcf::SignallingOutput out = c->protocol->on_text(std::string_view(data ? data : "", size));
  if (!out.log.empty())
    GST_WARNING_OBJECT(self, "[%s] %s", c->info.peer_id.c_str(), out.log.c_str());
  send_frames(self, c, out.replies);
  if (c->protocol->dialect() == nvcf::Dialect::Nvidia)
    c->info.identity.peer_name = c->protocol->client_identity();
  GstNvcfClientInfo info = c->info;
  if (out.close_reason) {
    /* The core closes only for oversized messages. */
    close_client(self, c, SOUP_WEBSOCKET_CLOSE_TOO_BIG, *out.close_reason);
    return;
  }
  for (const auto& rq : out.requests)
    if (self->priv->delegate.request)
      self->priv->delegate.request(info, rq);
}

static void on_closed(SoupWebsocketConnection* ws, gpointer user_data) {
  auto* self = GST_NVCF_SIGNALLER(user_data);
  guint64 id = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(ws), "nvcf-connection"));
  auto it = self->priv->clients.find(id);
  if (it == self->priv->clients.end())
    return;
  std::unique_ptr<Client> c = std::move(it->second);
  self->priv->clients.erase(it);
  self->priv->n_clients = self->priv->clients.size();

  gushort code = soup_websocket_connection_get_close_code(ws);
  /* A clean close is one the client asked for with a normal code. */
  bool clean = code == SOUP_WEBSOCKET_CLOSE_NORMAL || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY;
  GST_INFO_OBJECT(self, "[%s] disconnected (code %u%s)", c->info.peer_id.c_str(), code,
                  clean ? "" : ", unclean");
  g_signal_handlers_disconnect_by_data(ws, self);
  g_signal_handlers_disconnect_by_data(ws, ws);
  if (self->priv->delegate.closed)
    self->priv->delegate.closed(c->info, clean);
}

static void on_ws_error(SoupWebsocketConnection*, GError* error, gpointer user_data) {
  auto* self = GST_NVCF_SIGNALLER(user_data);
  /* libsoup closes the socket itself (too big, bad frame, ...). */
  GST_WARNING_OBJECT(self, "WebSocket error: %s", error->message);
}

/* ------------------------------------------------------------ handshake */

static std::string header(SoupServerMessage* msg, const char* name) {
  const char* v = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), name);
  return v ? v : "";
}

static void on_upgraded(SoupServerMessage* msg, gpointer user_data) {
  auto* self = GST_NVCF_SIGNALLER(user_data);
  auto* priv = self->priv;
  auto* pending = static_cast<Client*>(g_object_steal_data(G_OBJECT(msg), "nvcf-client"));
  if (!pending)
    return;
  std::unique_ptr<Client> c(pending);

  GIOStream* stream = soup_server_message_steal_connection(msg);
  const char* protocol = c->info.subprotocol.empty() ? NULL : c->info.subprotocol.c_str();
  c->ws = soup_websocket_connection_new(
      stream, soup_server_message_get_uri(msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin"),
      protocol, NULL);
  g_object_unref(stream);
  /* libsoup drops a frame over its limit without a close frame; keep its
   * cap well above ours so the protocol core answers with a reason. */
  soup_websocket_connection_set_max_incoming_payload_size(c->ws, 4 * kMaxMessageBytes);
  soup_websocket_connection_set_keepalive_interval(c->ws, priv->settings.keepalive_s);
  g_object_set_data(G_OBJECT(c->ws), "nvcf-connection", GSIZE_TO_POINTER(c->info.connection));
  g_object_set_data(G_OBJECT(c->ws), "nvcf-signaller", self);
  g_signal_connect(c->ws, "message", G_CALLBACK(on_message), c->ws);
  g_signal_connect(c->ws, "closed", G_CALLBACK(on_closed), self);
  g_signal_connect(c->ws, "error", G_CALLBACK(on_ws_error), self);

  GST_INFO_OBJECT(self, "[%s] connected from %s%s%s%s%s", c->info.peer_id.c_str(),
                  c->info.remote.c_str(), c->info.identity.request_id.empty() ? "" : ", request ",
                  c->info.identity.request_id.c_str(), protocol ? ", subprotocol " : "",
                  protocol ? "(offered)" : "");

  Client* client = c.get();
  priv->clients[c->info.connection] = std::move(c);
  priv->n_clients = priv->clients.size();
  send_frames(self, client, client->protocol->on_open().replies);
}

static void refuse(SoupServerMessage* msg, guint status, const std::string& why) {
  std::string body = "{\"error\":\"" + why + "\"}";
  soup_server_message_set_status(msg, status, NULL);
  gst_nvcf_soup_close_after(msg);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(),
                                   body.size());
}

static void handler(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                    gpointer user_data) {
  auto* self = GST_NVCF_SIGNALLER(user_data);
  auto* priv = self->priv;

  if (path != priv->settings.endpoint) {
    refuse(msg, 404, "no such endpoint");
    return;
  }

  /* Browsers and NVCF put routing and auth tokens in the subprotocol
   * header; the handshake only succeeds if we echo one, so echo the
   * first, whatever it is. */
  std::vector<std::string> tokens = nvcf::split_subprotocols(header(msg, "Sec-WebSocket-Protocol"));
  char* protocols[2] = {NULL, NULL};
  if (!tokens.empty())
    protocols[0] = const_cast<char*>(tokens[0].c_str());

  GError* error = NULL;
  if (!soup_websocket_server_check_handshake(msg, NULL, protocols, NULL, &error)) {
    GST_INFO_OBJECT(self, "refused a non-WebSocket request on %s: %s", path, error->message);
    refuse(msg, 400, "expected a WebSocket upgrade");
    g_clear_error(&error);
    return;
  }
  soup_websocket_server_process_handshake(msg, NULL, protocols, NULL, NULL);

  auto c = std::make_unique<Client>(priv->settings.flood_limit);
  c->info.connection = priv->next_connection++;
  c->info.remote =
      soup_server_message_get_remote_host(msg) ? soup_server_message_get_remote_host(msg) : "";
  c->info.subprotocol = tokens.empty() ? "" : tokens[0];
  c->info.identity =
      nvcf::identity_from_handshake({header(msg, "nvcf-reqid"), tokens, header(msg, "Cookie")});

  GUri* uri = soup_server_message_get_uri(msg);
  const char* query = g_uri_get_query(uri);
  nvcf::Dialect dialect = nvcf::SignallingConnection::dialect_from_query(query ? query : "");
  gchar* uuid = g_uuid_string_random();
  c->info.peer_id = uuid;
  g_free(uuid);
  c->protocol = std::make_unique<nvcf::SignallingConnection>(
      c->info.peer_id, priv->settings.producer_id, priv->settings.producer_meta, dialect);

  g_object_set_data_full(G_OBJECT(msg), "nvcf-client", c.release(),
                         [](gpointer p) { delete static_cast<Client*>(p); });
  g_signal_connect(msg, "wrote-informational", G_CALLBACK(on_upgraded), self);
}

/* ------------------------------------------------------------ public API */

gboolean gst_nvcf_signaller_start(GstNvcfSignaller* self, nvcf::ServiceLoop* loop,
                                  const GstNvcfSignallerSettings& settings, GError** error) {
  auto* priv = self->priv;
  gboolean ok = FALSE;

  gst_nvcf_signaller_stop(self);
  priv->loop = loop;
  priv->settings = settings;
  loop->invoke_sync([&] {
    priv->server = soup_server_new("server-header", "gst-nvcf", NULL);
    soup_server_add_handler(priv->server, NULL, handler, self, NULL);
    priv->gate = new nvcf::ConnectionGate(priv->server, GST_OBJECT(self), settings.limits);
    ok = priv->gate->listen(settings.address.c_str(), settings.port, error);
    if (!ok) {
      delete priv->gate;
      priv->gate = nullptr;
      g_clear_object(&priv->server);
    } else {
      priv->port = priv->gate->port();
    }
  });
  if (ok)
    GST_INFO_OBJECT(self, "signalling on ws://%s:%u%s",
                    settings.address.empty() ? "0.0.0.0" : settings.address.c_str(),
                    priv->port.load(), settings.endpoint.c_str());
  return ok;
}

void gst_nvcf_signaller_stop(GstNvcfSignaller* self) {
  auto* priv = self->priv;
  if (!priv->loop)
    return;
  priv->loop->invoke_sync([&] {
    for (auto& [id, c] : priv->clients) {
      g_signal_handlers_disconnect_by_data(c->ws, self);
      g_signal_handlers_disconnect_by_data(c->ws, c->ws);
      if (soup_websocket_connection_get_state(c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close(c->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                        "streamer stopping");
    }
    priv->clients.clear();
    priv->n_clients = 0;
    delete priv->gate; /* no new connections */
    priv->gate = nullptr;
    if (priv->server) {
      soup_server_disconnect(priv->server);
      g_clear_object(&priv->server);
    }
  });
  priv->loop = nullptr;
  priv->port = 0;
}

guint gst_nvcf_signaller_get_port(GstNvcfSignaller* self) {
  return self->priv->port;
}

guint gst_nvcf_signaller_n_clients(GstNvcfSignaller* self) {
  return self->priv->n_clients;
}

void gst_nvcf_signaller_send(
    GstNvcfSignaller* self, guint64 connection,
    std::function<std::vector<std::string>(nvcf::SignallingConnection&)> fn) {
  nvcf::ServiceLoop* loop = self->priv->loop;
  if (!loop)
    return;
  /* Held by the closure: released even when a stopped loop drops it. */
  loop->invoke_async([self, ref = nvcf::GstRef(self), connection, fn = std::move(fn)] {
    if (Client* c = find_client(self, connection))
      send_frames(self, c, fn(*c->protocol));
  });
}

void gst_nvcf_signaller_close(GstNvcfSignaller* self, guint64 connection, gushort code,
                              const std::string& reason) {
  nvcf::ServiceLoop* loop = self->priv->loop;
  if (!loop)
    return;
  loop->invoke_async([self, ref = nvcf::GstRef(self), connection, code, reason] {
    if (Client* c = find_client(self, connection))
      close_client(self, c, code, reason);
  });
}

void gst_nvcf_signaller_close_all(GstNvcfSignaller* self, gushort code, const std::string& reason) {
  nvcf::ServiceLoop* loop = self->priv->loop;
  if (!loop)
    return;
  loop->invoke_sync([&] {
    for (auto& [id, c] : self->priv->clients)
      close_client(self, c.get(), code, reason);
  });
}
