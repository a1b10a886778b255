/* The bench's baseline: the plainest webrtcbin sender, in the style of
 * GStreamer's sendrecv example. Every WebSocket client gets a pipeline of
 * its own, "<description> ! webrtcbin" with the same source, encoder and
 * payloader as the streamer under test, and one offer; no sessions, no
 * shared encode, nothing else.
 *   baseline-sender PORT 'videotestsrc ... ! rtph264pay ...'
 * Protocol (JSON text frames): the sender sends {"type":"offer","sdp"}
 * and {"type":"ice","candidate","sdpMLineIndex"}; the client answers
 * {"type":"answer","sdp"} and sends its own "ice" messages.
 * Threads: the main loop owns the WebSocket connections and the
 * pipelines; webrtcbin's callbacks hop to it with g_main_context_invoke.
 * A Peer is reference-counted: webrtcbin's callbacks and its offer promise
 * may still run while, or after, its socket closes. */
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <nice/nice.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace {

std::string description;

struct Peer {
  SoupWebsocketConnection* ws;
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;
  std::atomic<int> refs{1};
  std::atomic<bool> closed{false};
};

Peer* peer_ref(Peer* peer) {
  peer->refs++;
  return peer;
}

void peer_unref(gpointer data, GClosure* = nullptr) {
  auto* peer = static_cast<Peer*>(data);
  if (--peer->refs > 0)
    return;
  gst_object_unref(peer->webrtc);
  gst_object_unref(peer->pipeline);
  g_object_unref(peer->ws);
  delete peer;
}

/* {"type": type, <string fields>[, "sdpMLineIndex": mline]} to ws. */
void send_message(SoupWebsocketConnection* ws, const std::string& type,
                  const std::vector<std::pair<std::string, std::string>>& fields, int mline = -1) {
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type.c_str());
  for (const auto& [key, value] : fields) {
    json_builder_set_member_name(b, key.c_str());
    json_builder_add_string_value(b, value.c_str());
  }
  if (mline >= 0) {
    json_builder_set_member_name(b, "sdpMLineIndex");
    json_builder_add_int_value(b, mline);
  }
  json_builder_end_object(b);
  JsonGenerator* g = json_generator_new();
  JsonNode* root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  gchar* text = json_generator_to_data(g, nullptr);
  if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(ws, text);
  g_free(text);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
}

/* Runs fn on the main loop with ws kept alive. */
template <typename Fn>
void on_main(SoupWebsocketConnection* ws, Fn fn) {
  struct Call {
    SoupWebsocketConnection* ws;
    Fn fn;
  };
  g_main_context_invoke_full(
      nullptr, G_PRIORITY_DEFAULT,
      [](gpointer d) -> gboolean {
        auto* c = static_cast<Call*>(d);
        c->fn(c->ws);
        return G_SOURCE_REMOVE;
      },
      new Call{SOUP_WEBSOCKET_CONNECTION(g_object_ref(ws)), std::move(fn)},
      [](gpointer d) {
        auto* c = static_cast<Call*>(d);
        g_object_unref(c->ws);
        delete c;
      });
}

void on_offer(GstPromise* promise, gpointer data) {
  auto* peer = static_cast<Peer*>(data);
  GstWebRTCSessionDescription* offer = nullptr;
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply && !peer->closed)
    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(promise);
  if (!offer)
    return;
  g_signal_emit_by_name(peer->webrtc, "set-local-description", offer, NULL);
  std::string sdp;
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  sdp = text;
  g_free(text);
  gst_webrtc_session_description_free(offer);
  on_main(peer->ws, [sdp](SoupWebsocketConnection* ws) {
    send_message(ws, "offer", {{"sdp", sdp}});
  });
}

void on_negotiation_needed(GstElement* webrtc, gpointer data) {
  g_signal_emit_by_name(
      webrtc, "create-offer", NULL,
      gst_promise_new_with_change_func(on_offer, peer_ref(static_cast<Peer*>(data)),
                                       [](gpointer p) { peer_unref(p); }));
}

void on_ice_candidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
  auto* peer = static_cast<Peer*>(data);
  std::string c = candidate;
  on_main(peer->ws, [c, mline](SoupWebsocketConnection* ws) {
    send_message(ws, "ice", {{"candidate", c}}, int(mline));
  });
}

