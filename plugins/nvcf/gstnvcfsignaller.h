/* GstNvcfSignaller: the WebSocket signalling server on the streaming port.
 * Transport only: each client's protocol state is an
 * nvcf::SignallingConnection (core/signalling.h); what clients ask for is
 * handed to the owner through the delegate. Runs on a ServiceLoop. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>
#include <vector>

#include "core/connections.h"
#include "core/identity.h"
#include "core/signalling.h"
#include "gstnvcfserviceloop.h"

G_BEGIN_DECLS

#define GST_TYPE_NVCF_SIGNALLER (gst_nvcf_signaller_get_type())
G_DECLARE_FINAL_TYPE(GstNvcfSignaller, gst_nvcf_signaller, GST, NVCF_SIGNALLER, GstObject)

G_END_DECLS

/* Who a client is, from its handshake. */
struct GstNvcfClientInfo {
  guint64 connection = 0;        /* this server's id for the socket */
  std::string peer_id;           /* the id sent in "welcome" */
  std::string remote;            /* "host" of the client (or the proxy) */
  std::string subprotocol;       /* the one echoed */
  nvcf::ClientIdentity identity; /* request id, session token, peer name */
};

struct GstNvcfSignallerDelegate {
  /* A request from a client; on the loop thread. */
  std::function<void(const GstNvcfClientInfo&, const nvcf::SignallingRequest&)> request;
  /* The client's socket closed (cleanly or not); on the loop thread. */
  std::function<void(const GstNvcfClientInfo&, bool clean)> closed;
};

struct GstNvcfSignallerSettings {
  std::string address; /* "" = all interfaces */
  guint port = 0;
  std::string endpoint = "/sign_in";
  std::string producer_id;
  std::string producer_meta; /* JSON object text or "" */
  guint keepalive_s = 5;     /* WebSocket ping interval, 0 = none */
  guint flood_limit = 200;   /* messages per second per client */
  nvcf::ConnectionLimits limits;
};

GstNvcfSignaller* gst_nvcf_signaller_new(const gchar* name, GstNvcfSignallerDelegate delegate);

gboolean gst_nvcf_signaller_start(GstNvcfSignaller* self, nvcf::ServiceLoop* loop,
                                  const GstNvcfSignallerSettings& settings, GError** error);
void gst_nvcf_signaller_stop(GstNvcfSignaller* self);
guint gst_nvcf_signaller_get_port(GstNvcfSignaller* self);

/* Run fn with the client's protocol state on the loop thread and send the
 * frames it returns. No-op when the client is gone. Thread-safe, async. */
void gst_nvcf_signaller_send(
    GstNvcfSignaller* self, guint64 connection,
    std::function<std::vector<std::string>(nvcf::SignallingConnection&)> fn);

/* Close one client, or every client, with a WebSocket close reason. */
void gst_nvcf_signaller_close(GstNvcfSignaller* self, guint64 connection, gushort code,
                              const std::string& reason);
void gst_nvcf_signaller_close_all(GstNvcfSignaller* self, gushort code, const std::string& reason);

/* Connected clients. */
guint gst_nvcf_signaller_n_clients(GstNvcfSignaller* self);
