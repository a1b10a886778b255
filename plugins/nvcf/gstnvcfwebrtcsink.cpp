/**
 * SECTION:element-nvcfwebrtcsink
 *
 * Serves a pipeline as an NVIDIA Cloud Functions (NVCF) low-latency
 * streaming function: the NVCF control server (readiness and STUN/TURN
 * credentials), the WebSocket signaller on the streaming port, and one
 * WebRTC session per viewer with media ports inside the NVCF port range.
 *
 * Request pads `video_%u` and `audio_%u` take encoded streams (H.264,
 * H.265, VP8, VP9, Opus) or raw ones, which the element encodes with the
 * best low-latency encoder present (`video-encoder`).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! nvcfwebrtcsink name=s control-port=8111 \
 *     audiotestsrc is-live=true ! s.
 * ]|
 *
 * The element is a thin shell over its rooms: the media chain
 * (gstnvcfstreams), the session registry (gstnvcfsessionregistry), the
 * lifecycle (gstnvcflifecycle), the settings (nvcf::Settings in
 * core/config) and the servers (gstnvcfcontrolserver, gstnvcfsignaller).
 * README.md, "Architecture", lists which thread does what.
 */
#include "gstnvcfwebrtcsink.h"

#include <gst/webrtc/webrtc.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.h"
#include "gstnvcfcontrolserver.h"
#include "gstnvcfwarmup.h"
#include "gstnvcflifecycle.h"
#include "gstnvcfserviceloop.h"
#include "gstnvcfsessionregistry.h"
#include "gstnvcfsettings.h"
#include "gstnvcfsignaller.h"
#include "gstnvcfstreams.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_webrtc_sink_debug);
#define GST_CAT_DEFAULT gst_nvcf_webrtc_sink_debug

enum {
  SIGNAL_CREDENTIALS_CHANGED,
  SIGNAL_SESSION_STARTED,
  SIGNAL_SESSION_ENDED,
  SIGNAL_WEBRTCBIN_CREATED,
  SIGNAL_DATA_RECEIVED,
  SIGNAL_SEND_DATA,
  SIGNAL_LAST,
};

static guint signals[SIGNAL_LAST];

/* ---------------------------------------------------------------- the bin */

/* Threads (README.md, "Architecture", says which thread emits each signal
 * and message): the application thread sets
 * properties, requests pads and changes state; upstream streaming threads
 * feed the streams; the service loop thread ("nvcf-service") runs both
 * servers and owns every session; webrtcbin's threads report to the
 * registry, which hops to the loop without waiting.
 *
 * Locks, all leaves (none is held while another is taken or while calling
 * out): settings_lock here; GstNvcfStreams, GstNvcfLifecycle and
 * GstNvcfSessionRegistry each have their own; GstNvcfSession::Impl::lock;
 * nvcf::ServiceLoop::lock_. Waits: the application thread on the loop only
 * in PAUSED->READY; the loop on webrtcbin only with a bound; webrtcbin's
 * threads (data-received and its handlers included) never on the loop. */
struct GstNvcfWebrtcSinkPrivate {
  std::mutex settings_lock;
  nvcf::Settings settings;                      /* protected by settings_lock */
  std::optional<nvcf::Credentials> credentials; /* protected by settings_lock */
  /* The servers: created in NULL->READY and cleared in READY->NULL, both on
   * the application thread; read by get_property. Protected by
   * settings_lock. */
  GstNvcfControlServer* control = nullptr;
  GstNvcfSignaller* signaller = nullptr;

  std::string producer_id; /* fixed at init */
  nvcf::ServiceLoop loop;  /* its own lock_ */
  /* Created in init, freed in finalize; each room has its own lock. */
  std::unique_ptr<GstNvcfLifecycle> lifecycle;
  std::unique_ptr<GstNvcfStreams> streams;
  std::unique_ptr<GstNvcfSessionRegistry> sessions;
};

struct _GstNvcfWebrtcSink {
  GstBin parent;
  GstNvcfWebrtcSinkPrivate* priv;
};

static GstStaticPadTemplate video_template =
    GST_STATIC_PAD_TEMPLATE("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("video/x-raw; video/x-raw(ANY); video/x-h264; "
                                            "video/x-h265; video/x-vp8; video/x-vp9"));

static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE(
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("audio/x-raw; audio/x-opus"));

