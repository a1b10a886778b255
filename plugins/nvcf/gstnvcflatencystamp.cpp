/* nvcflatencystamp: see gstnvcflatencystamp.h. Runs on the streaming
 * thread only; it has no state. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnvcflatencystamp.h"

#include "core/latencystamp.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_latency_stamp_debug);
#define GST_CAT_DEFAULT gst_nvcf_latency_stamp_debug

struct _GstNvcfLatencyStamp {
  GstVideoFilter parent;
};

G_DEFINE_TYPE(GstNvcfLatencyStamp, gst_nvcf_latency_stamp, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE(nvcflatencystamp, "nvcflatencystamp", GST_RANK_NONE,
                            GST_TYPE_NVCF_LATENCY_STAMP);

/* 8-bit formats with a luma plane of their own. */
#define STAMP_CAPS GST_VIDEO_CAPS_MAKE("{ I420, YV12, NV12, NV21, Y42B, Y444 }")

static GstFlowReturn transform_frame_ip(GstVideoFilter*, GstVideoFrame* frame) {
  guint width = GST_VIDEO_FRAME_WIDTH(frame), height = GST_VIDEO_FRAME_HEIGHT(frame);
  guint block = nvcf::stamp_block(width, height);
  if (!block)
    return GST_FLOW_OK;
  nvcf::draw_stamp(static_cast<uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(frame, 0)),
                   GST_VIDEO_FRAME_COMP_STRIDE(frame, 0), width, height,
                   uint64_t(g_get_real_time()));
  /* Neutral chroma under the code: only luma carries it. */
  gint region_w = block * nvcf::kStampCols, region_h = block * nvcf::kStampRows;
  for (guint comp = 1; comp < GST_VIDEO_FRAME_N_COMPONENTS(frame); comp++) {
    gint w = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(frame->info.finfo, comp, region_w);
    gint h = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(frame->info.finfo, comp, region_h);
    auto* data = static_cast<guint8*>(GST_VIDEO_FRAME_COMP_DATA(frame, comp));
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE(frame, comp);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame, comp);
    for (gint y = 0; y < h; y++)
      for (gint x = 0; x < w; x++)
        data[y * stride + x * pstride] = 128;
  }
  return GST_FLOW_OK;
}

static void gst_nvcf_latency_stamp_class_init(GstNvcfLatencyStampClass* klass) {
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstCaps* caps = gst_caps_from_string(STAMP_CAPS);
  gst_element_class_add_pad_template(
      element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(
      element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);
  gst_element_class_set_static_metadata(
      element_class, "NVCF latency stamp", "Filter/Video",
      "Draws the wall-clock time into each frame as blocks a viewer can read back after "
      "encoding, to measure glass-to-glass latency",
      "gst-nvcf");
  GST_VIDEO_FILTER_CLASS(klass)->transform_frame_ip = transform_frame_ip;
  GST_DEBUG_CATEGORY_INIT(gst_nvcf_latency_stamp_debug, "nvcflatencystamp", 0,
                          "NVCF latency stamp");
}

static void gst_nvcf_latency_stamp_init(GstNvcfLatencyStamp*) {}
