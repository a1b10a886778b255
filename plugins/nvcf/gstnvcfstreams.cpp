/* The media chain: see gstnvcfstreams.h. */
#include "gstnvcfstreams.h"

#include <gst/video/video.h>

#include <cstring>
#include <optional>

#include "core/codecs.h"
#include "core/encoders.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_streams_debug);
#define GST_CAT_DEFAULT gst_nvcf_streams_debug

/* One request pad and the encoded stream it feeds. The chain between the
 * entry and the tee is built when the first caps arrive, since a pad takes
 * raw or encoded media. The entry is a pass-through (identity), so encoded
 * input reaches the sessions in the upstream thread: a queue there cost a
 * thread hand-off per frame on the latency path. Raw input gets a queue at
 * the head of its chain, so capture and our encoder run in their own
 * threads. */
struct GstNvcfStreams::Stream {
  GstNvcfStreams* owner = nullptr; /* not a reference */
  std::string name;
  bool video = true;
  GstPad* pad = nullptr; /* the ghost pad, owned by the element */
  GstElement* entry = nullptr;
  GstElement* tee = nullptr;
  std::vector<GstElement*> chain; /* built between entry and tee */
  GstElement* idle = nullptr;
  std::string media_type; /* encoded media type, once built; protected by lock_ */
  std::string encoder;    /* our encoder's factory, "" if none */
  bool ended = false;     /* EOS seen; protected by lock_ */

  /* The stream holds a reference on each of its elements so it can tell,
   * when released during dispose, whether the bin still has them. */
  std::vector<GstElement*> elements() const {
    std::vector<GstElement*> all = chain;
    for (GstElement* e : {entry, tee, idle})
      if (e)
        all.push_back(e);
    return all;
  }
  ~Stream() {
    for (GstElement* e : elements())
      gst_object_unref(e);
  }
};

GstNvcfStreams::GstNvcfStreams(GstBin* bin, GstNvcfStreamsHooks hooks)
    : bin_(bin), hooks_(std::move(hooks)) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_streams_debug, "nvcfstreams", 0, "NVCF media streams");
    g_once_init_leave(&once, 1);
  }
}

GstNvcfStreams::~GstNvcfStreams() = default;

static GstElement* make_element(GstElement* self, const std::string& factory,
                                const std::string& name) {
  GstElement* e = gst_element_factory_make(factory.c_str(), name.c_str());
  if (!e)
    GST_ELEMENT_ERROR(
        self, CORE, MISSING_PLUGIN, ("Element \"%s\" is missing", factory.c_str()),
        ("needed for stream %s; install the GStreamer plugin that provides it", name.c_str()));
  return e;
}

/* Properties the installed version lacks are skipped with a log line, so
 * one settings table serves several GStreamer versions. */
static void apply_properties(GstElement* e,
                             const std::vector<std::pair<std::string, std::string>>& props) {
  for (const auto& [key, value] : props) {
    if (!g_object_class_find_property(G_OBJECT_GET_CLASS(e), key.c_str())) {
      GST_DEBUG_OBJECT(e, "no property %s, skipped", key.c_str());
      continue;
    }
    gst_util_set_object_arg(G_OBJECT(e), key.c_str(), value.c_str());
  }
}

static bool factory_available(const std::string& name) {
  GstElementFactory* f = gst_element_factory_find(name.c_str());
  if (!f)
    return false;
  gst_object_unref(f);
  return true;
}

/* The media type an encoder factory produces, from its src template
 * ("" when it does not say). */
static std::string factory_output_type(const std::string& name) {
  std::string type;
  GstElementFactory* f = gst_element_factory_find(name.c_str());
  if (!f)
    return type;
  for (const GList* l = gst_element_factory_get_static_pad_templates(f); l && type.empty();
       l = l->next) {
    auto* t = static_cast<GstStaticPadTemplate*>(l->data);
    if (t->direction != GST_PAD_SRC)
      continue;
    GstCaps* caps = gst_static_caps_get(&t->static_caps);
    if (caps && !gst_caps_is_any(caps) && gst_caps_get_size(caps) > 0)
      type = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    if (caps)
      gst_caps_unref(caps);
  }
  gst_object_unref(f);
  return type;
}