#define gst_nvcf_webrtc_sink_parent_class parent_class
G_DEFINE_TYPE(GstNvcfWebrtcSink, gst_nvcf_webrtc_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(nvcfwebrtcsink, "nvcfwebrtcsink", GST_RANK_NONE,
                            GST_TYPE_NVCF_WEBRTC_SINK);

static nvcf::Settings settings_copy(GstNvcfWebrtcSink* self) {
  std::lock_guard<std::mutex> lock(self->priv->settings_lock);
  return self->priv->settings;
}

/* ------------------------------------------------------------- credentials */

static void store_credentials(GstNvcfWebrtcSink* self, const nvcf::Credentials& creds) {
  {
    std::lock_guard<std::mutex> lock(self->priv->settings_lock);
    self->priv->credentials = creds;
  }
  /* Host and port only: the password stays inside the element. */
  GST_INFO_OBJECT(self, "STUN/TURN credentials set for %s", creds.endpoint().c_str());
  g_signal_emit(self, signals[SIGNAL_CREDENTIALS_CHANGED], 0, creds.stun_ip.c_str(),
                creds.stun_port);
  gst_element_post_message(
      GST_ELEMENT(self),
      gst_message_new_element(
          GST_OBJECT(self),
          gst_structure_new("nvcf-credentials-changed", "host", G_TYPE_STRING,
                            creds.stun_ip.c_str(), "port", G_TYPE_UINT, creds.stun_port, NULL)));
}

/* ------------------------------------------------------------ media state */

/* From the streams' threads: readiness follows the pads, and the element
 * drains when every pad has ended. */
static void streams_changed(GstNvcfWebrtcSink* self) {
  auto* priv = self->priv;
  bool flowing = priv->streams->all_flowing();
  priv->lifecycle->update([flowing](nvcf::Readiness& r) { return r.set_media_flowing(flowing); });
  if (!priv->streams->all_ended() || !priv->lifecycle->drain())
    return;
  GST_INFO_OBJECT(self, "every pad ended: draining");
  if (!priv->loop.running())
    return;
  /* The reference lives in the closure, not its body: a closure the
   * stopping loop drops unrun still releases it. */
  priv->loop.invoke_async([self, ref = nvcf::GstRef(self)] {
    self->priv->sessions->end_all("the streamer is shutting down");
  });
}

static GstPad* gst_nvcf_webrtc_sink_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                                    const gchar* name, const GstCaps*) {
  return GST_NVCF_WEBRTC_SINK(element)->priv->streams->add(templ, name);
}

static void gst_nvcf_webrtc_sink_release_pad(GstElement* element, GstPad* pad) {
  GST_NVCF_WEBRTC_SINK(element)->priv->streams->release(pad);
}

/* ------------------------------------------------------------ state changes */

static gboolean start_servers(GstNvcfWebrtcSink* self) {
  auto* priv = self->priv;
  nvcf::Settings s = settings_copy(self);
  priv->loop.start("nvcf-service");

  nvcf::ControlHooks delegate;
  delegate.readiness = [self](unsigned* status, std::string* json) {
    self->priv->lifecycle->http(status, json);
  };
  delegate.credentials = [self](const nvcf::Credentials& c) { store_credentials(self, c); };
  delegate.end_session = [self](const std::string& id, bool graceful) {
    return self->priv->sessions->end_from_nvcf(id, graceful);
  };
  GstNvcfControlServer* control =
      gst_nvcf_control_server_new("control-server", std::move(delegate));
  gst_object_set_parent(GST_OBJECT(control), GST_OBJECT(self));
  {
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    priv->control = control;
  }

  GError* error = NULL;
  if (!gst_nvcf_control_server_start(control, &priv->loop, s.control_address.c_str(),
                                     s.control_port, s.connection_limits, &error)) {
    GST_ELEMENT_ERROR(
        self, RESOURCE, OPEN_READ_WRITE,
        ("Cannot start the NVCF control server on %s:%u",
         s.control_address.empty() ? "0.0.0.0" : s.control_address.c_str(), s.control_port),
        ("%s", error->message));
    g_clear_error(&error);
    return FALSE;
  }
  GstNvcfSignallerDelegate sdelegate;
  sdelegate.request = [self](const GstNvcfClientInfo& c, const nvcf::SignallingRequest& rq) {
    self->priv->sessions->on_request(c, rq);
  };
  sdelegate.closed = [self](const GstNvcfClientInfo& c, bool) {
    self->priv->sessions->on_client_closed(c);
  };
  GstNvcfSignallerSettings settings;
  settings.address = s.control_address;
  settings.port = s.streaming_port;
  settings.endpoint = s.start_endpoint;
  settings.producer_id = priv->producer_id;
  settings.keepalive_s = s.keepalive_interval_s;
  settings.limits = s.connection_limits;
  settings.producer_meta = std::string("{\"name\":\"") + GST_OBJECT_NAME(self) + "\"}";
  GstNvcfSignaller* signaller = gst_nvcf_signaller_new("signaller", std::move(sdelegate));
  gst_object_set_parent(GST_OBJECT(signaller), GST_OBJECT(self));
  {
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    priv->signaller = signaller;
  }
  priv->sessions->set_signaller(signaller);
  if (!gst_nvcf_signaller_start(signaller, &priv->loop, settings, &error)) {
    GST_ELEMENT_ERROR(
        self, RESOURCE, OPEN_READ_WRITE,
        ("Cannot start the signalling server on %s:%u",
         settings.address.empty() ? "0.0.0.0" : settings.address.c_str(), settings.port),
        ("%s", error->message));
    g_clear_error(&error);
    return FALSE;
  }
  priv->lifecycle->update([](nvcf::Readiness& r) { return r.set_servers_listening(true); });
  return TRUE;
}

