/* One viewer's WebRTC session. Lock order: Impl::lock is never held while
 * emitting webrtcbin signals or calling the owner's callbacks. */
#include "gstnvcfsession.h"

#include <agent.h>
#include <gst/rtp/gstrtphdrext.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "core/codecs.h"
#include "core/encoders.h"
#include "core/input.h"
#include "gstnvcfsessionimpl.h"
#include "gstnvcfturn.h"

GST_DEBUG_CATEGORY(gst_nvcf_session_debug); /* gstnvcfturn.cpp logs here too */
#define GST_CAT_DEFAULT gst_nvcf_session_debug

namespace {

/* "turn://user:pass@host:port" -> "host:port", for logs. */
std::string server_endpoint(const std::string& uri) {
  auto at = uri.rfind('@');
  auto scheme = uri.find("://");
  if (at != std::string::npos)
    return uri.substr(at + 1);
  return scheme == std::string::npos ? uri : uri.substr(scheme + 3);
}

}  // namespace

/* ------------------------------------------------------------- negotiation */

/* webrtcbin names one media stream for every track (its msid, the CNAME
 * before GStreamer 1.24), and browsers synchronise the tracks of a
 * stream: Chromium delays video to the audio's playout. Without lip sync,
 * audio gets a media stream of its own, in both ways an offer names it
 * (a=msid and the a=ssrc msid: of older senders). */
static void separate_audio_stream(GstSDPMessage* sdp) {
  for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(sdp, i));
    if (g_strcmp0(gst_sdp_media_get_media(media), "audio") != 0)
      continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, a);
      if (!attr->value)
        continue;
      std::string value = attr->value;
      /* "<stream> <track>" or "<ssrc> msid:<stream> <track>" */
      size_t start = 0;
      if (g_strcmp0(attr->key, "ssrc") == 0) {
        size_t m = value.find(" msid:");
        if (m == std::string::npos)
          continue;
        start = m + 6;
      } else if (g_strcmp0(attr->key, "msid") != 0) {
        continue;
      }
      size_t end = value.find(' ', start);
      if (end == std::string::npos || end == start)
        continue;
      value.insert(end, "-audio");
      GstSDPAttribute replaced;
      gst_sdp_attribute_set(&replaced, attr->key, value.c_str());
      gst_sdp_media_replace_attribute(media, a, &replaced);
    }
  }
}

static void on_offer_created(GstPromise* promise, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  const GstStructure* reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription* offer = NULL;
  if (reply)
    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(promise);
  if (impl->stopped) {
    /* Ended mid-negotiation: the offer goes nowhere. */
    if (offer)
      gst_webrtc_session_description_free(offer);
    return;
  }
  if (!offer) {
    GError* err = NULL;
    if (reply)
      gst_structure_get(reply, "error", G_TYPE_ERROR, &err, NULL);
    std::string why = err ? err->message : "no offer";
    g_clear_error(&err);
    GST_ERROR("[%s] cannot create an offer: %s", impl->config.label.c_str(), why.c_str());
    impl->cb.failed("cannot create an offer: " + why);
    return;
  }
  if (!impl->config.lip_sync)
    separate_audio_stream(offer->sdp);
  /* set-local-description is queued before the offer goes out, so a quick
   * answer's set-remote-description always runs after it. The queued task
   * (which starts gathering) cannot run before this callback returns: both
   * live on webrtcbin's own thread, so no candidate overtakes the offer. */
  g_signal_emit_by_name(impl->webrtc, "set-local-description", offer, NULL);
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  GST_DEBUG("[%s] offer:\n%s", impl->config.label.c_str(), text);
  impl->cb.offer(text);
  g_free(text);
  gst_webrtc_session_description_free(offer);
}