/* Encoded caps a browser cannot decode are refused when they arrive, with
 * what to add, rather than failing every viewer's negotiation later. */
bool GstNvcfStreams::streamable(Stream* s, GstCaps* caps, const nvcf::Codec* codec) {
  GstCaps* allowed = gst_caps_from_string(codec->streamable_caps.c_str());
  bool ok = gst_caps_can_intersect(caps, allowed);
  gst_caps_unref(allowed);
  if (!ok) {
    const GstStructure* st = gst_caps_get_structure(caps, 0);
    const gchar* profile = gst_structure_get_string(st, "profile");
    GST_ELEMENT_ERROR(bin_, STREAM, FORMAT,
                      ("%s%s%s on %s cannot be streamed to WebRTC viewers", codec->name.c_str(),
                       profile ? " profile " : "", profile ? profile : "", s->name.c_str()),
                      ("%s; caps %" GST_PTR_FORMAT, codec->advice.c_str(), caps));
  }
  return ok;
}

/* The chain from raw or encoded caps to an encoded stream for the tee.
 * Returns false (error posted) when the caps cannot be served. */
bool GstNvcfStreams::plan_chain(Stream* s, GstCaps* caps, std::vector<GstElement*>* out) {
  GstElement* self = GST_ELEMENT(bin_);
  const GstStructure* st = gst_caps_get_structure(caps, 0);
  std::string type = gst_structure_get_name(st);
  auto add = [&](const std::string& factory, const std::string& role) {
    GstElement* e = make_element(self, factory, s->name + "-" + role);
    if (e)
      out->push_back(e);
    return e;
  };
  /* Raw input: our encoder in a thread of its own, a few frames behind
   * capture at most. */
  auto add_queue = [&]() {
    GstElement* q = add("queue", "queue");
    if (q)
      g_object_set(q, "max-size-buffers", 3, "max-size-bytes", 0, "max-size-time", (guint64)0,
                   NULL);
    return q;
  };

  std::string media_type;
  if (type == "video/x-raw") {
    nvcf::Settings settings = hooks_.settings();
    std::string requested = settings.video_encoder, error;
    guint kbps = settings.video_bitrate_kbps;
    std::string enc = nvcf::choose_video_encoder(requested, factory_available, &error);
    if (enc.empty()) {
      GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN, ("%s", error.c_str()),
                        ("stream %s has raw video", s->name.c_str()));
      return false;
    }
    nvcf::EncoderSetup setup = nvcf::video_encoder_setup(enc, kbps, factory_output_type(enc));
    if (!nvcf::supported_video_media_type(setup.media_type)) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                        ("video-encoder %s produces %s, which cannot be streamed (H.264, "
                         "H.265, VP8 or VP9)",
                         enc.c_str(), setup.media_type.c_str()),
                        ("stream %s", s->name.c_str()));
      return false;
    }
    GstCapsFeatures* features = gst_caps_get_features(caps, 0);
    bool cuda = features && gst_caps_features_contains(features, "memory:CUDAMemory");
    if (!add_queue() || (!cuda && !add("videoconvert", "convert")))
      return false;
    GstElement* encoder = add(enc, "encoder");
    if (!encoder)
      return false;
    apply_properties(encoder, setup.properties);
    if (!setup.caps.empty()) {
      GstElement* filter = add("capsfilter", "profile");
      if (!filter)
        return false;
      GstCaps* c = gst_caps_from_string(setup.caps.c_str());
      g_object_set(filter, "caps", c, NULL);
      gst_caps_unref(c);
    }
    if (!setup.parser.empty()) {
      GstElement* parser = add(setup.parser, "parse");
      if (!parser)
        return false;
      apply_properties(parser, nvcf::codec_for(setup.media_type)->parser_properties);
    }
    media_type = setup.media_type;
    s->encoder = enc;
  } else if (type == "audio/x-raw") {
    if (!add_queue() || !add("audioconvert", "convert") || !add("audioresample", "resample"))
      return false;
    const nvcf::CodecEncoder* opus = nullptr;
    nvcf::codec_for_encoder("opusenc", &opus);
    GstElement* enc = add(opus->factory, "encoder");
    if (!enc)
      return false;
    apply_properties(enc, opus->properties(0));
    media_type = "audio/x-opus";
    s->encoder = opus->factory;
  } else if (const nvcf::Codec* codec = nvcf::codec_for(type)) {
    if (!streamable(s, caps, codec))
      return false;
    if (!codec->parser.empty()) {
      GstElement* p = add(codec->parser, "parse");
      if (!p)
        return false;
      apply_properties(p, codec->parser_properties);
    }
    media_type = type;
  } else {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("Unsupported media type %s on %s", type.c_str(), s->name.c_str()), (NULL));
    return false;
  }
  /* Read by sessions on other threads. */
  std::lock_guard<std::mutex> lock(lock_);
  s->media_type = media_type;
  return true;
}