static void stop_servers(GstNvcfWebrtcSink* self) {
  auto* priv = self->priv;
  priv->lifecycle->update([](nvcf::Readiness& r) { return r.finish(); });
  GstNvcfControlServer* control;
  GstNvcfSignaller* signaller;
  {
    /* Cleared first, so get_property no longer reads them. */
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    control = priv->control;
    signaller = priv->signaller;
    priv->control = nullptr;
    priv->signaller = nullptr;
  }
  priv->sessions->set_signaller(nullptr);
  /* Each holds two references: the parent's and the one _new returned. */
  if (signaller) {
    gst_nvcf_signaller_stop(signaller);
    gst_object_unparent(GST_OBJECT(signaller));
    gst_object_unref(signaller);
  }
  if (control) {
    gst_nvcf_control_server_stop(control);
    gst_object_unparent(GST_OBJECT(control));
    gst_object_unref(control);
  }
  priv->loop.stop();
  priv->lifecycle->reset();
}

static GstStateChangeReturn gst_nvcf_webrtc_sink_change_state(GstElement* element,
                                                              GstStateChange transition) {
  auto* self = GST_NVCF_WEBRTC_SINK(element);
  auto* priv = self->priv;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      if (!start_servers(self)) {
        stop_servers(self);
        return GST_STATE_CHANGE_FAILURE;
      }
      /* Not ready until the process is warm (the DTLS certificate, the
       * session's plugins), so the first viewer does not wait for it;
       * done may run on the warm-up's thread. */
      priv->lifecycle->update([](nvcf::Readiness& r) { return r.set_warming_up(true); });
      auto* ref = GST_NVCF_WEBRTC_SINK(gst_object_ref(self));
      gst_nvcf_warmup([ref] {
        ref->priv->lifecycle->update([](nvcf::Readiness& r) { return r.set_warming_up(false); });
        gst_object_unref(ref);
      });
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      priv->lifecycle->update([](nvcf::Readiness& r) { return r.set_pipeline_playing(false); });
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Viewers are told before their webrtcbins go away. The one wait on
       * the loop from the application thread: the loop never waits on it. */
      if (priv->loop.running())
        priv->loop.invoke_sync(
            [self] { self->priv->sessions->end_all("the streamer is stopping"); });
      break;
    default:
      break;
  }

  GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      priv->lifecycle->update([](nvcf::Readiness& r) { return r.set_pipeline_playing(true); });
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop_servers(self);
      if (!gst_nvcf_warmup_wait(10 * G_USEC_PER_SEC))
        GST_WARNING_OBJECT(self, "the warm-up is still running after 10 s");
      break;
    default:
      break;
  }
  return ret;
}

/* -------------------------------------------------------------- send_event */

/* gst_element_send_event (pipeline, EOS), as an application stops, goes
 * to every element flagged as a source, and this bin is one because each
 * webrtcbin holds a nicesrc. GstBin would then push the EOS into the
 * webrtcbins' sink pads, whose stream locks a viewer that has not finished
 * DTLS holds while its data waits on a blocked pad: the application's
 * thread hangs there. A sink has nothing to send downstream events into;
 * EOS reaches us from upstream through our sink pads, as it should. */
