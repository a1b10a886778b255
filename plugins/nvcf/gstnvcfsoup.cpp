#include "gstnvcfsoup.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_gate_debug);
#define GST_CAT_DEFAULT gst_nvcf_gate_debug

gchar* gst_nvcf_soup_media_type(SoupServerMessage* msg) {
  const char* type =
      soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), NULL);
  return g_ascii_strdown(type ? type : "", -1);
}

void gst_nvcf_soup_close_after(SoupServerMessage* msg) {
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                               "close");
}

namespace nvcf {

namespace {

constexpr int kBacklog = 128;
constexpr int kAcceptsPerWakeup = 64;
const char* kIdKey = "nvcf-gate-connection";

std::string describe(GSocketAddress* address) {
  if (!G_IS_INET_SOCKET_ADDRESS(address))
    return "?";
  gchar* host =
      g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
  std::string out = std::string(host) + ":" +
                    std::to_string(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address)));
  g_free(host);
  return out;
}

std::string remote_of(GSocket* socket) {
  GSocketAddress* a = g_socket_get_remote_address(socket, NULL);
  std::string out = describe(a);
  g_clear_object(&a);
  return out;
}

/* A listening socket on address:port; all interfaces: IPv6 taking IPv4
 * too, else IPv4 alone. */
GSocket* bind_listener(const gchar* address, guint port, GError** error) {
  bool all = address == NULL || *address == '\0' || g_strcmp0(address, "0.0.0.0") == 0;
  GInetAddress* inet = NULL;
  if (all) {
    inet = g_inet_address_new_any(G_SOCKET_FAMILY_IPV6);
  } else {
    inet = g_inet_address_new_from_string(address);
    if (!inet) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not an IP address",
                  address);
      return NULL;
    }
  }
  GSocket* socket = g_socket_new(g_inet_address_get_family(inet), G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, all ? NULL : error);
  if (!socket && all) {
    g_object_unref(inet);
    inet = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
    socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  }
  if (!socket) {
    g_object_unref(inet);
    return NULL;
  }
  if (g_socket_get_family(socket) == G_SOCKET_FAMILY_IPV6 && all)
    g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, 0, NULL);
  GSocketAddress* sa = g_inet_socket_address_new(inet, port);
  g_object_unref(inet);
  g_socket_set_blocking(socket, FALSE);
  g_socket_set_listen_backlog(socket, kBacklog);
  gboolean ok = g_socket_bind(socket, sa, TRUE, error) && g_socket_listen(socket, error);
  g_object_unref(sa);
  if (!ok)
    g_clear_object(&socket);
  return socket;
}

}  // namespace

ConnectionGate::ConnectionGate(SoupServer* server, GstObject* log_object, ConnectionLimits limits)
    : server_(server), log_(log_object), table_(limits) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_gate_debug, "nvcfgate", 0,
                            "connection cap and request deadline of the NVCF servers");
    g_once_init_leave(&once, 1);
  }
  context_ = g_main_context_ref_thread_default();
  started_id_ = g_signal_connect(server_, "request-started", G_CALLBACK(on_request_started), this);
  read_id_ = g_signal_connect(server_, "request-read", G_CALLBACK(on_request_read), this);
}

ConnectionGate::~ConnectionGate() {
  g_signal_handler_disconnect(server_, started_id_);
  g_signal_handler_disconnect(server_, read_id_);
  clear_source(&incoming_);
  clear_source(&retry_);
  clear_source(&deadline_);
  if (listener_) {
    g_socket_close(listener_, NULL);
    g_clear_object(&listener_);
  }
  for (auto& [id, socket] : sockets_)
    g_object_unref(socket);
  g_main_context_unref(context_);
}

void ConnectionGate::clear_source(GSource** source) {
  if (*source) {
    g_source_destroy(*source);
    g_source_unref(*source);
    *source = NULL;
  }
}

gboolean ConnectionGate::listen(const gchar* address, guint port, GError** error) {
  listener_ = bind_listener(address, port, error);
  if (!listener_)
    return FALSE;
  GSocketAddress* local = g_socket_get_local_address(listener_, NULL);
  if (G_IS_INET_SOCKET_ADDRESS(local))
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  g_clear_object(&local);
  watch_listener();
  return TRUE;
}

void ConnectionGate::watch_listener() {
  incoming_ = g_socket_create_source(listener_, G_IO_IN, NULL);
  g_source_set_callback(incoming_, G_SOURCE_FUNC(on_incoming), this, NULL);
  g_source_attach(incoming_, context_);
}

gboolean ConnectionGate::on_incoming(GSocket*, GIOCondition, gpointer data) {
  static_cast<ConnectionGate*>(data)->accept_pending();
  return G_SOURCE_CONTINUE;
}