/* First caps on a pad: build entry -> chain -> tee. Runs in the streaming
 * thread before the caps pass the entry, so the entry is linked by the
 * time it pushes. */
GstPadProbeReturn GstNvcfStreams::on_caps(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
  auto* s = static_cast<Stream*>(user_data);
  GstNvcfStreams* self = s->owner;
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  GstCaps* caps;
  gst_event_parse_caps(event, &caps);
  std::vector<GstElement*> chain;
  if (!self->plan_chain(s, caps, &chain)) {
    for (GstElement* e : chain)
      gst_object_unref(gst_object_ref_sink(e));
    return GST_PAD_PROBE_DROP;
  }
  GST_INFO_OBJECT(self->bin_, "%s: %" GST_PTR_FORMAT " -> %s%s%s", s->name.c_str(), caps,
                  s->media_type.c_str(), s->encoder.empty() ? "" : " with ", s->encoder.c_str());

  GstElement* prev = s->entry;
  for (GstElement* e : chain) {
    gst_bin_add(self->bin_, e);
    gst_element_link(prev, e);
    prev = e;
  }
  gst_element_link(prev, s->tee);
  for (GstElement* e : chain) {
    gst_object_ref(e);
    gst_element_sync_state_with_parent(e);
  }
  s->chain = std::move(chain);
  self->hooks_.changed();
  return GST_PAD_PROBE_REMOVE;
}

/* Caps queries get what a WebRTC viewer can take (core/codecs): raw
 * formats encoders take best, system memory first, then the streamable
 * encoded formats, so an upstream encoder negotiates a profile browsers
 * decode by itself. Before the chain exists the entry would accept
 * anything, and a source like videotestsrc would pick its first format
 * (64-bit RGBA). Once a raw chain is built the converter and encoder
 * answer; an encoded chain (a parser into the tee) would accept any
 * profile, so encoded input is always answered here. */