static void create_offer(GstNvcfSession::Impl* impl) {
  /* Codec preferences from the negotiated RTP caps, with the feedback
   * messages we honour: NACK (retransmission), PLI and FIR (key units). */
  for (auto& b : impl->branches) {
    GstWebRTCRTPTransceiver* trans = NULL;
    g_object_get(b.webrtc_pad, "transceiver", &trans, NULL);
    if (!trans)
      continue;
    GstCaps* prefs = gst_caps_copy(b.caps);
    GstStructure* s = gst_caps_get_structure(prefs, 0);
    /* Payloader internals do not belong in SDP. */
    for (const char* f :
         {"ssrc", "timestamp-offset", "seqnum-offset", "a-framerate", "sprop-parameter-sets"})
      gst_structure_remove_field(s, f);
    if (const nvcf::Codec* codec = nvcf::codec_for(b.tap.media_type))
      for (const auto& fb : codec->rtcp_feedback)
        gst_structure_set(s, fb.c_str(), G_TYPE_BOOLEAN, TRUE, NULL);
    if (b.tap.video && impl->config.congestion_control)
      gst_structure_set(s, "rtcp-fb-transport-cc", G_TYPE_BOOLEAN, TRUE, NULL);
    g_object_set(trans, "codec-preferences", prefs, NULL);
    gst_caps_unref(prefs);
    gst_object_unref(trans);
  }
  GstPromise* promise = gst_promise_new_with_change_func(on_offer_created, impl, NULL);
  g_signal_emit_by_name(impl->webrtc, "create-offer", NULL, promise);
}

/* Offer once every branch has RTP caps, so the SDP carries real codec
 * parameters (profile-level-id, packetization-mode). */
static GstPadProbeReturn on_branch_caps(GstPad* pad, GstPadProbeInfo* info, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  GstCaps* caps;
  gst_event_parse_caps(event, &caps);
  bool offer_now = false;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    for (auto& b : impl->branches) {
      if (pad == b.webrtc_internal && !b.caps) {
        b.caps = gst_caps_ref(caps);
        impl->caps_pending--;
      }
    }
    if (impl->caps_pending == 0 && !impl->offered) {
      impl->offered = true;
      offer_now = true;
    }
  }
  if (offer_now && !impl->stopped)
    create_offer(impl);
  return GST_PAD_PROBE_REMOVE;
}

/* --------------------------------------------------------------- webrtcbin */

static void on_ice_candidate(GstElement*, guint mline, gchar* candidate, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  if (impl->stopped)
    return;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    impl->local_candidates++;
    if (strstr(candidate, " typ relay"))
      impl->relay_seen = true;
  }
  GST_LOG("[%s] local candidate %u %s", impl->config.label.c_str(), mline, candidate);
  impl->cb.ice(nvcf::IceCandidate{candidate, mline, ""});
}

/* Why a session gathered nothing, for its viewer and the log. Under the
 * relay policy only TURN can give a candidate, so the TURN server (never
 * its credentials) is what to name. */
static std::string no_candidate_reason(const GstNvcfSessionConfig& config) {
  if (config.relay_only && config.turn_server.empty())
    return "no local ICE candidate: ice-transport-policy is relay and there is no TURN "
           "server (post credentials to /v1/streaming/creds, or set turn-server)";
  if (config.relay_only)
    return "no local ICE candidate: ice-transport-policy is relay and the TURN server " +
           server_endpoint(config.turn_server) +
           " gave no relay candidate (check the credentials posted to /v1/streaming/creds)";
  return "no local ICE candidate: no free UDP port in " + config.port_range.to_string() +
         " or no usable address";
}

static void on_gathering_state(GstElement* webrtc, GParamSpec*, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  GstWebRTCICEGatheringState state;
  g_object_get(webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || impl->stopped)
    return;
  unsigned n;
  bool relay;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    n = impl->local_candidates;
    relay = impl->relay_seen;
  }
  GST_INFO("[%s] gathering complete: %u local candidates%s", impl->config.label.c_str(), n,
           relay ? " (relay)" : "");
  if (!impl->config.turn_server.empty() && !relay)
    GST_WARNING(
        "[%s] TURN server %s gave no relay candidate: check the "
        "credentials posted to /v1/streaming/creds and that the server is "
        "reachable",
        impl->config.label.c_str(), server_endpoint(impl->config.turn_server).c_str());
  if (n == 0)
    impl->cb.failed(no_candidate_reason(impl->config));
}

/* A live stream is sent as soon as it is encoded, as a plain webrtcbin
 * sender does: webrtcbin's RTP send path (its clocksync, and the RTP
 * nicesink) would otherwise hold each packet until running time plus the
 * pipeline latency, which sessions joining a playing pipeline receive
 * (33 ms with a live videotestsrc) and which a new pipeline per viewer
 * never does. Non-live input keeps the clock's pacing. */
