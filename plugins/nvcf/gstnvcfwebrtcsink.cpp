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
 */
#include "gstnvcfwebrtcsink.h"

#include <gst/video/video.h>

#include <cstring>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <map>

#include "core/config.h"
#include "core/encoders.h"
#include "core/ice.h"
#include "core/readiness.h"
#include "gstnvcfcontrolserver.h"
#include "gstnvcfserviceloop.h"
#include "gstnvcfsession.h"
#include "gstnvcfsignaller.h"

GST_DEBUG_CATEGORY_STATIC (gst_nvcf_webrtc_sink_debug);
#define GST_CAT_DEFAULT gst_nvcf_webrtc_sink_debug

#define DEFAULT_CONTROL_ADDRESS ""
#define DEFAULT_MAX_SESSIONS 1
#define DEFAULT_VIDEO_ENCODER "auto"
#define DEFAULT_VIDEO_BITRATE 4000
#define DEFAULT_CREDS_USE "both"
#define DEFAULT_ICE_TCP FALSE
/* Below the 7 s idle timeouts of NVIDIA's sample HAProxy configuration, so
 * a quiet signalling socket is not cut by the proxy mid-session. */
#define DEFAULT_KEEPALIVE_INTERVAL 5
#define DEFAULT_RESUME_TIMEOUT 30

enum
{
  PROP_0,
  PROP_CONTROL_PORT,
  PROP_CONTROL_ADDRESS,
  PROP_STREAMING_PORT,
  PROP_START_ENDPOINT,
  PROP_PORT_RANGE,
  PROP_MAX_SESSIONS,
  PROP_VIDEO_ENCODER,
  PROP_VIDEO_BITRATE,
  PROP_READY_STATE,
  PROP_CREDS_USE,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_ICE_ADDRESSES,
  PROP_ICE_TCP,
  PROP_ICE_TRANSPORT_POLICY,
  PROP_KEEPALIVE_INTERVAL,
  PROP_SESSION_POLICY,
  PROP_RESUME_TIMEOUT,
  PROP_STATS,
};

enum
{
  SIGNAL_CREDENTIALS_CHANGED,
  SIGNAL_SESSION_STARTED,
  SIGNAL_SESSION_ENDED,
  SIGNAL_WEBRTCBIN_CREATED,
  SIGNAL_DATA_RECEIVED,
  SIGNAL_SEND_DATA,
  SIGNAL_LAST,
};

static guint signals[SIGNAL_LAST];

/* One request pad and the encoded stream it feeds. The chain between the
 * entry queue and the tee is built when the first caps arrive, since a pad
 * takes raw or encoded media. */
struct Stream
{
  GstNvcfWebrtcSink *sink = nullptr;    /* owner, not a reference */
  std::string name;
  bool video = true;
  GstPad *pad = nullptr;        /* the ghost pad, owned by the element */
  GstElement *queue = nullptr;
  GstElement *tee = nullptr;
  std::vector<GstElement *> chain;      /* built between queue and tee */
  GstElement *idle = nullptr;
  std::string media_type;       /* encoded media type, once built */
  std::string encoder;          /* our encoder's factory, "" if none */

  /* The stream holds a reference on each of its elements so it can tell,
   * when released during dispose, whether the bin still has them. */
  std::vector<GstElement *> elements () const
  {
    std::vector<GstElement *> all = chain;
    for (GstElement * e : {queue, tee, idle})
      if (e)
        all.push_back (e);
    return all;
  }
  ~Stream ()
  {
    for (GstElement * e : elements ())
      gst_object_unref (e);
  }
};

/* A viewer's session and the signalling client that owns it. */
struct SessionEntry
{
  GstNvcfClientInfo client;     /* connection 0 while awaiting resume */
  std::string identity;         /* who may resume it; "" = nobody */
  std::string peer_meta;        /* the viewer's meta (JSON text), for signals */
  std::unique_ptr<GstNvcfSession> session;
  bool awaiting_resume = false;
  GSource *resume_timer = nullptr;      /* on the service loop */
};

struct GstNvcfWebrtcSinkPrivate
{
  /* Lock order: lock is never held while calling into other elements, the
   * control server or the bus. */
  std::mutex lock;

  /* settings */
  guint control_port = nvcf::kDefaultControlPort;
  std::string control_address = DEFAULT_CONTROL_ADDRESS;
  guint streaming_port = nvcf::kDefaultStreamingPort;
  std::string start_endpoint = nvcf::kDefaultStartEndpoint;
  nvcf::PortRange port_range;
  guint max_sessions = DEFAULT_MAX_SESSIONS;
  std::string video_encoder = DEFAULT_VIDEO_ENCODER;
  guint video_bitrate = DEFAULT_VIDEO_BITRATE;
  nvcf::CredsUse creds_use = nvcf::CredsUse::Both;
  std::string stun_server, turn_server;
  std::string ice_addresses;    /* comma-separated */
  bool ice_tcp = DEFAULT_ICE_TCP;
  guint keepalive_interval = DEFAULT_KEEPALIVE_INTERVAL;
  bool relay_only = false;
  nvcf::SessionPolicy session_policy = nvcf::SessionPolicy::Reuse;
  guint resume_timeout_s = DEFAULT_RESUME_TIMEOUT;

  /* runtime */
  nvcf::ServiceLoop loop;
  GstNvcfControlServer *control = nullptr;
  GstNvcfSignaller *signaller = nullptr;
  std::string producer_id;
  std::map<std::string, SessionEntry> sessions;
  bool exit_sent = false;       /* EOS sent under the exit policy */
  std::optional<nvcf::Credentials> credentials;
  nvcf::Readiness readiness;
  std::vector<std::unique_ptr<Stream>> streams;
  guint next_video = 0, next_audio = 0;
};

struct _GstNvcfWebrtcSink
{
  GstBin parent;
  GstNvcfWebrtcSinkPrivate *priv;
};

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video_%u",
    GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-raw; video/x-raw(ANY); video/x-h264; "
        "video/x-h265; video/x-vp8; video/x-vp9"));

static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio_%u",
    GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/x-raw; audio/x-opus"));

#define gst_nvcf_webrtc_sink_parent_class parent_class
G_DEFINE_TYPE (GstNvcfWebrtcSink, gst_nvcf_webrtc_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (nvcfwebrtcsink, "nvcfwebrtcsink", GST_RANK_NONE,
    GST_TYPE_NVCF_WEBRTC_SINK);

/* ---------------------------------------------------------------- readiness */

/* Apply a change to the readiness machine and announce a transition. */
template <typename F>
static void
update_readiness (GstNvcfWebrtcSink * self, F && change)
{
  auto *priv = self->priv;
  std::string name;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    if (!change (priv->readiness))
      return;
    name = nvcf::Readiness::name (priv->readiness.state ());
  }
  GST_INFO_OBJECT (self, "readiness: %s", name.c_str ());
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("nvcf-readiness", "state", G_TYPE_STRING,
              name.c_str (), NULL)));
  g_object_notify (G_OBJECT (self), "ready-state");
}

/* Ready only once every pad carries media: NVCF may send a viewer the moment
 * readiness answers 200, and a session started earlier would be refused or
 * miss a stream. */
static void
update_media_readiness (GstNvcfWebrtcSink * self)
{
  update_readiness (self,[self](nvcf::Readiness & r) {
        /* update_readiness holds priv->lock, which guards the streams. */
        const auto & streams = self->priv->streams;
        bool all = !streams.empty ();
        for (const auto & s:streams)
          all = all && !s->media_type.empty ();
        return r.set_media_flowing (all);
      });
}

/* ------------------------------------------------------------- credentials */

static void
store_credentials (GstNvcfWebrtcSink * self, const nvcf::Credentials & creds)
{
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    self->priv->credentials = creds;
  }
  /* Host and port only: the password stays inside the element. */
  GST_INFO_OBJECT (self, "STUN/TURN credentials set for %s",
      creds.endpoint ().c_str ());
  g_signal_emit (self, signals[SIGNAL_CREDENTIALS_CHANGED], 0,
      creds.stun_ip.c_str (), creds.stun_port);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("nvcf-credentials-changed", "host", G_TYPE_STRING,
              creds.stun_ip.c_str (), "port", G_TYPE_UINT, creds.stun_port,
              NULL)));
}

/* ------------------------------------------------------------------ streams */

static GstElement *
make_element (GstNvcfWebrtcSink * self, const std::string & factory,
    const std::string & name)
{
  GstElement *e = gst_element_factory_make (factory.c_str (), name.c_str ());
  if (!e)
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("Element \"%s\" is missing", factory.c_str ()),
        ("needed for stream %s; install the GStreamer plugin that provides it",
            name.c_str ()));
  return e;
}

/* Properties the installed version lacks are skipped with a log line, so
 * one settings table serves several GStreamer versions. */