void ConnectionGate::accept_pending() {
  for (int i = 0; i < kAcceptsPerWakeup; i++) {
    GError* error = NULL;
    GSocket* client = g_socket_accept(listener_, NULL, &error);
    if (client) {
      if (backoff_.failing())
        GST_INFO_OBJECT(log_, "accepting connections again");
      backoff_.succeeded();
      admit(client);
      g_object_unref(client);
      continue;
    }
    bool again = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    bool aborted = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
    if (!again && !aborted) {
      /* EMFILE and the like: the pending connection stays queued, so the
       * socket stays readable; listening again at once would spin. */
      bool first = !backoff_.failing();
      unsigned delay = backoff_.failed();
      if (first)
        GST_WARNING_OBJECT(log_, "cannot accept a connection (%s); retrying in %u ms",
                           error->message, delay);
      clear_source(&incoming_);
      retry_ = g_timeout_source_new(delay);
      g_source_set_callback(retry_, on_retry, this, NULL);
      g_source_attach(retry_, context_);
    }
    g_clear_error(&error);
    if (!aborted)
      return;
  }
}

gboolean ConnectionGate::on_retry(gpointer data) {
  auto* self = static_cast<ConnectionGate*>(data);
  g_source_unref(self->retry_);
  self->retry_ = NULL;
  self->watch_listener();
  self->accept_pending();
  return G_SOURCE_REMOVE;
}

size_t ConnectionGate::open_connections() {
  sweep();
  return table_.open_count();
}

/* Forgets connections whose socket closed (libsoup or the WebSocket closed
 * it); a GSocket is closed with its stream, whoever still holds it. */
void ConnectionGate::sweep() {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    if (g_socket_is_closed(it->second)) {
      table_.closed(it->first);
      g_object_unref(it->second);
      it = sockets_.erase(it);
    } else {
      ++it;
    }
  }
}

void ConnectionGate::admit(GSocket* client) {
  sweep();
  uint64_t id = table_.open(g_get_monotonic_time());
  if (id == 0) {
    GST_WARNING_OBJECT(log_, "refusing a connection from %s: %zu open (max-connections)",
                       remote_of(client).c_str(), table_.open_count());
    g_socket_close(client, NULL);
    return;
  }
  g_socket_set_option(client, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  GSocketAddress* local = g_socket_get_local_address(client, NULL);
  GSocketAddress* remote = g_socket_get_remote_address(client, NULL);
  if (!local || !remote) {
    /* Gone already (reset while queued). */
    g_clear_object(&local);
    g_clear_object(&remote);
    g_socket_close(client, NULL);
    table_.closed(id);
    return;
  }
  sockets_[id] = G_SOCKET(g_object_ref(client));
  GSocketConnection* connection = g_socket_connection_factory_create_connection(client);
  accepting_ = id;
  GError* error = NULL;
  if (!soup_server_accept_iostream(server_, G_IO_STREAM(connection), local, remote, &error)) {
    GST_WARNING_OBJECT(log_, "connection from %s not served: %s", describe(remote).c_str(),
                       error->message);
    g_clear_error(&error);
    g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
  }
  accepting_ = 0;
  g_object_unref(connection);
  g_object_unref(local);
  g_object_unref(remote);
  arm_deadline();
}

/* The first message of a connection starts inside accept_iostream. */
void ConnectionGate::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer data) {
  auto* self = static_cast<ConnectionGate*>(data);
  if (self->accepting_)
    g_object_set_data(G_OBJECT(msg), kIdKey, GSIZE_TO_POINTER(self->accepting_));
}

void ConnectionGate::on_request_read(SoupServer*, SoupServerMessage* msg, gpointer data) {
  auto* self = static_cast<ConnectionGate*>(data);
  if (uint64_t id = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(msg), kIdKey))) {
    self->table_.request_read(id);
    self->arm_deadline();
  }
}

void ConnectionGate::arm_deadline() {
  clear_source(&deadline_);
  std::optional<int64_t> next = table_.next_deadline();
  if (!next)
    return;
  int64_t wait_ms = (*next - g_get_monotonic_time() + 999) / 1000;
  deadline_ = g_timeout_source_new(guint(MAX(wait_ms, 0)));
  g_source_set_callback(deadline_, on_deadline, this, NULL);
  g_source_attach(deadline_, context_);
}

gboolean ConnectionGate::on_deadline(gpointer data) {
  auto* self = static_cast<ConnectionGate*>(data);
  g_source_unref(self->deadline_);
  self->deadline_ = NULL;
  self->sweep();
  for (uint64_t id : self->table_.expired(g_get_monotonic_time())) {
    GSocket* socket = self->sockets_[id];
    GST_WARNING_OBJECT(self->log_,
                       "closing the connection from %s: no complete request within %u s",
                       remote_of(socket).c_str(), self->table_.limits().request_timeout_s);
    /* Not closed under libsoup: it reads the end of the stream and closes
     * the connection itself. */
    g_socket_shutdown(socket, TRUE, TRUE, NULL);
  }
  self->arm_deadline();
  return G_SOURCE_REMOVE;
}

}  // namespace nvcf