static void on_send_path_element(GstBin*, GstBin*, GstElement* element, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  if (!impl->config.live)
    return;
  GstElementFactory* f = gst_element_get_factory(element);
  const gchar* name = f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "";
  if (g_strcmp0(name, "clocksync") == 0 || g_strcmp0(name, "nicesink") == 0)
    g_object_set(element, "sync", FALSE, NULL);
}

static void on_connection_state(GstElement* webrtc, GParamSpec*, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  GstWebRTCPeerConnectionState state;
  g_object_get(webrtc, "connection-state", &state, NULL);
  if (impl->stopped)
    return;
  GST_INFO("[%s] connection state %d", impl->config.label.c_str(), state);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    /* Media starts once DTLS is up, at the key unit asked for now. (Asked
     * for at ICE connection it was held in webrtcbin through a slow
     * handshake, and our leaky queue broke its group of pictures.) */
    gint64 none = 0;
    if (impl->connected_at.compare_exchange_strong(none, g_get_monotonic_time()))
      impl->cb.connected(); /* asks for the key unit the media gate waits for */
    gst_nvcf_session_watch_twcc(impl);
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    impl->cb.failed("the WebRTC connection failed (ICE or DTLS)");
}

/* ----------------------------------------------------------------- session */

GstNvcfSession::GstNvcfSession(GstBin* bin, GstNvcfSessionConfig config,
                               GstNvcfSessionCallbacks callbacks)
    : impl_(new Impl()) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_session_debug, "nvcfsession", 0, "NVCF WebRTC session");
    g_once_init_leave(&once, 1);
  }
  impl_->bin = bin;
  impl_->config = std::move(config);
  impl_->cb = std::move(callbacks);
  impl_->prefix = "session-" + impl_->config.id.substr(0, 8);
}

GstNvcfSession::~GstNvcfSession() {
  stop();
}

unsigned GstNvcfSession::local_candidates() const {
  std::lock_guard<std::mutex> lock(impl_->lock);
  return impl_->local_candidates;
}

const std::string& GstNvcfSession::id() const {
  return impl_->config.id;
}

GstElement* GstNvcfSession::webrtcbin() const {
  return impl_->webrtc;
}

static bool configure_ice(GstNvcfSession::Impl* impl, std::string* error) {
  GstObject* ice = NULL;
  g_object_get(impl->webrtc, "ice-agent", &ice, NULL);
  if (!ice) {
    *error = "webrtcbin has no ICE agent";
    return false;
  }
  if (!impl->config.turn_server.empty() &&
      !gst_nvcf_ice_add_turn_server(ice, impl->config.turn_server, error)) {
    gst_object_unref(ice);
    return false;
  }
  g_object_set(ice, "min-rtp-port", impl->config.port_range.min, "max-rtp-port",
               impl->config.port_range.max, "ice-tcp", impl->config.ice_tcp, NULL);
  NiceAgent* agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  if (agent) {
    /* UPnP multicasts SSDP and opens ports outside the range. */
    g_object_set(agent, "upnp", FALSE, NULL);
    /* Connectivity checks 5 ms apart (libnice's Ta defaults to 20 ms), the
     * least RFC 8445 allows: a session has a handful of pairs, and the
     * checks of the working one then finish in about 25 ms instead of
     * 80-100 ms (measured on loopback). */
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "stun-pacing-timer"))
      g_object_set(agent, "stun-pacing-timer", 5u, NULL);
    for (const auto& addr : impl->config.ice_addresses) {
      NiceAddress a;
      nice_address_init(&a);
      if (!nice_address_set_from_string(&a, addr.c_str())) {
        *error = "ice-addresses: \"" + addr + "\" is not an IP address";
        g_object_unref(agent);
        gst_object_unref(ice);
        return false;
      }
      nice_agent_add_local_address(agent, &a);
    }
    g_object_unref(agent);
  }
  gst_object_unref(ice);
  return true;
}

/* The playout-delay extension's id in our offers: one-byte ids run 1-14;
 * TWCC takes 3 (gstnvcfsessioncongestion.cpp). */
constexpr guint kPlayoutDelayId = 5;

/* min 0, max max_ms on every packet of this payloader: the payloader puts
 * the extmap into its caps, so webrtcbin offers it, and a browser that
 * answers with it renders each frame as soon as it can. */