static void
apply_properties (GstElement * e,
    const std::vector<std::pair<std::string, std::string>> & props)
{
  for (const auto & [key, value] : props) {
    if (!g_object_class_find_property (G_OBJECT_GET_CLASS (e), key.c_str ())) {
      GST_DEBUG_OBJECT (e, "no property %s, skipped", key.c_str ());
      continue;
    }
    gst_util_set_object_arg (G_OBJECT (e), key.c_str (), value.c_str ());
  }
}

static bool
factory_available (const std::string & name)
{
  GstElementFactory *f = gst_element_factory_find (name.c_str ());
  if (!f)
    return false;
  gst_object_unref (f);
  return true;
}

/* The media type an encoder factory produces, from its src template
 * ("" when it does not say). */
static std::string
factory_output_type (const std::string & name)
{
  std::string type;
  GstElementFactory *f = gst_element_factory_find (name.c_str ());
  if (!f)
    return type;
  for (const GList * l = gst_element_factory_get_static_pad_templates (f);
      l && type.empty (); l = l->next) {
    auto *t = static_cast < GstStaticPadTemplate * >(l->data);
    if (t->direction != GST_PAD_SRC)
      continue;
    GstCaps *caps = gst_static_caps_get (&t->static_caps);
    if (caps && !gst_caps_is_any (caps) && gst_caps_get_size (caps) > 0)
      type = gst_structure_get_name (gst_caps_get_structure (caps, 0));
    if (caps)
      gst_caps_unref (caps);
  }
  gst_object_unref (f);
  return type;
}

/* The chain from raw or encoded caps to an encoded stream for the tee.
 * Returns false (error posted) when the caps cannot be served. */
static bool
plan_chain (GstNvcfWebrtcSink * self, Stream * s, GstCaps * caps,
    std::vector<GstElement *> *out)
{
  const GstStructure *st = gst_caps_get_structure (caps, 0);
  std::string type = gst_structure_get_name (st);
  auto add = [&](const std::string & factory, const std::string & role) {
    GstElement *e = make_element (self, factory, s->name + "-" + role);
    if (e)
      out->push_back (e);
    return e;
  };

  std::string media_type;
  if (type == "video/x-raw") {
    std::string requested, error;
    guint kbps;
    {
      std::lock_guard<std::mutex> lock (self->priv->lock);
      requested = self->priv->video_encoder;
      kbps = self->priv->video_bitrate;
    }
    std::string enc = nvcf::choose_video_encoder (requested, factory_available,
        &error);
    if (enc.empty ()) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN, ("%s", error.c_str ()),
          ("stream %s has raw video", s->name.c_str ()));
      return false;
    }
    nvcf::EncoderSetup setup = nvcf::video_encoder_setup (enc, kbps,
        factory_output_type (enc));
    if (!nvcf::supported_video_media_type (setup.media_type)) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("video-encoder %s produces %s, which cannot be streamed (H.264, "
              "H.265, VP8 or VP9)", enc.c_str (), setup.media_type.c_str ()),
          ("stream %s", s->name.c_str ()));
      return false;
    }
    GstCapsFeatures *features = gst_caps_get_features (caps, 0);
    bool cuda = features
        && gst_caps_features_contains (features, "memory:CUDAMemory");
    if (!cuda && !add ("videoconvert", "convert"))
      return false;
    GstElement *encoder = add (enc, "encoder");
    if (!encoder)
      return false;
    apply_properties (encoder, setup.properties);
    if (!setup.caps.empty ()) {
      GstElement *filter = add ("capsfilter", "profile");
      if (!filter)
        return false;
      GstCaps *c = gst_caps_from_string (setup.caps.c_str ());
      g_object_set (filter, "caps", c, NULL);
      gst_caps_unref (c);
    }
    if (!setup.parser.empty ()) {
      GstElement *parser = add (setup.parser, "parse");
      if (!parser)
        return false;
      apply_properties (parser, {{"config-interval", "-1"}});
    }
    media_type = setup.media_type;
    s->encoder = enc;
  } else if (type == "audio/x-raw") {
    if (!add ("audioconvert", "convert") || !add ("audioresample", "resample"))
      return false;
    GstElement *enc = add ("opusenc", "encoder");
    if (!enc)
      return false;
    apply_properties (enc, {{"frame-size", "10"}, {"bitrate", "64000"}});
    media_type = "audio/x-opus";
    s->encoder = "opusenc";
  } else if (type == "audio/x-opus" || nvcf::supported_video_media_type (type)) {
    std::string parser = nvcf::video_parser_for (type);
    if (!parser.empty ()) {
      GstElement *p = add (parser, "parse");
      if (!p)
        return false;
      /* SPS/PPS with every IDR so a viewer can join at any key unit. */
      apply_properties (p, {{"config-interval", "-1"}});
    }
    media_type = type;
  } else {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Unsupported media type %s on %s", type.c_str (), s->name.c_str ()),
        (NULL));
    return false;
  }
  /* Read by sessions on other threads. */
  std::lock_guard<std::mutex> lock (self->priv->lock);
  s->media_type = media_type;
  return true;
}

/* First caps on a pad: build queue -> chain -> tee. Runs in the streaming
 * thread before the caps pass the queue, so the queue is linked by the
 * time it pushes. */
static GstPadProbeReturn
on_stream_caps (GstPad *, GstPadProbeInfo * info, gpointer user_data)
{
  auto *s = static_cast < Stream * >(user_data);
  GstNvcfWebrtcSink *self = s->sink;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  GstCaps *caps;
  gst_event_parse_caps (event, &caps);
  std::vector<GstElement *> chain;
  if (!plan_chain (self, s, caps, &chain)) {
    for (GstElement * e : chain)
      gst_object_unref (gst_object_ref_sink (e));
    return GST_PAD_PROBE_DROP;
  }
  GST_INFO_OBJECT (self, "%s: %" GST_PTR_FORMAT " -> %s%s%s", s->name.c_str (),
      caps, s->media_type.c_str (), s->encoder.empty ()? "" : " with ",
      s->encoder.c_str ());

  GstElement *prev = s->queue;
  for (GstElement * e : chain) {
    gst_bin_add (GST_BIN (self), e);
    gst_element_link (prev, e);
    prev = e;
  }
  gst_element_link (prev, s->tee);
  for (GstElement * e : chain) {
    gst_object_ref (e);
    gst_element_sync_state_with_parent (e);
  }
  s->chain = std::move (chain);
  update_media_readiness (self);
  return GST_PAD_PROBE_REMOVE;
}

/* Before the chain exists the queue would accept anything, and a source
 * like videotestsrc would then pick its first format (64-bit RGBA). Answer
 * caps queries with what encoders take best, system memory first. */
static GstPadProbeReturn
on_stream_caps_query (GstPad *, GstPadProbeInfo * info, gpointer user_data)
{
  auto *s = static_cast < Stream * >(user_data);
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS || !s->chain.empty ())
    return GST_PAD_PROBE_OK;
  GstCaps *preferred = gst_caps_from_string (s->video ?
      "video/x-raw, format=(string){ NV12, I420 }; "
      "video/x-raw(memory:CUDAMemory); video/x-raw; video/x-h264; "
      "video/x-h265; video/x-vp8; video/x-vp9" :
      "audio/x-raw, format=(string)S16LE, rate=(int)48000; audio/x-raw; "
      "audio/x-opus");
  GstCaps *filter = NULL;
  gst_query_parse_caps (query, &filter);
  if (filter) {
    GstCaps *c = gst_caps_intersect_full (preferred, filter,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (preferred);
    preferred = c;
  }
  gst_query_set_caps_result (query, preferred);
  gst_caps_unref (preferred);
  return GST_PAD_PROBE_HANDLED;
}

static void drain (GstNvcfWebrtcSink * self);

static GstPadProbeReturn
on_stream_eos (GstPad *, GstPadProbeInfo * info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    drain (GST_NVCF_WEBRTC_SINK (user_data));
  return GST_PAD_PROBE_OK;
}

