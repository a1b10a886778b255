/* TURN servers for webrtcbin: see gstnvcfturn.h. */
#include "gstnvcfturn.h"

#include <agent.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "core/config.h"

GST_DEBUG_CATEGORY_EXTERN(gst_nvcf_session_debug);
#define GST_CAT_DEFAULT gst_nvcf_session_debug

/* The TURN URI carries the password, and every way webrtcbin offers to take
 * it exposes it: the turn-server property reads it back (dot dumps,
 * gst-launch-1.0 -v), and webrtcnice logs the whole URI at DEBUG while
 * validating it (gst_webrtc_ice_set_turn_server and add_turn_server alike).
 * So the URI is parsed here, without logging, and the server goes straight
 * to libnice (nice_agent_set_relay_info) for each ICE stream webrtcbin adds:
 * nothing in GStreamer holds it, so no property, dot dump or log line can
 * show it, at any debug level, and no debug threshold is touched. */
namespace {

struct TurnRelay {
  std::string host; /* an IP address: libnice resolves nothing */
  guint port = 0;
  std::string user, password; /* decoded; secret */
  std::vector<NiceRelayType> types;
};

/* turn[s]://user:pass@host[:port][?transport=udp|tcp], as webrtcnice reads
 * it (both transports when none is named). nullopt when it is not one. */
std::optional<TurnRelay> parse_turn_uri(const std::string& uri) {
  gchar *scheme = NULL, *user = NULL, *password = NULL, *host = NULL, *query = NULL;
  gint port = -1;
  std::optional<TurnRelay> out;
  if (g_uri_split_with_user(uri.c_str(), G_URI_FLAGS_HAS_PASSWORD, &scheme, &user, &password, NULL,
                            &host, &port, NULL, &query, NULL, NULL) &&
      host && user && password &&
      (g_strcmp0(scheme, "turn") == 0 || g_strcmp0(scheme, "turns") == 0)) {
    bool tls = g_strcmp0(scheme, "turns") == 0;
    std::string transport;
    if (query) {
      GHashTable* params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (params) {
        const gchar* t = (const gchar*)g_hash_table_lookup(params, "transport");
        transport = t ? t : "";
        g_hash_table_unref(params);
      }
    }
    TurnRelay r;
    r.host = host;
    r.port = port > 0 ? port : (tls ? 5349 : 3478);
    r.user = user;
    r.password = password;
    if (tls)
      r.types.push_back(NICE_RELAY_TYPE_TURN_TLS);
    if (!tls && (transport.empty() || transport == "udp"))
      r.types.push_back(NICE_RELAY_TYPE_TURN_UDP);
    if (!tls && (transport.empty() || transport == "tcp"))
      r.types.push_back(NICE_RELAY_TYPE_TURN_TCP);
    if (!r.types.empty())
      out = std::move(r);
  }
  if (password)
    memset(password, 0, strlen(password));
  for (gchar* p : {scheme, user, password, host, query})
    g_free(p);
  return out;
}

GQuark turn_relay_quark() {
  static GQuark q = g_quark_from_static_string("nvcf-turn-relay");
  return q;
}

GstWebRTCICEStream* (*webrtcnice_add_stream)(GstWebRTCICE*, guint) = nullptr;

/* webrtcnice's add_stream, then our relay on the new libnice stream (its
 * stream_id is libnice's), before webrtcbin gathers on it. On webrtcbin's
 * thread; waits for nothing. */
GstWebRTCICEStream* add_stream_with_turn(GstWebRTCICE* ice, guint session_id) {
  GstWebRTCICEStream* stream = webrtcnice_add_stream(ice, session_id);
  auto* relay = static_cast<TurnRelay*>(g_object_get_qdata(G_OBJECT(ice), turn_relay_quark()));
  if (!stream || !relay)
    return stream;
  NiceAgent* agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  if (!agent)
    return stream;
  for (NiceRelayType type : relay->types)
    if (!nice_agent_set_relay_info(agent, stream->stream_id, NICE_COMPONENT_TYPE_RTP,
                                   relay->host.c_str(), relay->port, relay->user.c_str(),
                                   relay->password.c_str(), type))
      GST_WARNING_OBJECT(ice, "libnice refused TURN server %s:%u", relay->host.c_str(),
                         relay->port);
  g_object_unref(agent);
  return stream;
}

void free_turn_relay(gpointer data) {
  auto* relay = static_cast<TurnRelay*>(data);
  std::fill(relay->password.begin(), relay->password.end(), '\0');
  delete relay;
}

}  // namespace

/* The class hook is installed once per process and acts only on agents
 * carrying a relay. */
bool gst_nvcf_ice_add_turn_server(GstObject* ice, const std::string& uri, std::string* error) {
  if (g_strcmp0(G_OBJECT_TYPE_NAME(ice), "GstWebRTCNice") != 0) {
    *error =
        std::string("TURN needs webrtcbin's libnice ICE agent, not ") + G_OBJECT_TYPE_NAME(ice);
    return false;
  }
  std::optional<TurnRelay> relay = parse_turn_uri(uri);
  if (!relay) {
    *error = "turn server " + nvcf::redact_uri(uri) +
             " is not "
             "turn[s]://user:pass@ip:port";
    return false;
  }
  static gsize hooked = 0;
  if (g_once_init_enter(&hooked)) {
    auto* klass = GST_WEBRTC_ICE_GET_CLASS(ice);
    webrtcnice_add_stream = klass->add_stream;
    klass->add_stream = add_stream_with_turn;
    g_once_init_leave(&hooked, 1);
  }
  g_object_set_qdata_full(G_OBJECT(ice), turn_relay_quark(), new TurnRelay(std::move(*relay)),
                          free_turn_relay);
  /* Which server, for debugging and tests: without the password, and not a
   * property (dot dumps show properties only). */
  g_object_set_data_full(G_OBJECT(ice), "nvcf-turn-server", g_strdup(nvcf::redact_uri(uri).c_str()),
                         g_free);
  return true;
}
