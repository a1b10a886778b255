/* The shared encoder's bitrate under congestion control: every viewer's
 * estimate (each session's nvcf::CongestionController) in, the weakest
 * one, within min-video-bitrate/max-video-bitrate, out to the encoder of
 * the first video stream (GstNvcfStreams::set_video_bitrate): the
 * element's own, else one upstream. The encoder's bitrate before the first
 * viewer is its start and, unless max-video-bitrate says otherwise, its
 * ceiling; with no viewer reporting, it goes back to it.
 *
 * Threads: report() from any thread (webrtcbin's RTCP thread, which
 * computes the estimates; the loop, as sessions end). limits() and the
 * encoder's setting run on the service loop only, so settings never race
 * each other and no RTCP thread ever calls into the encoder. lock_ guards
 * estimates_ and queued_; it is a leaf lock, never held while calling
 * out. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.h"
#include "gstnvcfserviceloop.h"
#include "gstnvcfstreams.h"

class GstNvcfBitrate {
 public:
  GstNvcfBitrate(GstElement* element, nvcf::ServiceLoop* loop, GstNvcfStreams* streams,
                 std::function<nvcf::Settings()> settings);
  GstNvcfBitrate(const GstNvcfBitrate&) = delete;
  GstNvcfBitrate& operator=(const GstNvcfBitrate&) = delete;

  /* Session id's estimate in kbit/s; nullopt once the session ended. */
  void report(const std::string& id, std::optional<unsigned> kbps);
  /* Loop thread: the limits a new session's controller keeps to, and its
   * start (*start_kbps): the encoder's bitrate before congestion control
   * moved it. */
  nvcf::BitrateLimits limits(unsigned* start_kbps);

 private:
  void apply(); /* loop thread */

  GstElement* element_; /* not references: the element owns us */
  nvcf::ServiceLoop* loop_;
  GstNvcfStreams* streams_;
  std::function<nvcf::Settings()> settings_;
  std::mutex lock_;
  std::map<std::string, unsigned> estimates_; /* protected by lock_ */
  bool queued_ = false;                       /* protected by lock_ */
  unsigned applied_ = 0;                      /* loop thread only */
  unsigned start_ = 0; /* loop thread only: the encoder's own bitrate, 0 = not read */
};