static GstPad *
gst_nvcf_webrtc_sink_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps *)
{
  auto *self = GST_NVCF_WEBRTC_SINK (element);
  auto *priv = self->priv;
  auto s = std::make_unique < Stream > ();
  s->sink = self;
  s->video = g_str_has_prefix (templ->name_template, "video");
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    guint &next = s->video ? priv->next_video : priv->next_audio;
    guint index = next;
    if (name && sscanf (name, s->video ? "video_%u" : "audio_%u", &index) == 1)
      next = MAX (next, index + 1);
    else
      next++;
    s->name = (s->video ? "video_" : "audio_") + std::to_string (index);
    for (auto &other : priv->streams)
      if (other->name == s->name) {
        GST_WARNING_OBJECT (self, "pad %s exists already", s->name.c_str ());
        return NULL;
      }
  }

  s->queue = gst_element_factory_make ("queue", (s->name + "-queue").c_str ());
  s->tee = gst_element_factory_make ("tee", (s->name + "-tee").c_str ());
  /* A fakesink keeps the stream flowing with no viewer and lets EOS reach
   * the pipeline. */
  GstElement *idle = gst_element_factory_make ("fakesink",
      (s->name + "-idle").c_str ());
  s->idle = GST_ELEMENT (gst_object_ref (idle));
  gst_object_ref (s->queue);
  gst_object_ref (s->tee);
  g_object_set (s->queue, "max-size-buffers", 3, "max-size-bytes", 0,
      "max-size-time", (guint64) 0, NULL);
  g_object_set (s->tee, "allow-not-linked", TRUE, NULL);
  g_object_set (idle, "sync", FALSE, "async", FALSE, "enable-last-sample",
      FALSE, NULL);
  gst_bin_add_many (GST_BIN (self), s->queue, s->tee, idle, NULL);
  gst_element_link (s->tee, idle);

  GstPad *target = gst_element_get_static_pad (s->queue, "sink");
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_stream_caps, s.get (), NULL);
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      on_stream_caps_query, s.get (), NULL);
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_stream_eos, self, NULL);
  s->pad = gst_ghost_pad_new_from_template (s->name.c_str (), target, templ);
  gst_object_unref (target);

  gst_element_sync_state_with_parent (s->queue);
  gst_element_sync_state_with_parent (s->tee);
  gst_element_sync_state_with_parent (idle);

  GstPad *pad = s->pad;
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    priv->streams.push_back (std::move (s));
  }
  update_media_readiness (self);
  return pad;
}

static void
gst_nvcf_webrtc_sink_release_pad (GstElement * element, GstPad * pad)
{
  auto *self = GST_NVCF_WEBRTC_SINK (element);
  std::unique_ptr<Stream> s;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    auto &streams = self->priv->streams;
    for (auto it = streams.begin (); it != streams.end (); ++it)
      if ((*it)->pad == pad) {
        s = std::move (*it);
        streams.erase (it);
        break;
      }
  }
  if (!s)
    return;
  /* During dispose the bin has already dropped its children. */
  for (GstElement * e : s->elements ()) {
    if (GST_OBJECT_PARENT (e) != GST_OBJECT (self))
      continue;
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), e);
  }
  gst_element_remove_pad (element, pad);
  update_media_readiness (self);
}

/* ----------------------------------------------------------------- sessions */

/* Sessions are created, driven and destroyed on the service loop thread
 * only; webrtcbin's threads hop there through invoke_async. A session
 * whose client drops without ending it waits resume-timeout for the same
 * client identity to come back; its media branch is rebuilt then (a fresh
 * webrtcbin and negotiation) while the pipeline runs on. */

static std::vector<GstNvcfStreamTap>
stream_taps (GstNvcfWebrtcSink * self)
{
  std::vector<GstNvcfStreamTap> taps;
  std::lock_guard<std::mutex> lock (self->priv->lock);
  for (auto &s : self->priv->streams)
    if (!s->media_type.empty ())
      taps.push_back (GstNvcfStreamTap { s->name, s->video, s->media_type,
              s->tee });
  return taps;
}

/* Who may resume a session: the NVCF request id, else the x-nv-sessionid
 * token, else the NVIDIA client's peer name. "" = cannot resume. */
static std::string
resume_identity (const GstNvcfClientInfo & c)
{
  if (!c.request_id.empty ())
    return "request:" + c.request_id;
  if (!c.session_token.empty ())
    return "token:" + c.session_token;
  if (!c.peer_name.empty ())
    return "peer:" + c.peer_name;
  return "";
}

static std::string
session_label (const std::string & id, const GstNvcfClientInfo & c)
{
  return "session " + id + " request " + (c.request_id.empty ()? "-" :
      c.request_id);
}

static void
send_eos_to_pipeline (GstNvcfWebrtcSink * self)
{
  GstObject *top = GST_OBJECT (gst_object_ref (self));
  while (GstObject * parent = gst_object_get_parent (top)) {
    gst_object_unref (top);
    top = parent;
  }
  GST_INFO_OBJECT (self, "session policy exit: sending EOS to %s",
      GST_OBJECT_NAME (top));
  /* Not from our loop thread: gst_element_send_event takes the pipeline's
   * state lock, which an application stopping the pipeline holds while it
   * waits for that very thread to finish. */
  gst_element_call_async (GST_ELEMENT (top),[](GstElement * e, gpointer) {
        gst_element_send_event (e, gst_event_new_eos ());
      }, NULL, NULL);
  gst_object_unref (top);
}

static void
sessions_changed (GstNvcfWebrtcSink * self)
{
  auto *priv = self->priv;
  update_readiness (self,[priv](nvcf::Readiness & r) {
        unsigned active = 0, waiting = 0;
        for (auto &[id, e] : priv->sessions)
          (e.awaiting_resume ? waiting : active)++;
        return r.set_sessions (active, waiting);
      });
  bool exit_now = false;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    if (priv->readiness.state () == nvcf::ReadyState::Finished
        && priv->session_policy == nvcf::SessionPolicy::Exit
        && !priv->exit_sent) {
      priv->exit_sent = true;
      exit_now = true;
    }
  }
  if (exit_now) {
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new_empty ("nvcf-finished")));
    send_eos_to_pipeline (self);
  }
}

static void
post_session_message (GstNvcfWebrtcSink * self, const char *name,
    const std::string & id, const GstNvcfClientInfo & client,
    const std::string & peer_meta)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new (name, "session-id", G_TYPE_STRING, id.c_str (),
              "peer-id", G_TYPE_STRING, client.peer_id.c_str (), "request-id",
              G_TYPE_STRING, client.request_id.c_str (), "peer-meta",
              G_TYPE_STRING, peer_meta.c_str (), NULL)));
}

static void
cancel_resume_timer (SessionEntry & e)
{
  if (e.resume_timer) {
    g_source_destroy (e.resume_timer);
    g_source_unref (e.resume_timer);
    e.resume_timer = nullptr;
  }
}

/* End one session: tell its client (unless the client ended it or is
 * gone), free the webrtcbin, update readiness. */
static void
end_session (GstNvcfWebrtcSink * self, const std::string & id,
    const std::string & reason, bool tell_client)
{
  auto *priv = self->priv;
  SessionEntry entry;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    auto it = priv->sessions.find (id);
    if (it == priv->sessions.end ())
      return;
    entry = std::move (it->second);
    priv->sessions.erase (it);
  }
  cancel_resume_timer (entry);
  GST_INFO_OBJECT (self, "[%s] ending%s%s",
      session_label (id, entry.client).c_str (), reason.empty ()? "" : ": ",
      reason.c_str ());
  if (tell_client && priv->signaller && !entry.awaiting_resume)
    gst_nvcf_signaller_send (priv->signaller, entry.client.connection,
        [id, reason](nvcf::SignallingConnection & c) {
          std::vector<std::string> frames;
          if (!reason.empty ())
            frames = c.error (reason);
          for (auto &f : c.end_session (id))
            frames.push_back (f);
          return frames;
        });
  if (entry.session)
    entry.session->stop ();
  sessions_changed (self);
  g_signal_emit (self, signals[SIGNAL_SESSION_ENDED], 0, id.c_str (),
      entry.peer_meta.c_str ());
  post_session_message (self, "nvcf-session-ended", id, entry.client,
      entry.peer_meta);
}

static void
end_all_sessions (GstNvcfWebrtcSink * self, const std::string & reason)
{
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    for (auto &[id, e] : self->priv->sessions)
      ids.push_back (id);
  }
  for (auto &id : ids)
    end_session (self, id, reason, true);
}

/* The client is gone but may come back: keep the media for
 * resume-timeout. Returns false when the session cannot wait (no
 * identity, resume disabled), and it is then left to the caller. */
