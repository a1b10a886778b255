/* The warm-up: what a process's first session would otherwise wait for,
 * done when an element starts, before readiness says 200.
 *
 * - The DTLS certificate. GStreamer's DTLS elements make one (an RSA key)
 *   per process, when the first dtlsdec is created: in the first session's
 *   offer. That took 0.1-3 s here.
 * - The plugins a session loads (webrtcbin, libnice, DTLS, SRTP, SCTP, the
 *   RTP elements) and their class set-up.
 * Under NVCF's exit policy every container's one session is a first one.
 *
 * Threads: any caller; done runs on the warm-up's own thread, or at once
 * on the caller's when the warm-up is over already. */
#pragma once

#include <glib.h>

#include <functional>

/* Warms up the process if no one has, and calls done once it is warm. */
void gst_nvcf_warmup(std::function<void()> done);
/* Waits until a warm-up under way is over, at most timeout_us; true when
 * none is under way any more. An element that stops waits: a process that
 * exits meanwhile would pull OpenSSL and the registry from under it. */
bool gst_nvcf_warmup_wait(gint64 timeout_us);
