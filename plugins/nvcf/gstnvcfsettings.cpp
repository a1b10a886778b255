/* The property table: see gstnvcfsettings.h. */
#include "gstnvcfsettings.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

/* Values are the core's enums, so properties convert by cast. */
#define GST_TYPE_NVCF_CREDS_USE (gst_nvcf_creds_use_get_type())
static GType gst_nvcf_creds_use_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {(gint)nvcf::CredsUse::Stun, "STUN only: stun://ip:port", "stun"},
      {(gint)nvcf::CredsUse::Turn, "TURN only: turn://user:pass@ip:port", "turn"},
      {(gint)nvcf::CredsUse::Both, "STUN and TURN", "both"},
      {0, NULL, NULL},
  };
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNvcfCredsUse", values));
  return type;
}

#define GST_TYPE_NVCF_SESSION_POLICY (gst_nvcf_session_policy_get_type())
static GType gst_nvcf_session_policy_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {(gint)nvcf::SessionPolicy::Reuse, "Ready again after the last session", "reuse"},
      {(gint)nvcf::SessionPolicy::Exit,
       "Finished after the last session, then EOS so the container ends", "exit"},
      {0, NULL, NULL},
  };
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNvcfSessionPolicy", values));
  return type;
}

void gst_nvcf_settings_install(GObjectClass* gobject_class) {
  const auto rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = (GParamFlags)(rw | GST_PARAM_MUTABLE_READY);

  /* Defaults shown by gst-inspect are the built-in ones; the environment
   * (CONTROL_SERVER_PORT, ...) overrides them per instance. */
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_CONTROL_PORT,
      g_param_spec_uint("control-port", "Control port",
                        "TCP port of the NVCF control server (/v1/streaming/ready, "
                        "/v1/streaming/creds); default $CONTROL_SERVER_PORT, else 8111; "
                        "0 picks a free port, readable once READY",
                        0, 65535, nvcf::kDefaultControlPort, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_CONTROL_ADDRESS,
      g_param_spec_string("control-address", "Control address",
                          "IP address the control server binds; empty = all interfaces", "",
                          rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_STREAMING_PORT,
      g_param_spec_uint("streaming-port", "Streaming port",
                        "TCP port of the WebSocket signalling server; default "
                        "$STREAMING_SERVER_PORT, else 49100; 0 picks a free port, readable "
                        "once READY",
                        0, 65535, nvcf::kDefaultStreamingPort, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_START_ENDPOINT,
      g_param_spec_string("start-endpoint", "Start endpoint",
                          "WebSocket path for signalling; default $STREAMING_START_ENDPOINT, "
                          "else /sign_in",
                          nvcf::kDefaultStartEndpoint, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_PORT_RANGE,
      g_param_spec_string("port-range", "Media port range",
                          "Local UDP ports for ICE media, MIN-MAX within 1024-65535; default "
                          "$STREAMING_PORT_BINDING_RANGE, else 47998-48020",
                          nvcf::kDefaultPortRange, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_MAX_SESSIONS,
      g_param_spec_uint("max-sessions", "Maximum sessions",
                        "Viewers served at once; readiness answers 500 at this count", 1, 64, 1,
                        rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_VIDEO_ENCODER,
      g_param_spec_string("video-encoder", "Video encoder",
                          "Encoder for raw video: auto (nvh264enc, else x264enc, openh264enc, "
                          "vp8enc) or an encoder factory name",
                          "auto", rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_VIDEO_BITRATE,
      g_param_spec_uint("video-bitrate", "Video bitrate",
                        "Target bitrate in kbit/s when the element encodes raw video", 100, 200000,
                        4000, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_CONGESTION_CONTROL,
      g_param_spec_boolean("congestion-control", "Congestion control",
                           "Move the element's video encoder between min-video-bitrate and "
                           "max-video-bitrate from each viewer's transport-wide congestion "
                           "control feedback (delay and loss), the weakest viewer bounding "
                           "it; off keeps video-bitrate; for new sessions",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_MIN_VIDEO_BITRATE,
      g_param_spec_uint("min-video-bitrate", "Minimum video bitrate",
                        "kbit/s congestion control never goes below", 100, 200000, 300, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_MAX_VIDEO_BITRATE,
      g_param_spec_uint("max-video-bitrate", "Maximum video bitrate",
                        "kbit/s congestion control never goes above; 0 = video-bitrate", 0, 200000,
                        0, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_READY_STATE,
      g_param_spec_string("ready-state", "Readiness state",
                          "What GET /v1/streaming/ready reports: starting, ready, busy, "
                          "awaiting-resume, draining or finished",
                          "starting", (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_CREDS_USE,
      g_param_spec_enum("creds-use", "Use of posted credentials",
                        "How sessions use the credentials posted to /v1/streaming/creds",
                        GST_TYPE_NVCF_CREDS_USE, (gint)nvcf::CredsUse::Both, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_STUN_SERVER,
      g_param_spec_string("stun-server", "STUN server",
                          "stun://host:port overriding the posted credentials, for use "
                          "outside NVCF; empty = from credentials (no public default)",
                          "", rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_TURN_SERVER,
      g_param_spec_string("turn-server", "TURN server",
                          "turn://user:pass@host:port overriding the posted credentials; "
                          "empty = from credentials. Reads back with the password as ***",
                          "", rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_ICE_ADDRESSES,
      g_param_spec_string("ice-addresses", "ICE local addresses",
                          "Comma-separated local IP addresses ICE gathers on; default "
                          "$NVCF_ICE_ADDRESSES, else empty = all interfaces",
                          "", rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_ICE_TCP,
      g_param_spec_boolean("ice-tcp", "ICE over TCP",
                           "Also gather ICE-TCP candidates (their ports are not kept inside "
                           "port-range)",
                           FALSE, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_PLAYOUT_DELAY,
      g_param_spec_boolean("playout-delay", "Least playout delay",
                           "Offer the playout-delay RTP header extension on video (min 0, "
                           "max playout-delay-max), asking viewers to render each frame as "
                           "soon as they can; for new sessions",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_PLAYOUT_DELAY_MAX,
      g_param_spec_uint("playout-delay-max", "Most playout delay",
                        "The playout-delay extension's max, in ms (10 ms steps): Chromium "
                        "renders through its low-latency renderer for 10-500, and without "
                        "it, expecting to display frames later, for 0 (min = max = 0; see "
                        "the README); for new sessions",
                        0, 500, 100, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_LIP_SYNC,
      g_param_spec_boolean("lip-sync", "Lip sync",
                           "Offer audio and video as one media stream, which browsers play "
                           "in sync by delaying video to the audio; off by default, so video "
                           "is shown as soon as it arrives (see the README); for new sessions",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_KEEPALIVE_INTERVAL,
      g_param_spec_uint("keepalive-interval", "WebSocket keepalive",
                        "Seconds between WebSocket pings to each signalling client, so "
                        "proxies keep a quiet connection open; 0 = no pings",
                        0, 3600, 5, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_enum("ice-transport-policy", "ICE transport policy",
                        "all, or relay to send media only through the TURN server",
                        GST_TYPE_WEBRTC_ICE_TRANSPORT_POLICY, GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL,
                        rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_SESSION_POLICY,
      g_param_spec_enum("session-policy", "Session policy",
                        "After the last session: reuse (ready again) or exit (readiness "
                        "finished, then EOS so the container ends); default "
                        "$NVCF_SESSION_POLICY, else reuse (nvcf-streamer sets exit)",
                        GST_TYPE_NVCF_SESSION_POLICY, (gint)nvcf::SessionPolicy::Reuse, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_RESUME_TIMEOUT,
      g_param_spec_uint("resume-timeout", "Resume timeout",
                        "Seconds a session whose client dropped without ending it waits "
                        "for that client to reconnect; 0 ends it at once",
                        0, 86400, 30, (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));
  const nvcf::ConnectionLimits limits;
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_MAX_CONNECTIONS,
      g_param_spec_uint("max-connections", "Maximum connections",
                        "TCP connections each server (control, signalling) keeps open at "
                        "once, WebSockets included; a connection over it is closed at once",
                        1, 65535, limits.max_connections, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_REQUEST_TIMEOUT,
      g_param_spec_uint("request-timeout", "Request timeout",
                        "Seconds a client of either server has to send its whole request "
                        "(the WebSocket handshake on the signalling port) after connecting; "
                        "a slower one is disconnected; 0 = no limit",
                        0, 3600, limits.request_timeout_s, rw_ready));
  g_object_class_install_property(
      gobject_class, GST_NVCF_PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "Per-session webrtcbin statistics (a field per session id), the "
                         "session count, and the target bitrate (video-bitrate, kbit/s) and "
                         "factory (video-encoder) of the video encoder in use, the "
                         "element's or one upstream",
                         GST_TYPE_STRUCTURE,
                         (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

bool gst_nvcf_settings_set(nvcf::Settings& s, guint prop_id, const GValue* value) {
  auto str = [value] {
    const gchar* v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  switch (prop_id) {
    case GST_NVCF_PROP_CONTROL_PORT:
      s.control_port = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_CONTROL_ADDRESS:
      s.control_address = str();
      break;
    case GST_NVCF_PROP_STREAMING_PORT:
      s.streaming_port = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_START_ENDPOINT: {
      std::string v = str();
      if (!nvcf::valid_endpoint(v)) {
        g_warning(
            "nvcfwebrtcsink: start-endpoint \"%s\" must start with "
            "'/'; keeping \"%s\"",
            v.c_str(), s.start_endpoint.c_str());
        break;
      }
      s.start_endpoint = v;
      break;
    }
    case GST_NVCF_PROP_PORT_RANGE: {
      std::string error;
      auto range = nvcf::parse_port_range(str(), &error);
      if (!range) {
        g_warning("nvcfwebrtcsink: %s; keeping %s", error.c_str(),
                  s.port_range.to_string().c_str());
        break;
      }
      s.port_range = *range;
      break;
    }
    case GST_NVCF_PROP_MAX_SESSIONS:
      s.max_sessions = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_VIDEO_ENCODER: {
      std::string v = str();
      s.video_encoder = v.empty() ? "auto" : v;
      break;
    }
    case GST_NVCF_PROP_VIDEO_BITRATE:
      s.video_bitrate_kbps = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_CONGESTION_CONTROL:
      s.congestion_control = g_value_get_boolean(value);
      break;
    case GST_NVCF_PROP_MIN_VIDEO_BITRATE:
      s.min_video_bitrate_kbps = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_MAX_VIDEO_BITRATE:
      s.max_video_bitrate_kbps = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_CREDS_USE:
      s.creds_use = (nvcf::CredsUse)g_value_get_enum(value);
      break;
    case GST_NVCF_PROP_STUN_SERVER:
      s.stun_server = str();
      break;
    case GST_NVCF_PROP_TURN_SERVER:
      s.turn_server = str();
      break;
    case GST_NVCF_PROP_ICE_ADDRESSES:
      s.ice_addresses = str();
      break;
    case GST_NVCF_PROP_ICE_TCP:
      s.ice_tcp = g_value_get_boolean(value);
      break;
    case GST_NVCF_PROP_PLAYOUT_DELAY:
      s.playout_delay = g_value_get_boolean(value);
      break;
    case GST_NVCF_PROP_PLAYOUT_DELAY_MAX:
      s.playout_delay_max_ms = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_LIP_SYNC:
      s.lip_sync = g_value_get_boolean(value);
      break;
    case GST_NVCF_PROP_KEEPALIVE_INTERVAL:
      s.keepalive_interval_s = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_SESSION_POLICY:
      s.session_policy = (nvcf::SessionPolicy)g_value_get_enum(value);
      break;
    case GST_NVCF_PROP_RESUME_TIMEOUT:
      s.resume_timeout_s = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_MAX_CONNECTIONS:
      s.connection_limits.max_connections = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_REQUEST_TIMEOUT:
      s.connection_limits.request_timeout_s = g_value_get_uint(value);
      break;
    case GST_NVCF_PROP_ICE_TRANSPORT_POLICY:
      s.ice_transport_policy = g_value_get_enum(value) == GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                                   ? nvcf::IceTransportPolicy::Relay
                                   : nvcf::IceTransportPolicy::All;
      break;
    default:
      return false;
  }
  return true;
}

bool gst_nvcf_settings_get(const nvcf::Settings& s, guint prop_id, GValue* value) {
  switch (prop_id) {
    case GST_NVCF_PROP_CONTROL_PORT:
      g_value_set_uint(value, s.control_port);
      break;
    case GST_NVCF_PROP_CONTROL_ADDRESS:
      g_value_set_string(value, s.control_address.c_str());
      break;
    case GST_NVCF_PROP_STREAMING_PORT:
      g_value_set_uint(value, s.streaming_port);
      break;
    case GST_NVCF_PROP_START_ENDPOINT:
      g_value_set_string(value, s.start_endpoint.c_str());
      break;
    case GST_NVCF_PROP_PORT_RANGE:
      g_value_set_string(value, s.port_range.to_string().c_str());
      break;
    case GST_NVCF_PROP_MAX_SESSIONS:
      g_value_set_uint(value, s.max_sessions);
      break;
    case GST_NVCF_PROP_VIDEO_ENCODER:
      g_value_set_string(value, s.video_encoder.c_str());
      break;
    case GST_NVCF_PROP_VIDEO_BITRATE:
      g_value_set_uint(value, s.video_bitrate_kbps);
      break;
    case GST_NVCF_PROP_CONGESTION_CONTROL:
      g_value_set_boolean(value, s.congestion_control);
      break;
    case GST_NVCF_PROP_MIN_VIDEO_BITRATE:
      g_value_set_uint(value, s.min_video_bitrate_kbps);
      break;
    case GST_NVCF_PROP_MAX_VIDEO_BITRATE:
      g_value_set_uint(value, s.max_video_bitrate_kbps);
      break;
    case GST_NVCF_PROP_CREDS_USE:
      g_value_set_enum(value, (gint)s.creds_use);
      break;
    case GST_NVCF_PROP_STUN_SERVER:
      g_value_set_string(value, s.stun_server.c_str());
      break;
    case GST_NVCF_PROP_TURN_SERVER:
      /* Readable without its password: dot dumps and gst-launch -v show
       * properties. */
      g_value_set_string(value, nvcf::redact_uri(s.turn_server).c_str());
      break;
    case GST_NVCF_PROP_ICE_ADDRESSES:
      g_value_set_string(value, s.ice_addresses.c_str());
      break;
    case GST_NVCF_PROP_ICE_TCP:
      g_value_set_boolean(value, s.ice_tcp);
      break;
    case GST_NVCF_PROP_PLAYOUT_DELAY:
      g_value_set_boolean(value, s.playout_delay);
      break;
    case GST_NVCF_PROP_PLAYOUT_DELAY_MAX:
      g_value_set_uint(value, s.playout_delay_max_ms);
      break;
    case GST_NVCF_PROP_LIP_SYNC:
      g_value_set_boolean(value, s.lip_sync);
      break;
    case GST_NVCF_PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint(value, s.keepalive_interval_s);
      break;
    case GST_NVCF_PROP_ICE_TRANSPORT_POLICY:
      g_value_set_enum(value, s.ice_transport_policy == nvcf::IceTransportPolicy::Relay
                                  ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                                  : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL);
      break;
    case GST_NVCF_PROP_SESSION_POLICY:
      g_value_set_enum(value, (gint)s.session_policy);
      break;
    case GST_NVCF_PROP_RESUME_TIMEOUT:
      g_value_set_uint(value, s.resume_timeout_s);
      break;
    case GST_NVCF_PROP_MAX_CONNECTIONS:
      g_value_set_uint(value, s.connection_limits.max_connections);
      break;
    case GST_NVCF_PROP_REQUEST_TIMEOUT:
      g_value_set_uint(value, s.connection_limits.request_timeout_s);
      break;
    default:
      return false;
  }
  return true;
}
