/* The NVCF control server. Lock order: none held while calling the
 * hooks, which take the element's lock. */
#include "gstnvcfcontrolserver.h"

#include <libsoup/soup.h>

#include <atomic>

#include "gstnvcfsoup.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_control_server_debug);
#define GST_CAT_DEFAULT gst_nvcf_control_server_debug

struct GstNvcfControlServerPrivate {
  nvcf::ControlHooks hooks;             /* fixed at construction */
  nvcf::ServiceLoop* loop = nullptr;    /* owner's thread only (start/stop) */
  SoupServer* server = nullptr;         /* only touched on the loop thread */
  nvcf::ConnectionGate* gate = nullptr; /* loop thread only */
  std::atomic<guint> port{0};           /* atomic: read from any thread */
};

struct _GstNvcfControlServer {
  GstObject parent;
  GstNvcfControlServerPrivate* priv;
};

G_DEFINE_TYPE(GstNvcfControlServer, gst_nvcf_control_server, GST_TYPE_OBJECT);

static void gst_nvcf_control_server_init(GstNvcfControlServer* self) {
  self->priv = new GstNvcfControlServerPrivate();
}

static void gst_nvcf_control_server_finalize(GObject* object) {
  GstNvcfControlServer* self = GST_NVCF_CONTROL_SERVER(object);

  gst_nvcf_control_server_stop(self);
  delete self->priv;
  G_OBJECT_CLASS(gst_nvcf_control_server_parent_class)->finalize(object);
}

static void gst_nvcf_control_server_class_init(GstNvcfControlServerClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = gst_nvcf_control_server_finalize;
  GST_DEBUG_CATEGORY_INIT(gst_nvcf_control_server_debug, "nvcfcontrolserver", 0,
                          "NVCF control HTTP server");
}

GstNvcfControlServer* gst_nvcf_control_server_new(const gchar* name, nvcf::ControlHooks hooks) {
  auto* self =
      GST_NVCF_CONTROL_SERVER(g_object_new(GST_TYPE_NVCF_CONTROL_SERVER, "name", name, NULL));
  gst_object_ref_sink(self);
  self->priv->hooks = std::move(hooks);
  return self;
}

static nvcf::HttpRequest request_of(SoupServerMessage* msg, const char* path) {
  nvcf::HttpRequest rq;
  rq.method = soup_server_message_get_method(msg);
  rq.path = path;
  gchar* type = gst_nvcf_soup_media_type(msg);
  rq.content_type = type;
  g_free(type);
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH)
    rq.content_length = soup_message_headers_get_content_length(headers);
  return rq;
}

static void respond(GstNvcfControlServer* self, SoupServerMessage* msg, const nvcf::HttpRequest& rq,
                    const nvcf::HttpResponse& r) {
  if (!r.allow.empty())
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 r.allow.c_str());
  soup_server_message_set_status(msg, r.status, NULL);
  gst_nvcf_soup_close_after(msg);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, r.body.data(),
                                   r.body.size());
  /* Only the outcome is logged: bodies may hold the TURN password. */
  if (r.status >= 400)
    GST_WARNING_OBJECT(self, "%s %s -> %u: %s", rq.method.c_str(), rq.path.c_str(), r.status,
                       r.log.c_str());
  else if (!r.log.empty())
    GST_INFO_OBJECT(self, "%s %s -> %u: %s", rq.method.c_str(), rq.path.c_str(), r.status,
                    r.log.c_str());
  else
    GST_LOG_OBJECT(self, "%s %s -> %u", rq.method.c_str(), rq.path.c_str(), r.status);
}

/* After the headers: refuse what is wrong before reading a body. */
static void early_handler(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                          gpointer user_data) {
  auto* self = GST_NVCF_CONTROL_SERVER(user_data);
  nvcf::HttpRequest rq = request_of(msg, path);
  if (auto refusal = nvcf::control_precheck(rq)) {
    /* respond() closes the connection: no body is read that we refuse. */
    respond(self, msg, rq, *refusal);
  }
}

static void handler(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                    gpointer user_data) {
  auto* self = GST_NVCF_CONTROL_SERVER(user_data);
  auto* priv = self->priv;

  if (soup_server_message_get_status(msg) != 0)
    return; /* refused in the early handler */

  nvcf::HttpRequest rq = request_of(msg, path);
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  rq.body = std::string_view(body->data ? body->data : "", body->length);
  rq.content_length = body->length;

  respond(self, msg, rq, nvcf::control_handle(rq, priv->hooks));
}

gboolean gst_nvcf_control_server_start(GstNvcfControlServer* self, nvcf::ServiceLoop* loop,
                                       const gchar* address, guint port,
                                       const nvcf::ConnectionLimits& limits, GError** error) {
  auto* priv = self->priv;
  gboolean ok = FALSE;

  gst_nvcf_control_server_stop(self);
  priv->loop = loop;
  loop->invoke_sync([&] {
    /* The server attaches to the thread-default context: the loop's. */
    priv->server = soup_server_new("server-header", "gst-nvcf", NULL);
    soup_server_add_early_handler(priv->server, NULL, early_handler, self, NULL);
    soup_server_add_handler(priv->server, NULL, handler, self, NULL);
    priv->gate = new nvcf::ConnectionGate(priv->server, GST_OBJECT(self), limits);
    ok = priv->gate->listen(address, port, error);
    if (!ok) {
      delete priv->gate;
      priv->gate = nullptr;
      g_clear_object(&priv->server);
    } else {
      priv->port = priv->gate->port();
    }
  });
  if (ok)
    GST_INFO_OBJECT(self, "control server listening on %s:%u",
                    (address && *address) ? address : "0.0.0.0", priv->port.load());
  return ok;
}

void gst_nvcf_control_server_stop(GstNvcfControlServer* self) {
  auto* priv = self->priv;
  if (!priv->loop)
    return;
  priv->loop->invoke_sync([&] {
    delete priv->gate; /* no new connections */
    priv->gate = nullptr;
    if (priv->server) {
      soup_server_disconnect(priv->server);
      g_clear_object(&priv->server);
    }
  });
  priv->loop = nullptr;
  if (priv->port.exchange(0))
    GST_INFO_OBJECT(self, "control server stopped");
}

guint gst_nvcf_control_server_get_port(GstNvcfControlServer* self) {
  return self->priv->port;
}