void on_message(SoupWebsocketConnection*, gint type, GBytes* message, gpointer data) {
  auto* peer = static_cast<Peer*>(data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  gsize size;
  const gchar* text = static_cast<const gchar*>(g_bytes_get_data(message, &size));
  JsonParser* parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, gssize(size), nullptr) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_object_unref(parser);
    return;
  }
  JsonObject* o = json_node_get_object(json_parser_get_root(parser));
  const gchar* kind = json_object_get_string_member_with_default(o, "type", "");
  if (g_str_equal(kind, "answer")) {
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new_from_text(json_object_get_string_member_with_default(o, "sdp", ""), &sdp);
    GstWebRTCSessionDescription* answer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    g_signal_emit_by_name(peer->webrtc, "set-remote-description", answer, NULL);
    gst_webrtc_session_description_free(answer);
  } else if (g_str_equal(kind, "ice")) {
    const gchar* c = json_object_get_string_member_with_default(o, "candidate", "");
    if (*c)
      g_signal_emit_by_name(peer->webrtc, "add-ice-candidate",
                            guint(json_object_get_int_member_with_default(o, "sdpMLineIndex", 0)),
                            c);
  }
  g_object_unref(parser);
}

void on_closed(SoupWebsocketConnection* ws, gpointer data) {
  auto* peer = static_cast<Peer*>(data);
  peer->closed = true;
  g_signal_handlers_disconnect_by_data(peer->webrtc, peer);
  g_signal_handlers_disconnect_by_data(ws, peer);
  gst_element_set_state(peer->pipeline, GST_STATE_NULL);
  peer_unref(peer);
}

void on_websocket(SoupServer*, SoupServerMessage*, const char*, SoupWebsocketConnection* ws,
                  gpointer) {
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      (description + " ! webrtcbin name=webrtc bundle-policy=max-bundle latency=0").c_str(), &err);
  if (!pipeline) {
    g_printerr("baseline-sender: %s\n", err->message);
    g_clear_error(&err);
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "bad pipeline");
    return;
  }
  auto* peer = new Peer{SOUP_WEBSOCKET_CONNECTION(g_object_ref(ws))};
  peer->pipeline = pipeline;
  peer->webrtc = gst_bin_get_by_name(GST_BIN(pipeline), "webrtc");
  /* Loopback only, no UPnP, as the streamer is run by the bench. */
  GstObject* ice = nullptr;
  g_object_get(peer->webrtc, "ice-agent", &ice, NULL);
  NiceAgent* agent = nullptr;
  if (ice)
    g_object_get(ice, "agent", &agent, NULL);
  if (agent) {
    g_object_set(agent, "upnp", FALSE, NULL);
    NiceAddress a;
    nice_address_init(&a);
    nice_address_set_from_string(&a, "127.0.0.1");
    nice_agent_add_local_address(agent, &a);
    g_object_unref(agent);
  }
  if (ice)
    gst_object_unref(ice);
  /* Each handler holds the peer until it is disconnected (on close). */
  g_signal_connect_data(peer->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed),
                        peer_ref(peer), peer_unref, GConnectFlags(0));
  g_signal_connect_data(peer->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate),
                        peer_ref(peer), peer_unref, GConnectFlags(0));
  g_signal_connect_data(ws, "message", G_CALLBACK(on_message), peer_ref(peer), peer_unref,
                        GConnectFlags(0));
  g_signal_connect_data(ws, "closed", G_CALLBACK(on_closed), peer_ref(peer), peer_unref,
                        GConnectFlags(0));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc != 3) {
    g_printerr("usage: baseline-sender PORT 'SOURCE ! ENCODER ! PAYLOADER'\n");
    return 2;
  }
  description = argv[2];
  SoupServer* server = soup_server_new(nullptr, nullptr);
  soup_server_add_websocket_handler(server, "/", nullptr, nullptr, on_websocket, nullptr, nullptr);
  GError* err = nullptr;
  if (!soup_server_listen_local(server, guint(atoi(argv[1])), SOUP_SERVER_LISTEN_IPV4_ONLY, &err)) {
    g_printerr("baseline-sender: %s\n", err->message);
    return 1;
  }
  g_print("baseline-sender: ws://127.0.0.1:%s/\n", argv[1]);
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  g_main_loop_run(loop);
  return 0;
}