static void add_playout_delay(GstElement* pay, unsigned max_ms) {
  GstElement* ext = gst_element_factory_make("nvcfrtphdrextplayoutdelay", NULL);
  if (!ext) {
    GST_WARNING("nvcfrtphdrextplayoutdelay is missing: no playout-delay extension");
    return;
  }
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(ext), kPlayoutDelayId);
  g_object_set(ext, "max-delay", guint(max_ms), NULL);
  g_signal_emit_by_name(pay, "add-extension", ext);
  gst_object_unref(ext);
}

static GstElement* make(const char* factory, const std::string& name, std::string* error) {
  GstElement* e = gst_element_factory_make(factory, name.c_str());
  if (!e)
    *error = std::string("element ") + factory + " is missing";
  return e;
}

bool GstNvcfSession::start(const std::vector<GstNvcfStreamTap>& streams, std::string* error) {
  Impl* impl = impl_.get();
  const std::string prefix = impl->prefix;

  GstElement* webrtc = make("webrtcbin", prefix, error);
  if (!webrtc)
    return false;
  gst_object_ref(webrtc);
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    impl->webrtc = webrtc;
  }
  gst_util_set_object_arg(G_OBJECT(impl->webrtc), "bundle-policy", "max-bundle");
  g_object_set(impl->webrtc, "latency", 0, NULL);
  if (impl->config.relay_only)
    gst_util_set_object_arg(G_OBJECT(impl->webrtc), "ice-transport-policy", "relay");
  if (!impl->config.stun_server.empty())
    g_object_set(impl->webrtc, "stun-server", impl->config.stun_server.c_str(), NULL);
  if (!configure_ice(impl, error))
    return false;

  g_signal_connect(impl->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), impl);
  g_signal_connect(impl->webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state),
                   impl);
  g_signal_connect(impl->webrtc, "notify::connection-state", G_CALLBACK(on_connection_state), impl);
  g_signal_connect(impl->webrtc, "on-data-channel", G_CALLBACK(gst_nvcf_session_on_remote_channel),
                   impl);
  g_signal_connect(impl->webrtc, "deep-element-added", G_CALLBACK(on_send_path_element), impl);
  gst_bin_add(impl->bin, impl->webrtc);

  std::vector<std::string> types;
  for (const auto& tap : streams)
    types.push_back(tap.media_type);
  std::vector<unsigned> pts = nvcf::payload_types(types);
  for (size_t i = 0; i < streams.size(); i++) {
    const GstNvcfStreamTap& tap = streams[i];
    const nvcf::Codec* codec = nvcf::codec_for(tap.media_type);
    if (!codec)
      continue;
    const std::string& payloader = codec->payloader;
    Branch b;
    b.tap = tap;
    std::string n = prefix + "-" + tap.name;
    b.queue = make("queue", n + "-queue", error);
    b.pay = make(payloader.c_str(), n + "-pay", error);
    b.filter = make("capsfilter", n + "-caps", error);
    if (!b.queue || !b.pay || !b.filter) {
      for (GstElement* e : {b.queue, b.pay, b.filter})
        if (e)
          gst_object_unref(gst_object_ref_sink(e));
      return false;
    }
    /* A slow viewer drops its own old packets instead of stalling the tee
     * that every viewer shares; a PLI then recovers. */
    g_object_set(b.queue, "leaky", 2, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time",
                 (guint64)(200 * GST_MSECOND), NULL);
    g_object_set(b.pay, "pt", pts[i], "mtu", 1200, NULL);
    for (const auto& [key, value] : codec->payloader_properties)
      gst_util_set_object_arg(G_OBJECT(b.pay), key.c_str(), value.c_str());
    if (tap.video && impl->config.playout_delay)
      add_playout_delay(b.pay, impl->config.playout_delay_max_ms);
    if (tap.video && impl->config.congestion_control)
      gst_nvcf_session_add_twcc(impl, b.pay);
    gst_bin_add_many(impl->bin, b.queue, b.pay, b.filter, NULL);
    for (GstElement* e : {b.queue, b.pay, b.filter})
      gst_object_ref(e);
    gst_element_link_many(b.queue, b.pay, b.filter, NULL);

    b.webrtc_pad = gst_element_request_pad_simple(impl->webrtc, "sink_%u");
    impl->branches.push_back(b);
    GstPad* src = gst_element_get_static_pad(b.filter, "src");
    if (gst_pad_link(src, b.webrtc_pad) != GST_PAD_LINK_OK) {
      gst_object_unref(src);
      *error = "cannot link " + tap.name + " to webrtcbin";
      return false;
    }
    gst_nvcf_session_gate_webrtc_input(impl, src);
    gst_object_unref(src);
    /* Caps seen past webrtcbin's own sink pad handler, which records them
     * (and the SSRC the offer must carry). */
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(b.webrtc_pad)));
    gst_pad_add_probe(internal, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_branch_caps, impl, NULL);
    impl->branches.back().webrtc_internal = internal;

    GstWebRTCRTPTransceiver* trans = NULL;
    g_object_get(b.webrtc_pad, "transceiver", &trans, NULL);
    if (trans) {
      gst_util_set_object_arg(G_OBJECT(trans), "direction", "sendonly");
      if (tap.video && g_object_class_find_property(G_OBJECT_GET_CLASS(trans), "do-nack"))
        g_object_set(trans, "do-nack", TRUE, NULL);
      gst_object_unref(trans);
    }
  }
  if (impl->branches.empty()) {
    *error = "no media to send yet";
    return false;
  }
  impl->caps_pending = impl->branches.size();

  /* Downstream first, so no buffer meets an element that is not running;
   * the tee is tapped last. */
  gst_element_sync_state_with_parent(impl->webrtc);
  /* Once webrtcbin is out of NULL (it refuses channels while closed): the
   * data channels of the gst-plugins-rs schema: requests
   * with replies, and bare input events. */
  GstWebRTCDataChannel *control = NULL, *input = NULL;
  g_signal_emit_by_name(impl->webrtc, "create-data-channel", "control", NULL, &control);
  g_signal_emit_by_name(impl->webrtc, "create-data-channel", "input", NULL, &input);
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    impl->control = control;
    impl->input = input;
  }
  for (auto* ch : {control, input})
    if (ch)
      g_signal_connect(ch, "on-message-string", G_CALLBACK(gst_nvcf_session_on_channel_message),
                       impl);

  for (auto& b : impl->branches) {
    for (GstElement* e : {b.filter, b.pay, b.queue})
      gst_element_sync_state_with_parent(e);
    b.tee_pad = gst_element_request_pad_simple(b.tap.tee, "src_%u");
    GstPad* sink = gst_element_get_static_pad(b.queue, "sink");
    gst_pad_link(b.tee_pad, sink);
    gst_object_unref(sink);
    gst_nvcf_session_gate_tee(impl, b);
  }
  /* No key unit yet: media waits for the connection, which asks for one. */
  GST_INFO("[%s] session started with %zu streams", impl->config.label.c_str(),
           impl->branches.size());
  return true;
}