static gboolean gst_nvcf_webrtc_sink_send_event(GstElement* element, GstEvent* event) {
  if (GST_EVENT_IS_DOWNSTREAM(event) && !GST_EVENT_IS_UPSTREAM(event)) {
    GST_DEBUG_OBJECT(element, "not sending %s into our sessions", GST_EVENT_TYPE_NAME(event));
    gst_event_unref(event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
}

/* ----------------------------------------------------------- bus messages */

/* Errors and EOS inside a viewer's session (SCTP or DTLS when the peer
 * vanishes, a failed transport, a branch that cannot negotiate) concern
 * that viewer only: they end its session and never reach the pipeline.
 * Runs on the posting thread (often webrtcbin's, libnice's or a branch's
 * streaming thread): owner_of() takes the registry's leaf lock only, and
 * media_error() hops to the loop without waiting, so a session being torn
 * down on the loop (which joins those threads) is never waited for. */
static void gst_nvcf_webrtc_sink_handle_message(GstBin* bin, GstMessage* msg) {
  auto* self = GST_NVCF_WEBRTC_SINK(bin);
  GstMessageType type = GST_MESSAGE_TYPE(msg);
  if (type != GST_MESSAGE_ERROR && type != GST_MESSAGE_WARNING) {
    GST_BIN_CLASS(parent_class)->handle_message(bin, msg);
    return;
  }
  std::string label;
  std::string owner = self->priv->sessions->owner_of(GST_MESSAGE_SRC(msg), &label);
  if (owner.empty()) {
    /* A session is erased before its webrtcbin is torn down; SCTP/DTLS
     * errors in that window belong to no live session and must not reach
     * the pipeline (gst-launch stops). */
    for (GstObject* o = GST_MESSAGE_SRC(msg); o; o = GST_OBJECT_PARENT(o)) {
      if (GST_OBJECT_PARENT(o) != GST_OBJECT(self))
        continue;
      gchar* name = gst_object_get_name(o);
      bool session = g_str_equal(G_OBJECT_TYPE_NAME(o), "GstWebRTCBin") ||
                     (name && g_str_has_prefix(name, "session-"));
      g_free(name);
      if (session) {
        GST_INFO_OBJECT(self, "dropping %s from %s of an ended session", GST_MESSAGE_TYPE_NAME(msg),
                        GST_MESSAGE_SRC_NAME(msg));
        gst_message_unref(msg);
        return;
      }
    }
    GST_BIN_CLASS(parent_class)->handle_message(bin, msg);
    return;
  }
  GError* err = NULL;
  gchar* debug = NULL;
  bool is_error = type == GST_MESSAGE_ERROR;
  if (is_error)
    gst_message_parse_error(msg, &err, &debug);
  else
    gst_message_parse_warning(msg, &err, &debug);
  GST_WARNING_OBJECT(self, "[%s] %s from %s: %s (%s)", label.c_str(),
                     is_error ? "error" : "warning", GST_MESSAGE_SRC_NAME(msg), err->message,
                     debug ? debug : "");
  if (is_error)
    self->priv->sessions->media_error(owner,
                                      std::string("media connection error: ") + err->message);
  g_clear_error(&err);
  g_free(debug);
  gst_message_unref(msg);
}

/* ------------------------------------------------------- stats and data */

/* "nvcf-stats": sessions (count), video-bitrate (kbit/s, the target of the
 * encoder in use, ours or upstream; absent when none is found) with
 * video-encoder (its factory), and one field per session id holding
 * webrtcbin's statistics. From any thread; never waits on the loop. */
static GstStructure* collect_stats(GstNvcfWebrtcSink* self) {
  auto* priv = self->priv;
  GstStructure* out = gst_structure_new("nvcf-stats", "sessions", G_TYPE_UINT,
                                        (guint)priv->sessions->count(), NULL);
  priv->streams->encoder_stats(out);
  priv->sessions->stats(out);
  return out;
}

/* Action signal send-data: text to one session's viewer, or to all when
 * session_id is NULL or empty. Returns whether any viewer got it. Never
 * blocks, so a data-received handler may answer with it. */
static gboolean send_data(GstNvcfWebrtcSink* self, const gchar* session_id, const gchar* text) {
  if (!text)
    return FALSE;
  return self->priv->sessions->send_data(session_id ? session_id : "", text);
}

/* --------------------------------------------------------------- properties */

static void gst_nvcf_webrtc_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
  auto* self = GST_NVCF_WEBRTC_SINK(object);
  auto* priv = self->priv;
  nvcf::Settings s;
  {
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    if (!gst_nvcf_settings_set(priv->settings, prop_id, value)) {
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      return;
    }
    s = priv->settings;
  }
  /* The lifecycle has its own lock: taken after settings_lock is released. */
  if (prop_id == GST_NVCF_PROP_SESSION_POLICY)
    priv->lifecycle->update([p = s.session_policy](nvcf::Readiness& r) { return r.set_policy(p); });
  else if (prop_id == GST_NVCF_PROP_MAX_SESSIONS)
    priv->lifecycle->update(
        [m = s.max_sessions](nvcf::Readiness& r) { return r.set_max_sessions(m); });
}

static void gst_nvcf_webrtc_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec) {
  auto* self = GST_NVCF_WEBRTC_SINK(object);
  auto* priv = self->priv;
  switch (prop_id) {
    case GST_NVCF_PROP_STATS:
      g_value_take_boxed(value, collect_stats(self));
      return;
    case GST_NVCF_PROP_READY_STATE:
      g_value_set_string(value, nvcf::Readiness::name(priv->lifecycle->state()));
      return;
    default:
      break;
  }
  std::lock_guard<std::mutex> lock(priv->settings_lock);
  /* The bound ports once listening (0 picks a free one). */
  guint bound = 0;
  if (prop_id == GST_NVCF_PROP_CONTROL_PORT && priv->control)
    bound = gst_nvcf_control_server_get_port(priv->control);
  else if (prop_id == GST_NVCF_PROP_STREAMING_PORT && priv->signaller)
    bound = gst_nvcf_signaller_get_port(priv->signaller);
  if (bound)
    g_value_set_uint(value, bound);
  else if (!gst_nvcf_settings_get(priv->settings, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

/* ----------------------------------------------------------------- lifetime */

static void gst_nvcf_webrtc_sink_init(GstNvcfWebrtcSink* self) {
  auto* priv = new GstNvcfWebrtcSinkPrivate();
  self->priv = priv;

  /* NVCF passes its configuration through the environment. A bad value is
   * a deployment mistake: say so on stderr at any debug level. */
  std::vector<std::string> warnings;
  priv->settings = nvcf::Settings::from_environment(&warnings);
  for (auto& w : warnings)
    g_warning("nvcfwebrtcsink: %s", w.c_str());

  GstElement* element = GST_ELEMENT(self);
  priv->lifecycle = std::make_unique<GstNvcfLifecycle>(element);
  priv->lifecycle->update([s = priv->settings](nvcf::Readiness& r) {
    r.set_policy(s.session_policy);
    r.set_max_sessions(s.max_sessions);
    return false;
  });

  GstNvcfStreamsHooks stream_hooks;
  stream_hooks.settings = [self] { return settings_copy(self); };
  stream_hooks.changed = [self] { streams_changed(self); };
  priv->streams = std::make_unique<GstNvcfStreams>(GST_BIN(self), std::move(stream_hooks));

  GstNvcfSessionHooks hooks;
  hooks.settings = [self] { return settings_copy(self); };
  hooks.credentials = [self] {
    std::lock_guard<std::mutex> lock(self->priv->settings_lock);
    return self->priv->credentials;
  };
  hooks.started = [self](const std::string& id, const std::string& meta) {
    g_signal_emit(self, signals[SIGNAL_SESSION_STARTED], 0, id.c_str(), meta.c_str());
  };
  hooks.ended = [self](const std::string& id, const std::string& meta) {
    g_signal_emit(self, signals[SIGNAL_SESSION_ENDED], 0, id.c_str(), meta.c_str());
  };
  hooks.webrtcbin_created = [self](const std::string& id, GstElement* w) {
    g_signal_emit(self, signals[SIGNAL_WEBRTCBIN_CREATED], 0, id.c_str(), w);
  };
  hooks.data = [self](const std::string& id, const std::string& channel, const std::string& text) {
    g_signal_emit(self, signals[SIGNAL_DATA_RECEIVED], 0, id.c_str(), channel.c_str(),
                  text.c_str());
    gst_element_post_message(
        GST_ELEMENT(self),
        gst_message_new_element(
            GST_OBJECT(self),
            gst_structure_new("nvcf-data-received", "session-id", G_TYPE_STRING, id.c_str(),
                              "channel", G_TYPE_STRING, channel.c_str(), "data", G_TYPE_STRING,
                              text.c_str(), NULL)));
  };
  priv->sessions = std::make_unique<GstNvcfSessionRegistry>(
      element, &priv->loop, priv->streams.get(), priv->lifecycle.get(), std::move(hooks));

  gchar* uuid = g_uuid_string_random();
  priv->producer_id = uuid;
  g_free(uuid);

  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void gst_nvcf_webrtc_sink_finalize(GObject* object) {
  auto* self = GST_NVCF_WEBRTC_SINK(object);
  auto* priv = self->priv;
  /* The loop first: nothing queued may run against freed rooms. */
  priv->loop.stop();
  priv->sessions.reset();
  priv->streams.reset();
  delete priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_nvcf_webrtc_sink_class_init(GstNvcfWebrtcSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

  gobject_class->set_property = gst_nvcf_webrtc_sink_set_property;
  gobject_class->get_property = gst_nvcf_webrtc_sink_get_property;
  gobject_class->finalize = gst_nvcf_webrtc_sink_finalize;

  gst_nvcf_settings_install(gobject_class);

  /**
   * GstNvcfWebrtcSink::session-started:
   * @sink: the element
   * @session_id: the new session
   * @peer_meta: the viewer's meta (JSON text, may be empty)
   */
  signals[SIGNAL_SESSION_STARTED] =
      g_signal_new("session-started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::session-ended:
   * @sink: the element
   * @session_id: the session that ended
   * @peer_meta: the viewer's meta, as session-started gave it
   *
   * Same arguments as session-started, so one handler can track viewers.
   */
  signals[SIGNAL_SESSION_ENDED] =
      g_signal_new("session-ended", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::webrtcbin-created:
   * @sink: the element
   * @session_id: the session
   * @webrtcbin: its webrtcbin, to tune before negotiation completes
   */
  signals[SIGNAL_WEBRTCBIN_CREATED] =
      g_signal_new("webrtcbin-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_ELEMENT);
  /**
   * GstNvcfWebrtcSink::data-received:
   * @sink: the element
   * @session_id: the sending session
   * @channel: the data channel label
   * @data: the text (not navigation: that goes upstream as events)
   *
   * Also posted as the element message "nvcf-data-received".
   */
  signals[SIGNAL_DATA_RECEIVED] =
      g_signal_new("data-received", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                   NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::send-data:
   * @sink: the element
   * @session_id: a session, or NULL for every viewer
   * @data: text for the "control" data channel
   *
   * Returns: whether a viewer got it.
   */
  signals[SIGNAL_SEND_DATA] = g_signal_new_class_handler(
      "send-data", G_TYPE_FROM_CLASS(klass), (GSignalFlags)(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(send_data), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * GstNvcfWebrtcSink::credentials-changed:
   * @sink: the element
   * @host: STUN/TURN server host
   * @port: its port
   *
   * New credentials were posted to /v1/streaming/creds; later sessions use
   * them. Also posted as an element message "nvcf-credentials-changed".
   */
  signals[SIGNAL_CREDENTIALS_CHANGED] =
      g_signal_new("credentials-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);

  element_class->change_state = gst_nvcf_webrtc_sink_change_state;
  element_class->send_event = gst_nvcf_webrtc_sink_send_event;
  GST_BIN_CLASS(klass)->handle_message = gst_nvcf_webrtc_sink_handle_message;
  element_class->request_new_pad = gst_nvcf_webrtc_sink_request_new_pad;
  element_class->release_pad = gst_nvcf_webrtc_sink_release_pad;

  gst_element_class_add_static_pad_template(element_class, &video_template);
  gst_element_class_add_static_pad_template(element_class, &audio_template);
  gst_element_class_set_static_metadata(
      element_class, "NVIDIA Cloud Functions WebRTC sink", "Sink/Network/WebRTC",
      "Serves the pipeline as an NVCF low-latency streaming function over "
      "WebRTC",
      "gst-nvcf developers");

  GST_DEBUG_CATEGORY_INIT(gst_nvcf_webrtc_sink_debug, "nvcfwebrtcsink", 0, "NVCF WebRTC sink");
}
