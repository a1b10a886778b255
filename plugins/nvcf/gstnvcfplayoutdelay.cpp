/* nvcfrtphdrextplayoutdelay: see gstnvcfplayoutdelay.h. write() runs on
 * the payloader's streaming thread; the delays are set before it starts
 * and read under the object lock. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnvcfplayoutdelay.h"

enum { PROP_0, PROP_MIN_DELAY, PROP_MAX_DELAY };

/* 12 bits of 10 ms units. */
constexpr guint kMaxDelayMs = 4095 * 10;

struct _GstNvcfPlayoutDelay {
  GstRTPHeaderExtension parent;
  guint min_ms, max_ms; /* zeroed by GObject */
};

G_DEFINE_TYPE(GstNvcfPlayoutDelay, gst_nvcf_playout_delay, GST_TYPE_RTP_HEADER_EXTENSION);
GST_ELEMENT_REGISTER_DEFINE(nvcfrtphdrextplayoutdelay, "nvcfrtphdrextplayoutdelay",
                            GST_RANK_MARGINAL, GST_TYPE_NVCF_PLAYOUT_DELAY);

static GstRTPHeaderExtensionFlags get_supported_flags(GstRTPHeaderExtension*) {
  return GstRTPHeaderExtensionFlags(GST_RTP_HEADER_EXTENSION_ONE_BYTE |
                                    GST_RTP_HEADER_EXTENSION_TWO_BYTE);
}

static gsize get_max_size(GstRTPHeaderExtension*, const GstBuffer*) {
  return 3;
}

static gssize write(GstRTPHeaderExtension* ext, const GstBuffer*, GstRTPHeaderExtensionFlags,
                    GstBuffer*, guint8* data, gsize size) {
  auto* self = GST_NVCF_PLAYOUT_DELAY(ext);
  if (size < 3)
    return -1;
  GST_OBJECT_LOCK(self);
  guint min = self->min_ms / 10, max = self->max_ms / 10;
  GST_OBJECT_UNLOCK(self);
  data[0] = guint8(min >> 4);
  data[1] = guint8(((min & 0xf) << 4) | (max >> 8));
  data[2] = guint8(max & 0xff);
  return 3;
}

static gboolean read(GstRTPHeaderExtension* ext, GstRTPHeaderExtensionFlags, const guint8* data,
                     gsize size, GstBuffer*) {
  auto* self = GST_NVCF_PLAYOUT_DELAY(ext);
  if (size < 3)
    return FALSE;
  GST_OBJECT_LOCK(self);
  self->min_ms = ((guint(data[0]) << 4) | (data[1] >> 4)) * 10;
  self->max_ms = (((guint(data[1]) & 0xf) << 8) | data[2]) * 10;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = GST_NVCF_PLAYOUT_DELAY(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MIN_DELAY:
      self->min_ms = g_value_get_uint(value);
      break;
    case PROP_MAX_DELAY:
      self->max_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  if (self->max_ms < self->min_ms)
    self->max_ms = self->min_ms;
  GST_OBJECT_UNLOCK(self);
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_NVCF_PLAYOUT_DELAY(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MIN_DELAY:
      g_value_set_uint(value, self->min_ms);
      break;
    case PROP_MAX_DELAY:
      g_value_set_uint(value, self->max_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_nvcf_playout_delay_class_init(GstNvcfPlayoutDelayClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstRTPHeaderExtensionClass* ext_class = GST_RTP_HEADER_EXTENSION_CLASS(klass);
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  g_object_class_install_property(
      gobject_class, PROP_MIN_DELAY,
      g_param_spec_uint("min-delay", "Minimum delay",
                        "Least playout delay asked of the receiver, in ms (10 ms steps)", 0,
                        kMaxDelayMs, 0, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_MAX_DELAY,
      g_param_spec_uint("max-delay", "Maximum delay",
                        "Most playout delay allowed to the receiver, in ms (10 ms steps; raised "
                        "to min-delay)",
                        0, kMaxDelayMs, 0,
                        GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  ext_class->get_supported_flags = get_supported_flags;
  ext_class->get_max_size = get_max_size;
  ext_class->write = write;
  ext_class->read = read;
  gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass), "RTP playout-delay extension",
                                        GST_RTP_HDREXT_ELEMENT_CLASS,
                                        "Asks the receiver to render within a playout delay "
                                        "(min = max = 0: as soon as it can)",
                                        "gst-nvcf");
  gst_rtp_header_extension_class_set_uri(ext_class, GST_NVCF_PLAYOUT_DELAY_URI);
}

static void gst_nvcf_playout_delay_init(GstNvcfPlayoutDelay*) {}