void GstNvcfSession::set_remote_answer(const std::string& sdp) {
  Impl* impl = impl_.get();
  GstSDPMessage* msg = NULL;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK || !msg) {
    impl->cb.failed("the answer is not valid SDP");
    return;
  }
  /* A viewer that cannot decode a stream answers its m-line with port 0.
   * webrtcbin 1.22 aborts the whole process on such a bundled answer
   * (an assertion in _connect_rtpfunnel), so it never gets one: the
   * session ends with the reason instead. */
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, i);
    if (gst_sdp_media_get_port(media) == 0) {
      std::string kind = gst_sdp_media_get_media(media) ? gst_sdp_media_get_media(media) : "media";
      gst_sdp_message_free(msg);
      impl->cb.failed("the viewer rejected the " + kind +
                      " stream (it cannot "
                      "decode what was offered)");
      return;
    }
  }
  GstWebRTCSessionDescription* answer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* impl = static_cast<Impl*>(data);
        const GstStructure* reply = gst_promise_get_reply(p);
        GError* err = NULL;
        if (reply && gst_structure_has_field(reply, "error"))
          gst_structure_get(reply, "error", G_TYPE_ERROR, &err, NULL);
        if (err && !impl->stopped)
          impl->cb.failed(std::string("the answer was refused: ") + err->message);
        g_clear_error(&err);
        gst_promise_unref(p);
      },
      impl, NULL);
  g_signal_emit_by_name(impl->webrtc, "set-remote-description", answer, promise);
  gst_webrtc_session_description_free(answer);
}

void GstNvcfSession::add_remote_ice(const nvcf::IceCandidate& ice) {
  if (ice.candidate.empty())
    return; /* end of candidates: nothing to add */
  g_signal_emit_by_name(impl_->webrtc, "add-ice-candidate", ice.mline_index, ice.candidate.c_str());
}

