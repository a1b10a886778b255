/* nvcfwebrtcsink: turns a pipeline into an NVIDIA Cloud Functions
 * low-latency streaming function. See gstnvcfwebrtcsink.cpp. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_NVCF_WEBRTC_SINK (gst_nvcf_webrtc_sink_get_type())
G_DECLARE_FINAL_TYPE(GstNvcfWebrtcSink, gst_nvcf_webrtc_sink, GST, NVCF_WEBRTC_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(nvcfwebrtcsink);

G_END_DECLS