GstPadProbeReturn GstNvcfStreams::on_caps_query(GstPad*, GstPadProbeInfo* info,
                                                gpointer user_data) {
  auto* s = static_cast<Stream*>(user_data);
  GstQuery* query = GST_PAD_PROBE_INFO_QUERY(info);
  if (!s->chain.empty() && !s->encoder.empty())
    return GST_PAD_PROBE_OK;
  if (GST_QUERY_TYPE(query) != GST_QUERY_CAPS)
    return GST_PAD_PROBE_OK;
  GstCaps* allowed = gst_caps_from_string(nvcf::pad_caps(s->video).c_str());
  GstCaps* filter = NULL;
  gst_query_parse_caps(query, &filter);
  GstCaps* templ = gst_pad_get_pad_template_caps(s->pad);
  if (filter) {
    GstCaps* c = gst_caps_intersect_full(allowed, filter, GST_CAPS_INTERSECT_FIRST);
    if (gst_caps_is_empty(c)) {
      /* Upstream insists on something we cannot stream (a capsfilter
       * forcing a profile): let it negotiate, so its caps event arrives
       * and is refused with what to add instead of a bare not-negotiated. */
      gst_caps_unref(c);
      c = gst_caps_intersect_full(filter, templ, GST_CAPS_INTERSECT_FIRST);
    }
    gst_caps_unref(allowed);
    allowed = c;
  } else {
    /* Unfiltered (a link check): our preference first, then whatever the
     * pad takes, so a link is never refused for caps we would refuse with
     * a reason later. Encoders negotiate with a filter. */
    allowed = gst_caps_merge(allowed, gst_caps_ref(templ));
  }
  gst_caps_unref(templ);
  gst_query_set_caps_result(query, allowed);
  gst_caps_unref(allowed);
  return GST_PAD_PROBE_HANDLED;
}

/* EOS on one pad ends that stream only: new sessions no longer get it.
 * The element drains once every pad has ended. */
GstPadProbeReturn GstNvcfStreams::on_eos(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
  auto* s = static_cast<Stream*>(user_data);
  GstNvcfStreams* self = s->owner;
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    GST_INFO_OBJECT(self->bin_, "%s: end of stream", s->name.c_str());
    {
      std::lock_guard<std::mutex> lock(self->lock_);
      s->ended = true;
    }
    self->hooks_.changed();
  } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_FLUSH_STOP ||
             GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_STREAM_START) {
    /* A flushing seek or a restarted source begins the stream anew. */
    std::lock_guard<std::mutex> lock(self->lock_);
    s->ended = false;
  }
  return GST_PAD_PROBE_OK;
}

GstPad* GstNvcfStreams::add(GstPadTemplate* templ, const gchar* name) {
  GstElement* element = GST_ELEMENT(bin_);
  auto s = std::make_unique<Stream>();
  s->owner = this;
  s->video = g_str_has_prefix(templ->name_template, "video");
  {
    std::lock_guard<std::mutex> lock(lock_);
    guint& next = s->video ? next_video_ : next_audio_;
    guint index = next;
    if (name && sscanf(name, s->video ? "video_%u" : "audio_%u", &index) == 1)
      next = MAX(next, index + 1);
    else
      next++;
    s->name = (s->video ? "video_" : "audio_") + std::to_string(index);
    for (auto& other : streams_)
      if (other->name == s->name) {
        GST_WARNING_OBJECT(bin_, "pad %s exists already", s->name.c_str());
        return NULL;
      }
  }

  s->entry = gst_element_factory_make("identity", (s->name + "-entry").c_str());
  s->tee = gst_element_factory_make("tee", (s->name + "-tee").c_str());
  /* A fakesink keeps the stream flowing with no viewer and lets EOS reach
   * the pipeline. */
  GstElement* idle = gst_element_factory_make("fakesink", (s->name + "-idle").c_str());
  s->idle = GST_ELEMENT(gst_object_ref(idle));
  gst_object_ref(s->entry);
  gst_object_ref(s->tee);
  g_object_set(s->tee, "allow-not-linked", TRUE, NULL);
  g_object_set(idle, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, NULL);
  gst_bin_add_many(bin_, s->entry, s->tee, idle, NULL);
  gst_element_link(s->tee, idle);

  GstPad* target = gst_element_get_static_pad(s->entry, "sink");
  gst_pad_add_probe(target, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_caps, s.get(), NULL);
  gst_pad_add_probe(target, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_caps_query, s.get(), NULL);
  gst_pad_add_probe(
      target,
      (GstPadProbeType)(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
      on_eos, s.get(), NULL);
  s->pad = gst_ghost_pad_new_from_template(s->name.c_str(), target, templ);
  gst_object_unref(target);

  gst_element_sync_state_with_parent(s->entry);
  gst_element_sync_state_with_parent(s->tee);
  gst_element_sync_state_with_parent(idle);

  GstPad* pad = s->pad;
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  {
    std::lock_guard<std::mutex> lock(lock_);
    streams_.push_back(std::move(s));
  }
  hooks_.changed();
  return pad;
}

void GstNvcfStreams::release(GstPad* pad) {
  std::unique_ptr<Stream> s;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto it = streams_.begin(); it != streams_.end(); ++it)
      if ((*it)->pad == pad) {
        s = std::move(*it);
        streams_.erase(it);
        break;
      }
  }
  if (!s)
    return;
  /* During dispose the bin has already dropped its children. */
  for (GstElement* e : s->elements()) {
    if (GST_OBJECT_PARENT(e) != GST_OBJECT(bin_))
      continue;
    gst_element_set_state(e, GST_STATE_NULL);
    gst_bin_remove(bin_, e);
  }
  gst_element_remove_pad(GST_ELEMENT(bin_), pad);
  hooks_.changed();
}

