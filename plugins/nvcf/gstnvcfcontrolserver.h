/* GstNvcfControlServer: the NVCF control HTTP server
 * (GET /v1/streaming/ready, POST /v1/streaming/creds) on a ServiceLoop.
 * The request logic lives in core/control.h; this object only carries it
 * over libsoup. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

#include "core/connections.h"
#include "core/control.h"
#include "gstnvcfserviceloop.h"

G_BEGIN_DECLS

#define GST_TYPE_NVCF_CONTROL_SERVER (gst_nvcf_control_server_get_type())
G_DECLARE_FINAL_TYPE(GstNvcfControlServer, gst_nvcf_control_server, GST, NVCF_CONTROL_SERVER,
                     GstObject)

G_END_DECLS

/* The hooks are called on the service loop thread. */
GstNvcfControlServer* gst_nvcf_control_server_new(const gchar* name, nvcf::ControlHooks hooks);

/* Bind and serve on loop's thread. Returns FALSE with error set when the
 * address cannot be bound. */
gboolean gst_nvcf_control_server_start(GstNvcfControlServer* self, nvcf::ServiceLoop* loop,
                                       const gchar* address, guint port,
                                       const nvcf::ConnectionLimits& limits, GError** error);

/* Stop serving and release the port. */
void gst_nvcf_control_server_stop(GstNvcfControlServer* self);

/* The bound port, 0 when stopped. */
guint gst_nvcf_control_server_get_port(GstNvcfControlServer* self);
