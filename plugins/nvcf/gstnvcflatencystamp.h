/* nvcflatencystamp: draws the wall-clock time into each video frame, in
 * the code core/latencystamp.h describes, so a viewer can measure
 * glass-to-glass latency (bench/). Place it right after the source. */
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_NVCF_LATENCY_STAMP (gst_nvcf_latency_stamp_get_type())
G_DECLARE_FINAL_TYPE(GstNvcfLatencyStamp, gst_nvcf_latency_stamp, GST, NVCF_LATENCY_STAMP,
                     GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(nvcflatencystamp);

G_END_DECLS