std::vector<GstNvcfStreamTap> GstNvcfStreams::taps() const {
  std::vector<GstNvcfStreamTap> taps;
  std::lock_guard<std::mutex> lock(lock_);
  for (auto& s : streams_)
    if (!s->media_type.empty() && !s->ended)
      taps.push_back(GstNvcfStreamTap{s->name, s->video, s->media_type, s->tee});
  return taps;
}

bool GstNvcfStreams::all_flowing() const {
  std::lock_guard<std::mutex> lock(lock_);
  bool all = !streams_.empty();
  for (const auto& s : streams_)
    all = all && !s->media_type.empty();
  return all;
}

bool GstNvcfStreams::all_ended() const {
  std::lock_guard<std::mutex> lock(lock_);
  bool all = !streams_.empty();
  for (const auto& s : streams_)
    all = all && s->ended;
  return all;
}

/* mids are not mapped to pads yet: the first video stream gets it. */
std::string GstNvcfStreams::send_upstream(const std::string&, GstEvent* ev) {
  GstPad* target = nullptr;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& s : streams_)
      if (s->video) {
        target = gst_element_get_static_pad(s->entry, "src");
        break;
      }
  }
  if (!target) {
    gst_event_unref(ev);
    return "no video stream to send the event to";
  }
  GST_LOG_OBJECT(bin_, "upstream %" GST_PTR_FORMAT, ev);
  /* Unhandled navigation is normal (a source without input): not an error
   * for the viewer. */
  gst_pad_send_event(target, ev);
  gst_object_unref(target);
  return "";
}

/* ------------------------------------------------------------ encoder stats */

/* Where a video encoder keeps its target bitrate (core/encoders), if e is
 * a video encoder with a bitrate property. */
static std::optional<nvcf::BitrateProperty> bitrate_property(GstElement* e) {
  GstElementFactory* f = gst_element_get_factory(e);
  const gchar* klass = f ? gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS) : NULL;
  if (!klass || !strstr(klass, "Encoder") || !strstr(klass, "Video"))
    return std::nullopt;
  GObjectClass* oclass = G_OBJECT_GET_CLASS(e);
  return nvcf::encoder_bitrate_property(
      GST_OBJECT_NAME(f),
      [oclass](const std::string& name) {
        return g_object_class_find_property(oclass, name.c_str()) != NULL;
      },
      [oclass](const std::string& name) {
        GParamSpec* spec = g_object_class_find_property(oclass, name.c_str());
        const gchar* blurb = spec ? g_param_spec_get_blurb(spec) : NULL;
        return std::string(blurb ? blurb : "");
      });
}

/* An encoder's target bitrate in kbit/s, if it has one. */
static std::optional<guint> encoder_kbps(GstElement* e) {
  auto prop = bitrate_property(e);
  if (!prop)
    return std::nullopt;
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop->name.c_str());
  GValue v = G_VALUE_INIT, u = G_VALUE_INIT;
  g_value_init(&v, spec->value_type);
  g_object_get_property(G_OBJECT(e), prop->name.c_str(), &v);
  g_value_init(&u, G_TYPE_UINT64);
  std::optional<guint> kbps;
  if (g_value_transform(&v, &u))
    kbps = (guint)(g_value_get_uint64(&u) * prop->bits_per_unit / 1000);
  g_value_unset(&v);
  g_value_unset(&u);
  return kbps;
}