void GstNvcfSession::request_key_unit() {
  for (auto& b : impl_->branches)
    if (b.tap.video && b.tee_pad)
      gst_pad_send_event(b.tee_pad,
                         gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* The session's webrtcbin or control channel, with a reference, or NULL
 * once stopped: callers on any thread use it without racing stop(). */
static GstElement* ref_webrtc(GstNvcfSession::Impl* impl) {
  std::lock_guard<std::mutex> lock(impl->lock);
  if (impl->stopped || !impl->webrtc)
    return NULL;
  return GST_ELEMENT(gst_object_ref(impl->webrtc));
}

namespace {

/* Outlives the promise when the waiter gives up: webrtcbin may reply
 * after the bound. */
struct StatsWait {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
};

}  // namespace

/* Queues a get-stats on webrtcbin's operation thread and waits up to bound
 * for its reply; the promise (replied or not) is the caller's. Its queue
 * is first in, first out: a reply also means every operation queued
 * before it has run. */
static GstPromise* queue_stats(GstElement* webrtc, std::chrono::milliseconds bound, bool* replied) {
  auto wait = std::make_shared<StatsWait>();
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise*, gpointer data) {
        auto& w = *static_cast<std::shared_ptr<StatsWait>*>(data);
        std::lock_guard<std::mutex> lock(w->m);
        w->done = true;
        w->cv.notify_all();
      },
      new std::shared_ptr<StatsWait>(wait),
      [](gpointer data) { delete static_cast<std::shared_ptr<StatsWait>*>(data); });
  g_signal_emit_by_name(webrtc, "get-stats", NULL, promise);
  std::unique_lock<std::mutex> lock(wait->m);
  *replied = wait->cv.wait_for(lock, bound, [&] { return wait->done; });
  return promise;
}

GstStructure* GstNvcfSession::stats() {
  /* Bounded: the caller may be webrtcbin's own thread (a data-received
   * handler), which is the thread that would answer. */
  constexpr auto kStatsBound = std::chrono::seconds(2);
  if (impl_->webrtc_thread == g_thread_self()) {
    /* get-stats queues a task for this very thread: it would only run
     * after we return. Skip at once rather than wait out the bound. */
    GST_DEBUG("[%s] no statistics from webrtcbin's own thread", impl_->config.label.c_str());
    return NULL;
  }
  GstElement* webrtc = ref_webrtc(impl_.get());
  if (!webrtc)
    return NULL;
  bool replied = false;
  GstPromise* promise = queue_stats(webrtc, kStatsBound, &replied);
  GstStructure* out = NULL;
  if (replied && gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    if (reply)
      out = gst_structure_copy(reply);
  } else if (!replied) {
    GST_WARNING("[%s] no statistics from webrtcbin within %lld s", impl_->config.label.c_str(),
                (long long)kStatsBound.count());
  }
  gst_promise_unref(promise);
  gst_object_unref(webrtc);
  return out;
}

bool GstNvcfSession::owns(GstObject* obj) const {
  GstElement* webrtc = ref_webrtc(impl_.get());
  bool mine = false;
  if (webrtc) {
    mine = obj == GST_OBJECT(webrtc) || gst_object_has_as_ancestor(obj, GST_OBJECT(webrtc));
    gst_object_unref(webrtc);
  }
  /* The branch elements live in the element's bin, named after us. */
  if (!mine && GST_OBJECT_PARENT(obj) == GST_OBJECT(impl_->bin)) {
    gchar* name = gst_object_get_name(obj);
    mine = name && g_str_has_prefix(name, (impl_->prefix + "-").c_str());
    g_free(name);
  }
  return mine;
}

/* webrtcbin 1.22's transport receive bins (its internal TransportReceiveBin)
 * follow their ICE transport's "notify::state" and never disconnect. A
 * state change that comes after the bin went to NULL, as libnice winds a
 * half-negotiated stream down, blocks its pad again, and that block holds
 * a ref on the bin: the bin, its nicesrc, the NiceAgent and its UDP sockets
 * were never freed (2 to 14 of 40 sessions torn down mid-offer, before
 * this). Cutting the handlers before NULL leaves nothing to re-block. */
