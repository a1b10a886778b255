/* GstNvcfSession's insides, shared by its files: gstnvcfsession.cpp (the
 * webrtcbin, negotiation, media), gstnvcfsessiongate.cpp (which buffers
 * reach the webrtcbin, and when), gstnvcfsessionchannels.cpp (the data
 * channels) and gstnvcfsessioncongestion.cpp. Not for anyone else. */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gstnvcfsession.h"

GST_DEBUG_CATEGORY_EXTERN(gst_nvcf_session_debug);

/* One encoded stream sent to the viewer: tee pad -> queue -> payloader ->
 * capsfilter -> webrtcbin. */
struct Branch {
  GstNvcfStreamTap tap;
  GstPad* tee_pad = nullptr;
  GstElement *queue = nullptr, *pay = nullptr, *filter = nullptr;
  GstPad* webrtc_pad = nullptr;
  GstPad* webrtc_internal = nullptr; /* its ghost pad's internal pad */
  GstCaps* caps = nullptr;           /* negotiated RTP caps, once known */
};

struct GstNvcfSession::Impl {
  GstBin* bin;                 /* fixed at construction */
  GstNvcfSessionConfig config; /* fixed at construction */
  GstNvcfSessionCallbacks cb;  /* fixed at construction */
  /* Protected by lock for readers on other threads (ref_webrtc); written
   * by start() and stop() on the loop thread. */
  GstElement* webrtc = nullptr;
  /* Loop thread (start/stop/request_key_unit); on_branch_caps reads and
   * marks caps under lock while start() no longer changes the vector. */
  std::vector<Branch> branches;
  GstWebRTCDataChannel* control = nullptr; /* protected by lock */
  GstWebRTCDataChannel* input = nullptr;   /* protected by lock */
  std::string prefix;                      /* fixed: element names "session-" + id[0..8] */

  /* A leaf lock: never held while emitting webrtcbin signals or calling
   * the owner's callbacks. */
  std::mutex lock;
  unsigned caps_pending = 0;        /* protected by lock */
  bool offered = false;             /* protected by lock */
  unsigned local_candidates = 0;    /* protected by lock */
  bool relay_seen = false;          /* protected by lock */
  std::atomic<bool> stopped{false}; /* set once by stop() */
  /* g_get_monotonic_time() when the transport (ICE and DTLS) first
   * connected, 0 before: written once by on_connection_state, read by the
   * gate's probes. */
  std::atomic<gint64> connected_at{0};
  std::atomic<bool> branch_failed{false}; /* a branch refused media */
  /* webrtcbin's own thread (GstWebRTCBin's task), once a callback ran on
   * it: stats() there cannot be answered. Atomic: written there, read by
   * any thread. */
  std::atomic<GThread*> webrtc_thread{nullptr};
  /* Congestion control (gstnvcfsessioncongestion.cpp): the controller,
   * fed on the RTCP thread, and the rtpsession whose twcc-stats it
   * watches (a reference, from connection to stop()). Protected by lock. */
  std::unique_ptr<nvcf::CongestionController> congestion;
  GstElement* rtp_session = nullptr;
};

/* Congestion control (gstnvcfsessioncongestion.cpp): the TWCC extension
 * on a video payloader (start(), the loop); watching the rtpsession's
 * TWCC statistics once connected (webrtcbin's thread), and no more
 * (stop(), after webrtcbin is down). */
void gst_nvcf_session_add_twcc(GstNvcfSession::Impl* impl, GstElement* pay);
void gst_nvcf_session_watch_twcc(GstNvcfSession::Impl* impl);
void gst_nvcf_session_unwatch_twcc(GstNvcfSession::Impl* impl);

/* The data channels (gstnvcfsessionchannels.cpp), on webrtcbin's thread:
 * a message on one of ours or the viewer's; a channel the viewer opened. */
void gst_nvcf_session_on_channel_message(GstWebRTCDataChannel* channel, gchar* text, gpointer impl);
void gst_nvcf_session_on_remote_channel(GstElement* webrtc, GstWebRTCDataChannel* channel,
                                        gpointer impl);

/* The media gate (gstnvcfsessiongate.cpp), set up by start() on the loop:
 * on the pad that feeds webrtcbin (nothing before ICE connects), and on
 * the branch's tee pad (video from a key unit on, and no flow return ever
 * back to the shared tee). */
void gst_nvcf_session_gate_webrtc_input(GstNvcfSession::Impl* impl, GstPad* pad);
void gst_nvcf_session_gate_tee(GstNvcfSession::Impl* impl, Branch& b);