static bool
suspend_session (GstNvcfWebrtcSink * self, const std::string & id)
{
  auto *priv = self->priv;
  std::string label;
  guint timeout_s;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    auto it = priv->sessions.find (id);
    if (it == priv->sessions.end () || priv->resume_timeout_s == 0
        || it->second.identity.empty ())
      return false;
    SessionEntry & e = it->second;
    if (e.awaiting_resume)
      return true;
    e.awaiting_resume = true;
    e.client.connection = 0;
    timeout_s = priv->resume_timeout_s;
    label = session_label (id, e.client);
    e.resume_timer = g_timeout_source_new_seconds (timeout_s);
    gst_object_ref (self);
    auto *data = new std::pair<GstNvcfWebrtcSink *, std::string> (self, id);
    g_source_set_callback (e.resume_timer,[](gpointer d) -> gboolean {
          auto *p = static_cast < std::pair < GstNvcfWebrtcSink *,
              std::string > *>(d);
          {
            std::lock_guard<std::mutex> lock (p->first->priv->lock);
            auto it = p->first->priv->sessions.find (p->second);
            if (it != p->first->priv->sessions.end ()) {
              /* This source is being dispatched: drop our handle only. */
              g_source_unref (it->second.resume_timer);
              it->second.resume_timer = nullptr;
            }
          }
          end_session (p->first, p->second, "resume timeout", false);
          return G_SOURCE_REMOVE;
        }, data,[](gpointer d) {
          auto *p = static_cast < std::pair < GstNvcfWebrtcSink *,
              std::string > *>(d);
          gst_object_unref (p->first);
          delete p;
        });
    g_source_attach (e.resume_timer, priv->loop.context ());
  }
  GST_INFO_OBJECT (self, "[%s] client gone; awaiting resume for %u s",
      label.c_str (), timeout_s);
  sessions_changed (self);
  return true;
}

/* Run fn on the loop thread with the session, if it still exists. */
static void
with_session (GstNvcfWebrtcSink * self, const std::string & id,
    std::function<void (GstNvcfSession &)> fn)
{
  gst_object_ref (self);
  self->priv->loop.invoke_async ([self, id, fn = std::move (fn)] {
    GstNvcfSession *session = nullptr;
    {
      std::lock_guard<std::mutex> lock (self->priv->lock);
      auto it = self->priv->sessions.find (id);
      if (it != self->priv->sessions.end ())
        session = it->second.session.get ();
    }
    /* Safe without the lock: sessions die only on this thread. */
    if (session)
      fn (*session);
    gst_object_unref (self);
  });
}

/* An upstream event from a viewer, for the video stream (the first one;
 * mids are not mapped to pads yet). */
static std::string
send_upstream (GstNvcfWebrtcSink * self, const std::string &, GstEvent * ev)
{
  GstPad *target = nullptr;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    for (auto &s : self->priv->streams)
      if (s->video) {
        target = gst_element_get_static_pad (s->queue, "src");
        break;
      }
  }
  if (!target) {
    gst_event_unref (ev);
    return "no video stream to send the event to";
  }
  GST_LOG_OBJECT (self, "upstream %" GST_PTR_FORMAT, ev);
  /* Unhandled navigation is normal (a source without input): not an error
   * for the viewer. */
  gst_pad_send_event (target, ev);
  gst_object_unref (target);
  return "";
}

/* Build the ICE configuration from the current settings and credentials. */
static GstNvcfSessionConfig
session_config (GstNvcfWebrtcSink * self, const std::string & id,
    const GstNvcfClientInfo & client)
{
  auto *priv = self->priv;
  GstNvcfSessionConfig config;
  config.id = id;
  config.label = session_label (id, client);
  std::lock_guard<std::mutex> lock (priv->lock);
  nvcf::IceServers servers = nvcf::ice_servers (priv->credentials,
      priv->creds_use, priv->stun_server, priv->turn_server);
  config.stun_server = servers.stun;
  config.turn_server = servers.turn;
  config.port_range = priv->port_range;
  config.ice_tcp = priv->ice_tcp;
  config.relay_only = priv->relay_only;
  gchar **addrs = g_strsplit (priv->ice_addresses.c_str (), ",", -1);
  for (gchar ** a = addrs; *a; a++) {
    g_strstrip (*a);
    if (**a)
      config.ice_addresses.push_back (*a);
  }
  g_strfreev (addrs);
  return config;
}

static GstNvcfSessionCallbacks
session_callbacks (GstNvcfWebrtcSink * self, const std::string & id,
    guint64 conn)
{
  GstNvcfSignaller *signaller = self->priv->signaller;
  GstNvcfSessionCallbacks cb;
  cb.offer =[signaller, conn, id](const std::string & sdp) {
    gst_nvcf_signaller_send (signaller, conn,
        [id, sdp](nvcf::SignallingConnection & c) {
          return c.send_offer (id, sdp);
        });
  };
  cb.ice =[signaller, conn, id](const nvcf::IceCandidate & ice) {
    gst_nvcf_signaller_send (signaller, conn,
        [id, ice](nvcf::SignallingConnection & c) {
          return c.send_ice (id, ice);
        });
  };
  cb.failed =[self, id](const std::string & reason) {
    gst_object_ref (self);
    self->priv->loop.invoke_async ([self, id, reason] {
          end_session (self, id, reason, true);
          gst_object_unref (self);
        });
  };
  cb.connected =[self, id] {
    with_session (self, id,[](GstNvcfSession & s) {
          s.request_key_unit ();
        });
  };
  cb.upstream =[self](const std::string & mid, GstEvent * ev) {
    return send_upstream (self, mid, ev);
  };
  cb.data =[self, id](const std::string & channel, const std::string & text) {
    g_signal_emit (self, signals[SIGNAL_DATA_RECEIVED], 0, id.c_str (),
        channel.c_str (), text.c_str ());
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("nvcf-data-received", "session-id",
                G_TYPE_STRING, id.c_str (), "channel", G_TYPE_STRING,
                channel.c_str (), "data", G_TYPE_STRING, text.c_str (),
                NULL)));
  };
  return cb;
}

/* libnice gathers nothing, and never completes, when every port of the
 * range is taken: a session with no local candidate after a few seconds
 * cannot work, so it ends with a reason for its viewer. */
static void
watch_gathering (GstNvcfWebrtcSink * self, const std::string & id,
    GstNvcfSession * session)
{
  constexpr guint kGatherTimeoutS = 5;
  std::string range;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    range = self->priv->port_range.to_string ();
  }
  GSource *timer = g_timeout_source_new_seconds (kGatherTimeoutS);
  struct Watch
  {
    GstNvcfWebrtcSink *self;
    std::string id, range;
    GstNvcfSession *session;
  };
  auto *w = new Watch { GST_NVCF_WEBRTC_SINK (gst_object_ref (self)), id, range,
    session
  };
  g_source_set_callback (timer,[](gpointer data) -> gboolean {
        auto *w = static_cast < Watch * >(data);
        bool same = false;
        {
          std::lock_guard<std::mutex> lock (w->self->priv->lock);
          auto it = w->self->priv->sessions.find (w->id);
          /* Still the same webrtcbin (not replaced by a resume)? */
          same = it != w->self->priv->sessions.end ()
              && it->second.session.get () == w->session
              && !it->second.awaiting_resume;
        }
        if (same && w->session->local_candidates () == 0)
          end_session (w->self, w->id, "no local ICE candidate: no free UDP "
              "port in " + w->range + " or no usable address", true);
        return G_SOURCE_REMOVE;
      }, w,[](gpointer data) {
        auto *w = static_cast < Watch * >(data);
        gst_object_unref (w->self);
        delete w;
      });
  g_source_attach (timer, self->priv->loop.context ());
  g_source_unref (timer);
}

/* Give session id a fresh webrtcbin for client and start negotiating. */
static bool
run_session (GstNvcfWebrtcSink * self, const std::string & id,
    const GstNvcfClientInfo & client)
{
  auto *priv = self->priv;
  auto session = std::make_unique < GstNvcfSession > (GST_BIN (self),
      session_config (self, id, client), session_callbacks (self, id,
          client.connection));
  GstNvcfSession *raw = session.get ();
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    auto it = priv->sessions.find (id);
    if (it == priv->sessions.end ())
      return false;
    it->second.session = std::move (session);
  }
  gst_nvcf_signaller_send (priv->signaller, client.connection,
      [id](nvcf::SignallingConnection & c) {
        return c.accept_session (id);
      });
  std::string error;
  if (!raw->start (stream_taps (self), &error)) {
    end_session (self, id, "cannot start the session: " + error, true);
    return false;
  }
  g_signal_emit (self, signals[SIGNAL_WEBRTCBIN_CREATED], 0, id.c_str (),
      raw->webrtcbin ());
  watch_gathering (self, id, raw);
  return true;
}

/* A returning client: same session id, new connection, new webrtcbin. */
static bool
resume_session (GstNvcfWebrtcSink * self, const GstNvcfClientInfo & client,
    const std::string & identity)
{
  auto *priv = self->priv;
  std::string id, peer_meta;
  std::unique_ptr<GstNvcfSession> old;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    for (auto &[sid, e] : priv->sessions)
      if (e.awaiting_resume && e.identity == identity) {
        id = sid;
        cancel_resume_timer (e);
        e.awaiting_resume = false;
        e.client = client;
        peer_meta = e.peer_meta;
        old = std::move (e.session);
        break;
      }
  }
  if (id.empty ())
    return false;
  GST_INFO_OBJECT (self, "[%s] resumed by peer %s",
      session_label (id, client).c_str (), client.peer_id.c_str ());
  if (old)
    old->stop ();
  sessions_changed (self);
  if (run_session (self, id, client))
    post_session_message (self, "nvcf-session-resumed", id, client, peer_meta);
  return true;
}