/* The video encoder feeding pad from upstream: through ghost pads and
 * single-input elements (capsfilter, identity, queue, parser, tee), a few
 * hops at most. A reference, or NULL. */
static GstElement* upstream_encoder(GstPad* pad) {
  GstPad* peer = gst_pad_get_peer(pad);
  for (int hops = 0; peer && hops < 8; hops++) {
    while (GST_IS_GHOST_PAD(peer)) {
      GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(peer));
      gst_object_unref(peer);
      peer = target;
      if (!peer)
        return NULL;
    }
    GstElement* e = gst_pad_get_parent_element(peer);
    gst_object_unref(peer);
    peer = NULL;
    if (!e)
      break;
    if (encoder_kbps(e))
      return e;
    GstPad* sink = NULL;
    GST_OBJECT_LOCK(e);
    if (e->numsinkpads == 1)
      sink = GST_PAD(gst_object_ref(e->sinkpads->data));
    GST_OBJECT_UNLOCK(e);
    gst_object_unref(e);
    if (!sink)
      break;
    peer = gst_pad_get_peer(sink);
    gst_object_unref(sink);
  }
  if (peer)
    gst_object_unref(peer);
  return NULL;
}

/* The first video stream's encoder: ours, else one found upstream. A
 * reference, or NULL. */
GstElement* GstNvcfStreams::video_encoder() {
  std::string name;
  GstPad* pad = NULL;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& s : streams_)
      if (s->video) {
        name = s->name;
        pad = GST_PAD(gst_object_ref(s->pad));
        break;
      }
  }
  if (!pad)
    return NULL;
  GstElement* enc = gst_bin_get_by_name(bin_, (name + "-encoder").c_str());
  if (!enc)
    enc = upstream_encoder(pad);
  gst_object_unref(pad);
  return enc;
}

void GstNvcfStreams::encoder_stats(GstStructure* out) {
  GstElement* enc = video_encoder();
  if (!enc)
    return;
  if (std::optional<guint> kbps = encoder_kbps(enc))
    gst_structure_set(out, "video-bitrate", G_TYPE_UINT, *kbps, "video-encoder", G_TYPE_STRING,
                      GST_OBJECT_NAME(gst_element_get_factory(enc)), NULL);
  gst_object_unref(enc);
}

std::optional<guint> GstNvcfStreams::video_bitrate() {
  GstElement* enc = video_encoder();
  if (!enc)
    return std::nullopt;
  std::optional<guint> kbps = encoder_kbps(enc);
  gst_object_unref(enc);
  return kbps;
}

bool GstNvcfStreams::set_video_bitrate(guint kbps) {
  GstElement* enc = video_encoder();
  if (!enc)
    return false;
  auto prop = bitrate_property(enc);
  if (prop) {
    /* Through the property's own type and range (guint or gint, kbit/s or
     * bit/s): encoders that take a bitrate while playing reconfigure on
     * their next frame, under their own object lock. */
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(enc), prop->name.c_str());
    GValue u = G_VALUE_INIT, v = G_VALUE_INIT;
    g_value_init(&u, G_TYPE_UINT64);
    g_value_set_uint64(&u, (guint64)kbps * 1000 / prop->bits_per_unit);
    g_value_init(&v, spec->value_type);
    if (g_value_transform(&u, &v)) {
      g_param_value_validate(spec, &v); /* clamps to the encoder's range */
      g_object_set_property(G_OBJECT(enc), prop->name.c_str(), &v);
    } else {
      prop.reset();
    }
    g_value_unset(&u);
    g_value_unset(&v);
  }
  gst_object_unref(enc);
  return prop.has_value();
}
