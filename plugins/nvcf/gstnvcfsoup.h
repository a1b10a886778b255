/* libsoup helpers shared by the control server and the signaller. */
#pragma once

#include <libsoup/soup.h>

/* Listen on address:port ("" or "0.0.0.0" = all interfaces, port 0 = any
 * free port). Must run on the server's own main context thread. */
gboolean gst_nvcf_soup_listen(SoupServer* server, const gchar* address, guint port, GError** error);

/* The TCP port the server listens on, 0 when not listening. */
guint gst_nvcf_soup_bound_port(SoupServer* server);

/* The request's Content-Type without parameters, lower-cased ("" if none). */
gchar* gst_nvcf_soup_media_type(SoupServerMessage* msg);