static void detach_receive_bins(GstElement* webrtc) {
  std::vector<GObject*> ices;
  GArray* transceivers = NULL;
  g_signal_emit_by_name(webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++) {
    GstWebRTCRTPTransceiver* trans = g_array_index(transceivers, GstWebRTCRTPTransceiver*, i);
    GstWebRTCRTPSender* sender = NULL;
    g_object_get(trans, "sender", &sender, NULL);
    GstWebRTCDTLSTransport* dtls = NULL;
    if (sender)
      g_object_get(sender, "transport", &dtls, NULL);
    GObject* ice = NULL;
    if (dtls)
      g_object_get(dtls, "transport", &ice, NULL);
    if (ice && std::find(ices.begin(), ices.end(), ice) == ices.end())
      ices.push_back(ice);
    else if (ice)
      g_object_unref(ice);
    g_clear_object(&dtls);
    g_clear_object(&sender);
  }
  if (transceivers)
    g_array_unref(transceivers);
  if (ices.empty())
    return;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(webrtc));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GObject* child = G_OBJECT(g_value_get_object(&item));
    if (g_strcmp0(G_OBJECT_TYPE_NAME(child), "TransportReceiveBin") == 0)
      for (GObject* ice : ices)
        g_signal_handlers_disconnect_matched(ice, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, child);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  for (GObject* ice : ices)
    g_object_unref(ice);
}

void GstNvcfSession::stop() {
  Impl* impl = impl_.get();
  if (impl->stopped.exchange(true))
    return;
  if (impl->webrtc)
    g_signal_handlers_disconnect_by_data(impl->webrtc, impl);
  GstWebRTCDataChannel* channels[2];
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    channels[0] = impl->control;
    channels[1] = impl->input;
    impl->control = impl->input = nullptr;
  }
  for (auto* ch : channels)
    if (ch) {
      g_signal_handlers_disconnect_by_data(ch, impl);
      gst_object_unref(ch);
    }
  /* Stop the flow into the branch first, then tear it down. */
  for (auto& b : impl->branches) {
    if (b.tee_pad) {
      GstPad* sink = gst_element_get_static_pad(b.queue, "sink");
      gst_pad_unlink(b.tee_pad, sink);
      gst_object_unref(sink);
      gst_element_release_request_pad(b.tap.tee, b.tee_pad);
      gst_object_unref(b.tee_pad);
    }
  }
  /* Locked, so a concurrent state change of the bin cannot bring them
   * back up before they are removed. */
  auto remove = [impl](GstElement* e) {
    if (!e)
      return;
    gst_element_set_locked_state(e, TRUE);
    gst_element_set_state(e, GST_STATE_NULL);
    if (GST_OBJECT_PARENT(e) == GST_OBJECT(impl->bin))
      gst_bin_remove(impl->bin, e);
    gst_object_unref(e);
  };
  /* webrtcbin first: a branch thread may be blocked pushing into it, and
   * stopping the branch would wait for that push forever. */
  if (impl->webrtc) {
    /* webrtcbin stops its operation thread only after its children went to
     * NULL: an answer still being applied there would block a receive bin
     * again once it had been released, and so keep it (as below). Nothing
     * new is queued once stopped; this waits out what is queued already. */
    if (impl->webrtc_thread != g_thread_self()) {
      bool drained = false;
      gst_promise_unref(queue_stats(impl->webrtc, std::chrono::seconds(1), &drained));
      if (!drained)
        GST_WARNING("[%s] webrtcbin still busy after 1 s; stopping it anyway",
                    impl->config.label.c_str());
    }
    detach_receive_bins(impl->webrtc);
    gst_element_set_locked_state(impl->webrtc, TRUE);
    gst_element_set_state(impl->webrtc, GST_STATE_NULL);
  }
  gst_nvcf_session_unwatch_twcc(impl);
  for (auto& b : impl->branches) {
    for (GstElement* e : {b.queue, b.pay, b.filter})
      remove(e);
    if (b.webrtc_pad && impl->webrtc)
      gst_element_release_request_pad(impl->webrtc, b.webrtc_pad);
    if (b.webrtc_pad)
      gst_object_unref(b.webrtc_pad);
    if (b.webrtc_internal)
      gst_object_unref(b.webrtc_internal);
    if (b.caps)
      gst_caps_unref(b.caps);
  }
  impl->branches.clear();
  GstElement* webrtc;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    webrtc = impl->webrtc;
    impl->webrtc = nullptr;
  }
  remove(webrtc);
  GST_INFO("[%s] session stopped", impl->config.label.c_str());
}