static void
start_session (GstNvcfWebrtcSink * self, const GstNvcfClientInfo & client,
    const std::string & peer_meta)
{
  auto *priv = self->priv;
  auto refuse =[&](const std::string & reason) {
    GST_WARNING_OBJECT (self, "[peer %s request %s] session refused: %s",
        client.peer_id.c_str (), client.request_id.empty ()? "-" :
        client.request_id.c_str (), reason.c_str ());
    gst_nvcf_signaller_send (priv->signaller, client.connection,
        [reason](nvcf::SignallingConnection & c) {
          return c.refuse_session (reason);
        });
  };

  std::string identity = resume_identity (client);
  if (!identity.empty () && resume_session (self, client, identity))
    return;

  std::string refusal;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    nvcf::ReadyState st = priv->readiness.state ();
    if (st == nvcf::ReadyState::Busy || st == nvcf::ReadyState::AwaitingResume)
      refusal = "the streamer is busy: all " +
          std::to_string (priv->max_sessions) + " sessions (max-sessions) "
          "are in use";
    else if (st != nvcf::ReadyState::Ready)
      refusal = std::string ("the streamer is not ready (") +
          nvcf::Readiness::name (st) + ")";
  }
  if (refusal.empty () && stream_taps (self).empty ())
    refusal = "no media is flowing yet; try again";
  if (!refusal.empty ()) {
    refuse (refusal);
    return;
  }

  gchar *uuid = g_uuid_string_random ();
  std::string id = uuid;
  g_free (uuid);
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    SessionEntry & e = priv->sessions[id];
    e.client = client;
    e.identity = identity;
    e.peer_meta = peer_meta;
  }
  sessions_changed (self);
  GST_INFO_OBJECT (self, "[%s] starting for peer %s%s",
      session_label (id, client).c_str (), client.peer_id.c_str (),
      identity.empty ()? " (cannot resume: no client identity)" : "");
  if (!run_session (self, id, client))
    return;
  g_signal_emit (self, signals[SIGNAL_SESSION_STARTED], 0, id.c_str (),
      peer_meta.c_str ());
  post_session_message (self, "nvcf-session-started", id, client, peer_meta);
}

static void
on_signalling_request (GstNvcfWebrtcSink * self,
    const GstNvcfClientInfo & client, const nvcf::SignallingRequest & rq)
{
  using Kind = nvcf::SignallingRequest::Kind;
  switch (rq.kind) {
    case Kind::StartSession:
      start_session (self, client, rq.peer_meta);
      break;
    case Kind::RemoteAnswer:{
      std::string sdp = rq.sdp;
      with_session (self, rq.session_id,[sdp](GstNvcfSession & s) {
            s.set_remote_answer (sdp);
          });
      break;
    }
    case Kind::RemoteIce:{
      nvcf::IceCandidate ice = rq.ice;
      with_session (self, rq.session_id,[ice](GstNvcfSession & s) {
            s.add_remote_ice (ice);
          });
      break;
    }
    case Kind::EndSession:
      end_session (self, rq.session_id, "", false);
      break;
  }
}

/* A client's socket closed without ending its sessions: they wait for a
 * resume when the client can be recognised, else they end. */
static void
on_client_closed (GstNvcfWebrtcSink * self, const GstNvcfClientInfo & client,
    bool)
{
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    for (auto &[id, e] : self->priv->sessions)
      if (!e.awaiting_resume && e.client.connection == client.connection)
        ids.push_back (id);
  }
  for (auto &id : ids)
    if (!suspend_session (self, id))
      end_session (self, id, "", false);
}

/* POST /v1/streaming/endsession, on the loop thread. */
static std::optional<std::string>
end_session_from_nvcf (GstNvcfWebrtcSink * self, const std::string & key,
    bool graceful)
{
  auto *priv = self->priv;
  std::string id, label;
  guint64 conn = 0;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    for (auto &[sid, e] : priv->sessions)
      if (sid == key || (!key.empty () && e.client.request_id == key)) {
        id = sid;
        label = session_label (sid, e.client);
        conn = e.client.connection;
        break;
      }
  }
  if (id.empty ())
    return std::nullopt;
  /* Logged here, not by the control server: only we know both ids. */
  GST_INFO_OBJECT (self, "[%s] endsession from NVCF (%s)", label.c_str (),
      graceful ? "graceful" : "not graceful");
  if (!graceful && suspend_session (self, id)) {
    if (conn)
      gst_nvcf_signaller_close (priv->signaller, conn, 1000,
          "session suspended: reconnect to resume");
    return std::string ("AWAITING_RESUME");
  }
  end_session (self, id, graceful ? "ended by NVCF" : "", true);
  return std::string ("COMPLETE");
}

/* EOS on a stream: the pipeline is shutting down. */
static void
drain (GstNvcfWebrtcSink * self)
{
  {
    /* EOS is on its way already: the exit policy need not send one. */
    std::lock_guard<std::mutex> lock (self->priv->lock);
    self->priv->exit_sent = true;
  }
  update_readiness (self,[](nvcf::Readiness & r) {
        return r.drain ();
      });
  if (!self->priv->loop.running ())
    return;
  gst_object_ref (self);
  self->priv->loop.invoke_async ([self] {
        end_all_sessions (self, "the streamer is shutting down");
        gst_object_unref (self);
      });
}

/* ------------------------------------------------------------ state changes */

static gboolean
start_servers (GstNvcfWebrtcSink * self)
{
  auto *priv = self->priv;
  std::string address;
  guint port;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    address = priv->control_address;
    port = priv->control_port;
  }
  priv->loop.start ("nvcf-service");

  nvcf::ControlHooks delegate;
  delegate.readiness =[self](unsigned *status, std::string * json) {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    *status = self->priv->readiness.http_status ();
    *json = self->priv->readiness.to_json ();
  };
  delegate.credentials =[self](const nvcf::Credentials & c) {
    store_credentials (self, c);
  };
  delegate.end_session =[self](const std::string & id, bool graceful) {
    return end_session_from_nvcf (self, id, graceful);
  };
  priv->control = gst_nvcf_control_server_new ("control-server",
      std::move (delegate));
  gst_object_set_parent (GST_OBJECT (priv->control), GST_OBJECT (self));

  GError *error = NULL;
  if (!gst_nvcf_control_server_start (priv->control, &priv->loop,
          address.c_str (), port, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("Cannot start the NVCF control server on %s:%u",
            address.empty ()? "0.0.0.0" : address.c_str (), port),
        ("%s", error->message));
    g_clear_error (&error);
    return FALSE;
  }
  GstNvcfSignallerDelegate sdelegate;
  sdelegate.request =[self](const GstNvcfClientInfo & c,
      const nvcf::SignallingRequest & rq) {
    on_signalling_request (self, c, rq);
  };
  sdelegate.closed =[self](const GstNvcfClientInfo & c, bool clean) {
    on_client_closed (self, c, clean);
  };
  GstNvcfSignallerSettings settings;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    settings.address = priv->control_address;
    settings.port = priv->streaming_port;
    settings.endpoint = priv->start_endpoint;
    settings.producer_id = priv->producer_id;
    settings.keepalive_s = priv->keepalive_interval;
    settings.producer_meta = std::string ("{\"name\":\"") +
        GST_OBJECT_NAME (self) + "\"}";
  }
  priv->signaller = gst_nvcf_signaller_new ("signaller", std::move (sdelegate));
  gst_object_set_parent (GST_OBJECT (priv->signaller), GST_OBJECT (self));
  if (!gst_nvcf_signaller_start (priv->signaller, &priv->loop, settings,
          &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("Cannot start the signalling server on %s:%u",
            settings.address.empty ()? "0.0.0.0" : settings.address.c_str (),
            settings.port), ("%s", error->message));
    g_clear_error (&error);
    return FALSE;
  }
  update_readiness (self,[](nvcf::Readiness & r) {
        return r.set_servers_listening (true);
      });
  return TRUE;
}

static void
stop_servers (GstNvcfWebrtcSink * self)
{
  auto *priv = self->priv;
  update_readiness (self,[](nvcf::Readiness & r) {
        return r.finish ();
      });
  if (priv->signaller) {
    gst_nvcf_signaller_stop (priv->signaller);
    gst_object_unparent (GST_OBJECT (priv->signaller));
    priv->signaller = nullptr;
  }
  if (priv->control) {
    gst_nvcf_control_server_stop (priv->control);
    gst_object_unparent (GST_OBJECT (priv->control));
    priv->control = nullptr;
  }
  priv->loop.stop ();
  priv->exit_sent = false;
  update_readiness (self,[](nvcf::Readiness & r) {
        return r.reset ();
      });
}

