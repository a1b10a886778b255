/* A session's congestion control: the transport-wide congestion control
 * (TWCC) header extension on its video, and the viewer's TWCC feedback,
 * as webrtcbin's rtpsession sums it up (its twcc-stats property: sent and
 * received bitrate, loss, mean delta of delays over the last window),
 * fed to the session's nvcf::CongestionController.
 *
 * Why TWCC, not RTCP receiver reports: Chromium sends TWCC feedback about
 * ten times a second with per-packet arrival times, so a growing queue
 * shows within a few hundred milliseconds; receiver reports come about
 * once a second and carry loss and jitter only. GStreamer 1.22 parses the
 * feedback itself (rtpsession twcc-stats); there is no rtpgccbwe here.
 *
 * Threads: the extension is added on the loop (start()); the watch is set
 * on webrtcbin's thread as the connection comes up; twcc-stats is notified
 * on the thread that receives the viewer's RTCP, which runs the
 * controller and reports the estimate (the owner hops to its loop to set
 * the encoder). stop() drops the watch after webrtcbin's threads ended. */
#include <gst/rtp/gstrtphdrext.h>

#include <algorithm>

#include "gstnvcfsessionimpl.h"

#define GST_CAT_DEFAULT gst_nvcf_session_debug

/* The TWCC extension's id in our offers (playout delay has 5). */
constexpr guint kTwccId = 3;

void gst_nvcf_session_add_twcc(GstNvcfSession::Impl* impl, GstElement* pay) {
  GstElement* ext = gst_element_factory_make("rtphdrexttwcc", NULL);
  if (!ext) {
    GST_WARNING("[%s] rtphdrexttwcc is missing: no congestion control", impl->config.label.c_str());
    return;
  }
  /* The payloader puts the extmap into its caps, so webrtcbin offers it,
   * and rtpsession numbers every packet for the viewer's feedback. */
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(ext), kTwccId);
  g_signal_emit_by_name(pay, "add-extension", ext);
  gst_object_unref(ext);
  std::lock_guard<std::mutex> lock(impl->lock);
  if (!impl->congestion)
    impl->congestion = std::make_unique<nvcf::CongestionController>(impl->config.start_kbps,
                                                                    impl->config.bitrate_limits);
}

/* twcc-stats changed: one report of the viewer's feedback. The RTCP
 * receiving thread. */
static void on_twcc_stats(GObject* rtp_session, GParamSpec*, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  if (impl->stopped)
    return;
  GstStructure* s = NULL;
  g_object_get(rtp_session, "twcc-stats", &s, NULL);
  if (!s)
    return;
  guint sent = 0, received = 0;
  gdouble loss_pct = 0;
  gint64 delta_of_delta = 0;
  gst_structure_get_uint(s, "bitrate-sent", &sent);
  gst_structure_get_uint(s, "bitrate-recv", &received);
  gst_structure_get_double(s, "packet-loss-pct", &loss_pct);
  gst_structure_get_int64(s, "avg-delta-of-delta", &delta_of_delta);
  gst_structure_free(s);
  if (sent == 0)
    return; /* a window with nothing in it says nothing */

  nvcf::CongestionFeedback f;
  f.at_us = g_get_monotonic_time();
  f.loss_fraction = std::min(std::max(loss_pct / 100.0, 0.0), 1.0);
  f.delay_gradient_ms = (double)delta_of_delta / GST_MSECOND;
  f.sent_kbps = sent / 1000;
  f.received_kbps = received / 1000;
  unsigned before, after;
  std::string action;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    if (!impl->congestion)
      return;
    before = impl->congestion->estimate();
    after = impl->congestion->on_feedback(f);
    action = impl->congestion->last_action();
  }
  GST_LOG("[%s] twcc: sent %u recv %u kbit/s, loss %.1f %%, delay gradient %.2f ms: %s, %u kbit/s",
          impl->config.label.c_str(), f.sent_kbps, f.received_kbps, loss_pct, f.delay_gradient_ms,
          action.c_str(), after);
  if (after != before) {
    if (after < before)
      GST_DEBUG("[%s] congestion (%s): estimate %u -> %u kbit/s", impl->config.label.c_str(),
                action.c_str(), before, after);
    impl->cb.estimate(after);
  }
}

void gst_nvcf_session_watch_twcc(GstNvcfSession::Impl* impl) {
  GstElement* webrtc;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    if (!impl->congestion || impl->rtp_session || !impl->webrtc)
      return;
    webrtc = GST_ELEMENT(gst_object_ref(impl->webrtc));
  }
  /* max-bundle: every stream rides RTP session 0 of webrtcbin's rtpbin. */
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");
  GstElement* session = NULL;
  if (rtpbin)
    g_signal_emit_by_name(rtpbin, "get-session", 0u, &session);
  if (session && g_object_class_find_property(G_OBJECT_GET_CLASS(session), "twcc-stats")) {
    g_signal_connect(session, "notify::twcc-stats", G_CALLBACK(on_twcc_stats), impl);
    unsigned start;
    {
      std::lock_guard<std::mutex> lock(impl->lock);
      impl->rtp_session = GST_ELEMENT(gst_object_ref(session));
      start = impl->congestion->estimate();
    }
    /* The initial estimate, so the owner counts this viewer at once. */
    impl->cb.estimate(start);
  } else {
    GST_WARNING("[%s] no rtpsession with twcc-stats: no congestion control",
                impl->config.label.c_str());
  }
  if (session)
    gst_object_unref(session);
  if (rtpbin)
    gst_object_unref(rtpbin);
  gst_object_unref(webrtc);
}

void gst_nvcf_session_unwatch_twcc(GstNvcfSession::Impl* impl) {
  GstElement* session;
  {
    std::lock_guard<std::mutex> lock(impl->lock);
    session = impl->rtp_session;
    impl->rtp_session = nullptr;
  }
  if (!session)
    return;
  g_signal_handlers_disconnect_by_data(session, impl);
  gst_object_unref(session);
}
