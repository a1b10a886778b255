#include "gstnvcfsoup.h"

gboolean gst_nvcf_soup_listen(SoupServer* server, const gchar* address, guint port,
                              GError** error) {
  if (address == NULL || *address == '\0' || g_strcmp0(address, "0.0.0.0") == 0)
    return soup_server_listen_all(server, port, (SoupServerListenOptions)0, error);

  GSocketAddress* addr = g_inet_socket_address_new_from_string(address, port);
  if (addr == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" is not an IP address",
                address);
    return FALSE;
  }
  gboolean ok = soup_server_listen(server, addr, (SoupServerListenOptions)0, error);
  g_object_unref(addr);
  return ok;
}

guint gst_nvcf_soup_bound_port(SoupServer* server) {
  guint port = 0;
  GSList* listeners = soup_server_get_listeners(server);
  if (listeners) {
    GSocketAddress* addr = g_socket_get_local_address(G_SOCKET(listeners->data), NULL);
    if (addr) {
      port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr));
      g_object_unref(addr);
    }
  }
  g_slist_free(listeners);
  return port;
}

gchar* gst_nvcf_soup_media_type(SoupServerMessage* msg) {
  const char* type =
      soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), NULL);
  return g_ascii_strdown(type ? type : "", -1);
}
