/* The lifecycle: see gstnvcflifecycle.h. */
#include "gstnvcflifecycle.h"

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_lifecycle_debug);
#define GST_CAT_DEFAULT gst_nvcf_lifecycle_debug

GstNvcfLifecycle::GstNvcfLifecycle(GstElement* element) : element_(element) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_lifecycle_debug, "nvcflifecycle", 0,
                            "NVCF readiness and exit policy");
    g_once_init_leave(&once, 1);
  }
}

void GstNvcfLifecycle::announce(const std::string& name) {
  GST_INFO_OBJECT(element_, "readiness: %s", name.c_str());
  gst_element_post_message(
      element_, gst_message_new_element(GST_OBJECT(element_),
                                        gst_structure_new("nvcf-readiness", "state", G_TYPE_STRING,
                                                          name.c_str(), NULL)));
  g_object_notify(G_OBJECT(element_), "ready-state");
}

void GstNvcfLifecycle::update(const std::function<bool(nvcf::Readiness&)>& change) {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(lock_);
    if (!change(readiness_))
      return;
    name = nvcf::Readiness::name(readiness_.state());
  }
  announce(name);
}

nvcf::ReadyState GstNvcfLifecycle::state() const {
  std::lock_guard<std::mutex> lock(lock_);
  return readiness_.state();
}

void GstNvcfLifecycle::http(unsigned* status, std::string* json) const {
  std::lock_guard<std::mutex> lock(lock_);
  *status = readiness_.http_status();
  *json = readiness_.to_json();
}

void GstNvcfLifecycle::send_eos_to_pipeline() {
  GstObject* top = GST_OBJECT(gst_object_ref(element_));
  while (GstObject* parent = gst_object_get_parent(top)) {
    gst_object_unref(top);
    top = parent;
  }
  GST_INFO_OBJECT(element_, "session policy exit: sending EOS to %s", GST_OBJECT_NAME(top));
  /* Not from the caller's thread (the service loop): gst_element_send_event
   * takes the pipeline's state lock, which an application stopping the
   * pipeline holds while it waits for that very thread to finish. */
  gst_element_call_async(
      GST_ELEMENT(top),
      [](GstElement* e, gpointer) { gst_element_send_event(e, gst_event_new_eos()); }, NULL, NULL);
  gst_object_unref(top);
}

void GstNvcfLifecycle::sessions_changed(unsigned active, unsigned awaiting_resume) {
  update([&](nvcf::Readiness& r) { return r.set_sessions(active, awaiting_resume); });
  bool exit_now = false;
  {
    std::lock_guard<std::mutex> lock(lock_);
    if (readiness_.state() == nvcf::ReadyState::Finished &&
        readiness_.policy() == nvcf::SessionPolicy::Exit && !exit_sent_) {
      exit_sent_ = true;
      exit_now = true;
    }
  }
  if (exit_now) {
    gst_element_post_message(
        element_,
        gst_message_new_element(GST_OBJECT(element_), gst_structure_new_empty("nvcf-finished")));
    send_eos_to_pipeline();
  }
}

bool GstNvcfLifecycle::drain() {
  {
    std::lock_guard<std::mutex> lock(lock_);
    if (drained_)
      return false;
    drained_ = true;
    /* EOS is on its way already: the exit policy need not send one. */
    exit_sent_ = true;
  }
  update([](nvcf::Readiness& r) { return r.drain(); });
  return true;
}

void GstNvcfLifecycle::reset() {
  {
    std::lock_guard<std::mutex> lock(lock_);
    exit_sent_ = false;
    drained_ = false;
  }
  update([](nvcf::Readiness& r) { return r.reset(); });
}