static GstStateChangeReturn
gst_nvcf_webrtc_sink_change_state (GstElement * element,
    GstStateChange transition)
{
  auto *self = GST_NVCF_WEBRTC_SINK (element);

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!start_servers (self)) {
        stop_servers (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      update_readiness (self,[](nvcf::Readiness & r) {
            return r.set_pipeline_playing (false);
          });
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Viewers are told before their webrtcbins go away. */
      if (self->priv->loop.running ())
        self->priv->loop.invoke_sync ([self] {
              end_all_sessions (self, "the streamer is stopping");
            });
      break;
    default:
      break;
  }

  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      update_readiness (self,[](nvcf::Readiness & r) {
            return r.set_pipeline_playing (true);
          });
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop_servers (self);
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
static gboolean
gst_nvcf_webrtc_sink_send_event (GstElement * element, GstEvent * event)
{
  if (GST_EVENT_IS_DOWNSTREAM (event) && !GST_EVENT_IS_UPSTREAM (event)) {
    GST_DEBUG_OBJECT (element, "not sending %s into our sessions",
        GST_EVENT_TYPE_NAME (event));
    gst_event_unref (event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

/* ----------------------------------------------------------- bus messages */

/* Errors inside a viewer's webrtcbin (SCTP or DTLS when the peer vanishes,
 * a failed transport) concern that viewer only: end its session instead of
 * letting the error stop the whole pipeline. */
static void
gst_nvcf_webrtc_sink_handle_message (GstBin * bin, GstMessage * msg)
{
  auto *self = GST_NVCF_WEBRTC_SINK (bin);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    std::string owner, label;
    {
      std::lock_guard<std::mutex> lock (self->priv->lock);
      for (auto &[id, e] : self->priv->sessions) {
        GstElement *webrtc = e.session ? e.session->webrtcbin () : nullptr;
        if (webrtc && (GST_MESSAGE_SRC (msg) == GST_OBJECT (webrtc)
                || gst_object_has_as_ancestor (GST_MESSAGE_SRC (msg),
                    GST_OBJECT (webrtc)))) {
          owner = id;
          label = session_label (id, e.client);
          break;
        }
      }
    }
    /* end_session() erases the entry before GstNvcfSession::stop() tears
     * its webrtcbin down; SCTP/DTLS errors in that window belong to no
     * live session and must not reach the pipeline (gst-launch stops). */
    if (owner.empty ()) {
      for (GstObject * o = GST_MESSAGE_SRC (msg); o; o = GST_OBJECT_PARENT (o)) {
        if (GST_OBJECT_PARENT (o) == GST_OBJECT (self)
            && g_str_equal (G_OBJECT_TYPE_NAME (o), "GstWebRTCBin")) {
          GST_INFO_OBJECT (self, "dropping %s from %s of an ended session",
              GST_MESSAGE_TYPE_NAME (msg), GST_MESSAGE_SRC_NAME (msg));
          gst_message_unref (msg);
          return;
        }
      }
    }
    if (!owner.empty ()) {
      GError *err = NULL;
      gchar *debug = NULL;
      bool is_error = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
      if (is_error)
        gst_message_parse_error (msg, &err, &debug);
      else
        gst_message_parse_warning (msg, &err, &debug);
      GST_WARNING_OBJECT (self, "[%s] %s from %s: %s (%s)",
          label.c_str (), is_error ? "error" : "warning",
          GST_MESSAGE_SRC_NAME (msg), err->message, debug ? debug : "");
      if (is_error) {
        std::string reason = std::string ("media connection error: ") +
            err->message;
        gst_object_ref (self);
        self->priv->loop.invoke_async ([self, owner, reason] {
              bool waiting = false;
              {
                std::lock_guard<std::mutex> lock (self->priv->lock);
                auto it = self->priv->sessions.find (owner);
                waiting = it != self->priv->sessions.end ()
                    && it->second.awaiting_resume;
              }
              /* A session awaiting its client gets a new webrtcbin on
               * resume anyway; a live one cannot go on. */
              if (!waiting)
                end_session (self, owner, reason, true);
              gst_object_unref (self);
            });
      }
      g_clear_error (&err);
      g_free (debug);
      gst_message_unref (msg);
      return;
    }
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, msg);
}

/* ------------------------------------------------------- stats and data */

/* An encoder's target bitrate in kbit/s, if it is a video encoder with a
 * bitrate property. */
static std::optional<guint>
encoder_kbps (GstElement * e)
{
  GstElementFactory *f = gst_element_get_factory (e);
  const gchar *klass = f ? gst_element_factory_get_metadata (f,
      GST_ELEMENT_METADATA_KLASS) : NULL;
  if (!klass || !strstr (klass, "Encoder") || !strstr (klass, "Video"))
    return std::nullopt;
  GObjectClass *oclass = G_OBJECT_GET_CLASS (e);
  auto prop = nvcf::encoder_bitrate_property (GST_OBJECT_NAME (f),
      [oclass](const std::string & name) {
        return g_object_class_find_property (oclass, name.c_str ()) != NULL;
      },
      [oclass](const std::string & name) {
        GParamSpec *spec = g_object_class_find_property (oclass, name.c_str ());
        const gchar *blurb = spec ? g_param_spec_get_blurb (spec) : NULL;
        return std::string (blurb ? blurb : "");
      });
  if (!prop)
    return std::nullopt;
  GParamSpec *spec = g_object_class_find_property (oclass, prop->name.c_str ());
  GValue v = G_VALUE_INIT, u = G_VALUE_INIT;
  g_value_init (&v, spec->value_type);
  g_object_get_property (G_OBJECT (e), prop->name.c_str (), &v);
  g_value_init (&u, G_TYPE_UINT64);
  std::optional<guint> kbps;
  if (g_value_transform (&v, &u))
    kbps = (guint) (g_value_get_uint64 (&u) * prop->bits_per_unit / 1000);
  g_value_unset (&v);
  g_value_unset (&u);
  return kbps;
}

/* The video encoder feeding pad from upstream: through ghost pads and
 * single-input elements (capsfilter, queue, parser, tee), a few hops at
 * most. A reference, or NULL. */
static GstElement *
upstream_encoder (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  for (int hops = 0; peer && hops < 8; hops++) {
    while (GST_IS_GHOST_PAD (peer)) {
      GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
      gst_object_unref (peer);
      peer = target;
      if (!peer)
        return NULL;
    }
    GstElement *e = gst_pad_get_parent_element (peer);
    gst_object_unref (peer);
    peer = NULL;
    if (!e)
      break;
    if (encoder_kbps (e))
      return e;
    GstPad *sink = NULL;
    GST_OBJECT_LOCK (e);
    if (e->numsinkpads == 1)
      sink = GST_PAD (gst_object_ref (e->sinkpads->data));
    GST_OBJECT_UNLOCK (e);
    gst_object_unref (e);
    if (!sink)
      break;
    peer = gst_pad_get_peer (sink);
    gst_object_unref (sink);
  }
  if (peer)
    gst_object_unref (peer);
  return NULL;
}

/* The first video stream's encoder: ours when the element encodes, else
 * one found upstream; its factory and target bitrate (kbit/s) go into the
 * stats, nothing when there is none. */
static void
add_encoder_stats (GstNvcfWebrtcSink * self, GstStructure * out)
{
  std::string name;
  GstPad *pad = NULL;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    for (auto &s : self->priv->streams)
      if (s->video) {
        name = s->name;
        pad = GST_PAD (gst_object_ref (s->pad));
        break;
      }
  }
  if (!pad)
    return;
  GstElement *enc = gst_bin_get_by_name (GST_BIN (self),
      (name + "-encoder").c_str ());
  if (!enc)
    enc = upstream_encoder (pad);
  gst_object_unref (pad);
  if (!enc)
    return;
  if (std::optional<guint> kbps = encoder_kbps (enc))
    gst_structure_set (out, "video-bitrate", G_TYPE_UINT, *kbps,
        "video-encoder", G_TYPE_STRING,
        GST_OBJECT_NAME (gst_element_get_factory (enc)), NULL);
  gst_object_unref (enc);
}

/* "nvcf-stats": sessions (count), video-bitrate (kbit/s, the target of the
 * encoder in use, ours or upstream; absent when none is found) with
 * video-encoder (its factory), and one field per session id holding
 * webrtcbin's statistics. */
static GstStructure *
collect_stats (GstNvcfWebrtcSink * self)
{
  auto *priv = self->priv;
  GstStructure *out = gst_structure_new_empty ("nvcf-stats");
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    gst_structure_set (out, "sessions", G_TYPE_UINT,
        (guint) priv->sessions.size (), NULL);
  }
  add_encoder_stats (self, out);
  if (!priv->loop.running ())
    return out;
  /* On the loop thread, where sessions cannot vanish meanwhile. */
  priv->loop.invoke_sync ([&] {
        std::vector<std::pair<std::string, GstNvcfSession *>> list;
        {
          std::lock_guard<std::mutex> lock (priv->lock);
          for (auto &[id, e] : priv->sessions)
            list.emplace_back (id, e.session.get ());
        }
        for (auto &[id, session] : list)
          if (GstStructure * st = session->stats ()) {
            gst_structure_set (out, id.c_str (), GST_TYPE_STRUCTURE, st, NULL);
            gst_structure_free (st);
          }
      });
  return out;
}

/* Action signal send-data: text to one session's viewer, or to all when
 * session_id is NULL or empty. Returns whether any viewer got it. */
static gboolean
send_data (GstNvcfWebrtcSink * self, const gchar * session_id,
    const gchar * text)
{
  auto *priv = self->priv;
  gboolean sent = FALSE;
  if (!text || !priv->loop.running ())
    return FALSE;
  std::string want = session_id ? session_id : "";
  priv->loop.invoke_sync ([&] {
        std::vector<GstNvcfSession *> targets;
        {
          std::lock_guard<std::mutex> lock (priv->lock);
          for (auto &[id, e] : priv->sessions)
            if (want.empty () || want == id)
              targets.push_back (e.session.get ());
        }
        for (auto *session : targets)
          sent |= session->send_data (text);
      });
  return sent;
}

/* --------------------------------------------------------------- properties */

static void
gst_nvcf_webrtc_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_NVCF_WEBRTC_SINK (object);
  auto *priv = self->priv;
  std::lock_guard<std::mutex> lock (priv->lock);

  switch (prop_id) {
    case PROP_CONTROL_PORT:
      priv->control_port = g_value_get_uint (value);
      break;
    case PROP_CONTROL_ADDRESS:{
      const gchar *s = g_value_get_string (value);
      priv->control_address = s ? s : "";
      break;
    }
    case PROP_STREAMING_PORT:
      priv->streaming_port = g_value_get_uint (value);
      break;
    case PROP_START_ENDPOINT:{
      const gchar *s = g_value_get_string (value);
      if (!s || !nvcf::valid_endpoint (s)) {
        g_warning ("nvcfwebrtcsink: start-endpoint \"%s\" must start with '/'; "
            "keeping \"%s\"", s ? s : "(null)", priv->start_endpoint.c_str ());
        break;
      }
      priv->start_endpoint = s;
      break;
    }
    case PROP_PORT_RANGE:{
      const gchar *s = g_value_get_string (value);
      std::string error;
      auto range = nvcf::parse_port_range (s ? s : "", &error);
      if (!range) {
        g_warning ("nvcfwebrtcsink: %s; keeping %s", error.c_str (),
            priv->port_range.to_string ().c_str ());
        break;
      }
      priv->port_range = *range;
      break;
    }
    case PROP_MAX_SESSIONS:
      priv->max_sessions = g_value_get_uint (value);
      priv->readiness.set_max_sessions (priv->max_sessions);
      break;
    case PROP_VIDEO_ENCODER:{
      const gchar *s = g_value_get_string (value);
      priv->video_encoder = (s && *s) ? s : DEFAULT_VIDEO_ENCODER;
      break;
    }
    case PROP_VIDEO_BITRATE:
      priv->video_bitrate = g_value_get_uint (value);
      break;
    case PROP_CREDS_USE:{
      const gchar *v = g_value_get_string (value);
      auto use = nvcf::parse_creds_use (v ? v : "");
      if (!use) {
        g_warning ("nvcfwebrtcsink: creds-use must be stun, turn or both, "
            "not \"%s\"", v ? v : "(null)");
        break;
      }
      priv->creds_use = *use;
      break;
    }
    case PROP_STUN_SERVER:{
      const gchar *v = g_value_get_string (value);
      priv->stun_server = v ? v : "";
      break;
    }
    case PROP_TURN_SERVER:{
      const gchar *v = g_value_get_string (value);
      priv->turn_server = v ? v : "";
      break;
    }
    case PROP_ICE_ADDRESSES:{
      const gchar *v = g_value_get_string (value);
      priv->ice_addresses = v ? v : "";
      break;
    }
    case PROP_ICE_TCP:
      priv->ice_tcp = g_value_get_boolean (value);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      priv->keepalive_interval = g_value_get_uint (value);
      break;
    case PROP_SESSION_POLICY:{
      const gchar *v = g_value_get_string (value);
      auto policy = nvcf::parse_session_policy (v ? v : "");
      if (!policy) {
        g_warning ("nvcfwebrtcsink: session-policy must be reuse or exit, "
            "not \"%s\"", v ? v : "(null)");
        break;
      }
      priv->session_policy = *policy;
      priv->readiness.set_policy (*policy);
      break;
    }
    case PROP_RESUME_TIMEOUT:
      priv->resume_timeout_s = g_value_get_uint (value);
      break;
    case PROP_ICE_TRANSPORT_POLICY:{
      const gchar *v = g_value_get_string (value);
      if (g_strcmp0 (v, "all") && g_strcmp0 (v, "relay")) {
        g_warning ("nvcfwebrtcsink: ice-transport-policy must be all or "
            "relay, not \"%s\"", v ? v : "(null)");
        break;
      }
      priv->relay_only = g_strcmp0 (v, "relay") == 0;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_nvcf_webrtc_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_NVCF_WEBRTC_SINK (object);
  auto *priv = self->priv;
  /* Bound ports are read outside the lock: the servers own them. */
  if (prop_id == PROP_CONTROL_PORT && priv->control
      && gst_nvcf_control_server_get_port (priv->control)) {
    g_value_set_uint (value, gst_nvcf_control_server_get_port (priv->control));
    return;
  }
  if (prop_id == PROP_STREAMING_PORT && priv->signaller
      && gst_nvcf_signaller_get_port (priv->signaller)) {
    g_value_set_uint (value, gst_nvcf_signaller_get_port (priv->signaller));
    return;
  }
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, collect_stats (self));
    return;
  }
  std::lock_guard<std::mutex> lock (priv->lock);

  switch (prop_id) {
    case PROP_CONTROL_PORT:
      g_value_set_uint (value, priv->control_port);
      break;
    case PROP_CONTROL_ADDRESS:
      g_value_set_string (value, priv->control_address.c_str ());
      break;
    case PROP_STREAMING_PORT:
      g_value_set_uint (value, priv->streaming_port);
      break;
    case PROP_START_ENDPOINT:
      g_value_set_string (value, priv->start_endpoint.c_str ());
      break;
    case PROP_PORT_RANGE:
      g_value_set_string (value, priv->port_range.to_string ().c_str ());
      break;
    case PROP_MAX_SESSIONS:
      g_value_set_uint (value, priv->max_sessions);
      break;
    case PROP_VIDEO_ENCODER:
      g_value_set_string (value, priv->video_encoder.c_str ());
      break;
    case PROP_VIDEO_BITRATE:
      g_value_set_uint (value, priv->video_bitrate);
      break;
    case PROP_READY_STATE:
      g_value_set_string (value,
          nvcf::Readiness::name (priv->readiness.state ()));
      break;
    case PROP_CREDS_USE:
      g_value_set_string (value, nvcf::creds_use_name (priv->creds_use));
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, priv->stun_server.c_str ());
      break;
    case PROP_TURN_SERVER:
      g_value_set_string (value, priv->turn_server.c_str ());
      break;
    case PROP_ICE_ADDRESSES:
      g_value_set_string (value, priv->ice_addresses.c_str ());
      break;
    case PROP_ICE_TCP:
      g_value_set_boolean (value, priv->ice_tcp);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, priv->keepalive_interval);
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      g_value_set_string (value, priv->relay_only ? "relay" : "all");
      break;
    case PROP_SESSION_POLICY:
      g_value_set_string (value,
          nvcf::session_policy_name (priv->session_policy));
      break;
    case PROP_RESUME_TIMEOUT:
      g_value_set_uint (value, priv->resume_timeout_s);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ----------------------------------------------------------------- lifetime */

