/* The shared encoder's bitrate: see gstnvcfbitrate.h. */
#include "gstnvcfbitrate.h"

#include <vector>

#include "core/congestion.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_bitrate_debug);
#define GST_CAT_DEFAULT gst_nvcf_bitrate_debug

GstNvcfBitrate::GstNvcfBitrate(GstElement* element, nvcf::ServiceLoop* loop,
                               GstNvcfStreams* streams, std::function<nvcf::Settings()> settings)
    : element_(element), loop_(loop), streams_(streams), settings_(std::move(settings)) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_bitrate_debug, "nvcfbitrate", 0,
                            "NVCF congestion-controlled encoder bitrate");
    g_once_init_leave(&once, 1);
  }
}

void GstNvcfBitrate::report(const std::string& id, std::optional<unsigned> kbps) {
  bool queue;
  {
    std::lock_guard<std::mutex> lock(lock_);
    if (kbps)
      estimates_[id] = *kbps;
    else if (!estimates_.erase(id))
      return; /* never reported: nothing changes */
    queue = !queued_;
    queued_ = true;
  }
  /* One pending apply at a time: reports come ten times a second per
   * viewer, and the apply reads the latest of each. */
  if (queue && !loop_->invoke_async([this] { apply(); })) {
    std::lock_guard<std::mutex> lock(lock_);
    queued_ = false;
  }
}

nvcf::BitrateLimits GstNvcfBitrate::limits(unsigned* start_kbps) {
  nvcf::Settings s = settings_();
  if (start_ == 0)
    start_ = streams_->video_bitrate().value_or(s.video_bitrate_kbps);
  *start_kbps = start_;
  return s.bitrate_limits(start_);
}

void GstNvcfBitrate::apply() {
  std::vector<unsigned> estimates;
  {
    std::lock_guard<std::mutex> lock(lock_);
    queued_ = false;
    for (const auto& [id, kbps] : estimates_)
      estimates.push_back(kbps);
  }
  unsigned start;
  nvcf::BitrateLimits l = limits(&start);
  if (estimates.empty()) {
    /* Back where it started; read afresh for the next viewer, in case the
     * application changed it meanwhile. */
    if (applied_ != 0 && streams_->set_video_bitrate(start))
      GST_DEBUG_OBJECT(element_, "no viewer reports: video encoder back at %u kbit/s", start);
    applied_ = 0;
    start_ = 0;
    return;
  }
  unsigned target = nvcf::shared_bitrate(estimates, l, start);
  if (target == applied_)
    return;
  if (streams_->set_video_bitrate(target)) {
    GST_DEBUG_OBJECT(element_, "video encoder at %u kbit/s (%zu viewers)", target,
                     estimates.size());
    applied_ = target;
  }
}
