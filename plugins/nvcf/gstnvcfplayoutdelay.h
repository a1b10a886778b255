/* nvcfrtphdrextplayoutdelay: the playout-delay RTP header extension
 * (http://www.webrtc.org/experiments/rtp-hdrext/playout-delay), which asks
 * the receiver to render within [min, max] of capture. Sessions add it to
 * each video payloader (playout-delay property): min = max = 0 asks a
 * browser for the least delay its jitter buffer allows. Payload: 12 bits
 * of minimum then 12 of maximum delay, in units of 10 ms. */
#pragma once

#include <gst/rtp/gstrtphdrext.h>

G_BEGIN_DECLS

#define GST_NVCF_PLAYOUT_DELAY_URI "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

#define GST_TYPE_NVCF_PLAYOUT_DELAY (gst_nvcf_playout_delay_get_type())
G_DECLARE_FINAL_TYPE(GstNvcfPlayoutDelay, gst_nvcf_playout_delay, GST, NVCF_PLAYOUT_DELAY,
                     GstRTPHeaderExtension)

GST_ELEMENT_REGISTER_DECLARE(nvcfrtphdrextplayoutdelay);

G_END_DECLS
