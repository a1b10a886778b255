/* libsoup helpers shared by the control server and the signaller, and the
 * connection gate both listen through. */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <map>

#include "core/connections.h"

/* The request's Content-Type without parameters, lower-cased ("" if none). */
gchar* gst_nvcf_soup_media_type(SoupServerMessage* msg);

/* Answers "Connection: close": the gate serves one request per connection
 * (see ConnectionGate). */
void gst_nvcf_soup_close_after(SoupServerMessage* msg);

namespace nvcf {

/* The listening socket of one SoupServer. libsoup's own listener has no
 * cap on connections, no deadline for a request that never completes
 * (slowloris), and stops accepting for good after one failed accept()
 * (EMFILE at the fd limit). The gate accepts instead and hands each
 * connection to the server (soup_server_accept_iostream): over
 * max_connections it closes the new one at once, one whose request is not
 * read within request_timeout_s is shut down, and a failed accept is
 * retried after a back-off. Open connections include upgraded WebSockets,
 * until they close. libsoup keeps no connection alive without its own
 * listener, so each HTTP connection serves one request.
 *
 * Loop thread only: made, listening, serving and destroyed on the thread
 * whose thread-default context the server uses. */
class ConnectionGate {
 public:
  ConnectionGate(SoupServer* server, GstObject* log_object, ConnectionLimits limits);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  /* Listen on address:port ("" or "0.0.0.0" = all interfaces, port 0 =
   * any free port). */
  gboolean listen(const gchar* address, guint port, GError** error);
  /* The bound TCP port, 0 when not listening. */
  guint port() const { return port_; }
  size_t open_connections();

 private:
  static gboolean on_incoming(GSocket*, GIOCondition, gpointer self);
  static gboolean on_retry(gpointer self);
  static gboolean on_deadline(gpointer self);
  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer self);
  static void on_request_read(SoupServer*, SoupServerMessage* msg, gpointer self);
  void accept_pending();
  void admit(GSocket* client);
  void sweep();
  void arm_deadline();
  void watch_listener();
  void clear_source(GSource** source);

  SoupServer* server_; /* not owned: owns the gate's user */
  GstObject* log_;     /* not owned: for log lines */
  ConnectionTable table_;
  AcceptBackoff backoff_;
  GSocket* listener_ = nullptr;
  GMainContext* context_ = nullptr;
  GSource* incoming_ = nullptr;
  GSource* retry_ = nullptr;
  GSource* deadline_ = nullptr;
  guint port_ = 0;
  gulong started_id_ = 0, read_id_ = 0;
  /* Open connections by table id: their socket, for closed-ness and to
   * shut a late one down (a reference, so the object outlives libsoup's). */
  std::map<uint64_t, GSocket*> sockets_;
  uint64_t accepting_ = 0; /* the id being handed to the server */
};

}  // namespace nvcf
