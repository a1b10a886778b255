/* The lifecycle of nvcfwebrtcsink: readiness (what /v1/streaming/ready
 * answers), draining, and the exit policy.
 *
 * Threads: any. lock_ guards readiness_ and exit_sent_; it is a leaf lock,
 * released before anything is posted, notified or sent. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <mutex>
#include <string>

#include "core/readiness.h"

class GstNvcfLifecycle {
 public:
  explicit GstNvcfLifecycle(GstElement* element);

  /* Apply change to the readiness machine; a transition is announced with
   * the element message "nvcf-readiness" and notify::ready-state. */
  void update(const std::function<bool(nvcf::Readiness&)>& change);
  nvcf::ReadyState state() const;
  /* Status and body for GET /v1/streaming/ready. */
  void http(unsigned* status, std::string* json) const;

  /* Session counts changed: readiness follows, and under the exit policy
   * a finished element posts "nvcf-finished" and sends EOS to its
   * pipeline, once. */
  void sessions_changed(unsigned active, unsigned awaiting_resume);
  /* Every pad ended, or the application ends the stream: no new sessions.
   * Returns true the first time (the caller then ends the sessions). */
  bool drain();
  /* The element went back to NULL. */
  void reset();

 private:
  void announce(const std::string& name);
  void send_eos_to_pipeline();

  GstElement* element_; /* not a reference: the element owns us */
  mutable std::mutex lock_;
  nvcf::Readiness readiness_; /* protected by lock_ */
  bool exit_sent_ = false;    /* protected by lock_: EOS sent or on its way */
  bool drained_ = false;      /* protected by lock_ */
};