static void
gst_nvcf_webrtc_sink_init (GstNvcfWebrtcSink * self)
{
  auto *priv = new GstNvcfWebrtcSinkPrivate ();
  self->priv = priv;

  /* NVCF passes its configuration through the environment. A bad value is
   * a deployment mistake: say so on stderr at any debug level. */
  std::string warning;
  auto warn = [&] {
    if (!warning.empty ())
      g_warning ("nvcfwebrtcsink: %s", warning.c_str ());
    warning.clear ();
  };
  priv->control_port = nvcf::env_control_port (&warning);
  warn ();
  priv->streaming_port = nvcf::env_streaming_port (&warning);
  warn ();
  priv->start_endpoint = nvcf::env_start_endpoint (&warning);
  warn ();
  priv->port_range = *nvcf::parse_port_range (nvcf::env_port_range (&warning),
      nullptr);
  warn ();
  if (const char *addrs = g_getenv ("NVCF_ICE_ADDRESSES"))
    priv->ice_addresses = addrs;
  if (auto policy = nvcf::parse_session_policy (g_getenv ("NVCF_SESSION_POLICY") ?
          g_getenv ("NVCF_SESSION_POLICY") : "reuse"))
    priv->session_policy = *policy;
  else
    g_warning ("nvcfwebrtcsink: NVCF_SESSION_POLICY must be reuse or exit; using reuse");
  priv->readiness.set_policy (priv->session_policy);
  priv->readiness.set_max_sessions (priv->max_sessions);
  gchar *uuid = g_uuid_string_random ();
  priv->producer_id = uuid;
  g_free (uuid);

  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

static void
gst_nvcf_webrtc_sink_finalize (GObject * object)
{
  auto *self = GST_NVCF_WEBRTC_SINK (object);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_nvcf_webrtc_sink_class_init (GstNvcfWebrtcSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_nvcf_webrtc_sink_set_property;
  gobject_class->get_property = gst_nvcf_webrtc_sink_get_property;
  gobject_class->finalize = gst_nvcf_webrtc_sink_finalize;

  const auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = (GParamFlags) (rw | GST_PARAM_MUTABLE_READY);

  /* Defaults shown by gst-inspect are the built-in ones; the environment
   * (CONTROL_SERVER_PORT, ...) overrides them per instance. */
  g_object_class_install_property (gobject_class, PROP_CONTROL_PORT,
      g_param_spec_uint ("control-port", "Control port",
          "TCP port of the NVCF control server (/v1/streaming/ready, "
          "/v1/streaming/creds); default $CONTROL_SERVER_PORT, else 8111; "
          "0 picks a free port, readable once READY", 0, 65535,
          nvcf::kDefaultControlPort, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CONTROL_ADDRESS,
      g_param_spec_string ("control-address", "Control address",
          "IP address the control server binds; empty = all interfaces",
          DEFAULT_CONTROL_ADDRESS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STREAMING_PORT,
      g_param_spec_uint ("streaming-port", "Streaming port",
          "TCP port of the WebSocket signalling server; default "
          "$STREAMING_SERVER_PORT, else 49100; 0 picks a free port, readable "
          "once READY", 0, 65535, nvcf::kDefaultStreamingPort, rw_ready));
  g_object_class_install_property (gobject_class, PROP_START_ENDPOINT,
      g_param_spec_string ("start-endpoint", "Start endpoint",
          "WebSocket path for signalling; default $STREAMING_START_ENDPOINT, "
          "else /sign_in", nvcf::kDefaultStartEndpoint, rw_ready));
  g_object_class_install_property (gobject_class, PROP_PORT_RANGE,
      g_param_spec_string ("port-range", "Media port range",
          "Local UDP ports for ICE media, MIN-MAX within 1024-65535; default "
          "$STREAMING_PORT_BINDING_RANGE, else 47998-48020",
          nvcf::kDefaultPortRange, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_SESSIONS,
      g_param_spec_uint ("max-sessions", "Maximum sessions",
          "Viewers served at once; readiness answers 500 at this count", 1,
          64, DEFAULT_MAX_SESSIONS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_ENCODER,
      g_param_spec_string ("video-encoder", "Video encoder",
          "Encoder for raw video: auto (nvh264enc, else x264enc, openh264enc, "
          "vp8enc) or an encoder factory name", DEFAULT_VIDEO_ENCODER,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_BITRATE,
      g_param_spec_uint ("video-bitrate", "Video bitrate",
          "Target bitrate in kbit/s when the element encodes raw video", 100,
          200000, DEFAULT_VIDEO_BITRATE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_READY_STATE,
      g_param_spec_string ("ready-state", "Readiness state",
          "What GET /v1/streaming/ready reports: starting, ready, busy, "
          "awaiting-resume, draining or finished", "starting",
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  g_object_class_install_property (gobject_class, PROP_CREDS_USE,
      g_param_spec_string ("creds-use", "Use of posted credentials",
          "How sessions use the credentials posted to /v1/streaming/creds: "
          "stun (stun://ip:port), turn (turn://user:pass@ip:port) or both",
          DEFAULT_CREDS_USE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "stun://host:port overriding the posted credentials, for use "
          "outside NVCF; empty = from credentials (no public default)", "",
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_TURN_SERVER,
      g_param_spec_string ("turn-server", "TURN server",
          "turn://user:pass@host:port overriding the posted credentials; "
          "empty = from credentials", "", rw_ready));
  g_object_class_install_property (gobject_class, PROP_ICE_ADDRESSES,
      g_param_spec_string ("ice-addresses", "ICE local addresses",
          "Comma-separated local IP addresses ICE gathers on; default "
          "$NVCF_ICE_ADDRESSES, else empty = all interfaces", "", rw_ready));
  g_object_class_install_property (gobject_class, PROP_ICE_TCP,
      g_param_spec_boolean ("ice-tcp", "ICE over TCP",
          "Also gather ICE-TCP candidates (their ports are not kept inside "
          "port-range)", DEFAULT_ICE_TCP, rw_ready));
  g_object_class_install_property (gobject_class, PROP_KEEPALIVE_INTERVAL,
      g_param_spec_uint ("keepalive-interval", "WebSocket keepalive",
          "Seconds between WebSocket pings to each signalling client, so "
          "proxies keep a quiet connection open; 0 = no pings", 0, 3600,
          DEFAULT_KEEPALIVE_INTERVAL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_string ("ice-transport-policy", "ICE transport policy",
          "all, or relay to send media only through the TURN server", "all",
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_SESSION_POLICY,
      g_param_spec_string ("session-policy", "Session policy",
          "After the last session: reuse (ready again) or exit (readiness "
          "finished, then EOS so the container ends); default "
          "$NVCF_SESSION_POLICY, else reuse (nvcf-streamer sets exit)",
          "reuse", rw_ready));
  g_object_class_install_property (gobject_class, PROP_RESUME_TIMEOUT,
      g_param_spec_uint ("resume-timeout", "Resume timeout",
          "Seconds a session whose client dropped without ending it waits "
          "for that client to reconnect; 0 ends it at once", 0, 86400,
          DEFAULT_RESUME_TIMEOUT, (GParamFlags) (rw | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Per-session webrtcbin statistics (a field per session id), the "
          "session count, and the target bitrate (video-bitrate, kbit/s) and "
          "factory (video-encoder) of the video encoder in use, the "
          "element's or one upstream", GST_TYPE_STRUCTURE,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstNvcfWebrtcSink::session-started:
   * @sink: the element
   * @session_id: the new session
   * @peer_meta: the viewer's meta (JSON text, may be empty)
   */
  signals[SIGNAL_SESSION_STARTED] =
      g_signal_new ("session-started", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
      G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::session-ended:
   * @sink: the element
   * @session_id: the session that ended
   * @peer_meta: the viewer's meta, as session-started gave it
   *
   * Same arguments as session-started, so one handler can track viewers.
   */
  signals[SIGNAL_SESSION_ENDED] =
      g_signal_new ("session-ended", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
      G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::webrtcbin-created:
   * @sink: the element
   * @session_id: the session
   * @webrtcbin: its webrtcbin, to tune before negotiation completes
   */
  signals[SIGNAL_WEBRTCBIN_CREATED] =
      g_signal_new ("webrtcbin-created", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
      GST_TYPE_ELEMENT);
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
      g_signal_new ("data-received", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
      G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstNvcfWebrtcSink::send-data:
   * @sink: the element
   * @session_id: a session, or NULL for every viewer
   * @data: text for the "control" data channel
   *
   * Returns: whether a viewer got it.
   */
  signals[SIGNAL_SEND_DATA] =
      g_signal_new_class_handler ("send-data", G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (send_data), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_STRING, G_TYPE_STRING);

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
      g_signal_new ("credentials-changed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
      G_TYPE_UINT);

  element_class->change_state = gst_nvcf_webrtc_sink_change_state;
  element_class->send_event = gst_nvcf_webrtc_sink_send_event;
  GST_BIN_CLASS (klass)->handle_message = gst_nvcf_webrtc_sink_handle_message;
  element_class->request_new_pad = gst_nvcf_webrtc_sink_request_new_pad;
  element_class->release_pad = gst_nvcf_webrtc_sink_release_pad;

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class,
      "NVIDIA Cloud Functions WebRTC sink", "Sink/Network/WebRTC",
      "Serves the pipeline as an NVCF low-latency streaming function over "
      "WebRTC", "gst-nvcf developers");

  GST_DEBUG_CATEGORY_INIT (gst_nvcf_webrtc_sink_debug, "nvcfwebrtcsink", 0,
      "NVCF WebRTC sink");
}
