/* A thread running its own GMainContext, for the element's servers: they
 * must never depend on the application running the default context.
 *
 * Threads: start() and stop() on the owner's thread (the application's);
 * invoke_async() and running() from any thread. A closure given to
 * invoke_async() either runs on the loop thread or, when the loop is
 * stopped (or stops before dispatching it), is destroyed without running:
 * whatever it must release belongs in a captured RAII holder (GstRef), never
 * in its body. lock_ guards context_ and loop_; it is a leaf lock, never held
 * while a closure runs or is destroyed. */
#pragma once

#include <glib-object.h>

#include <functional>
#include <mutex>
#include <thread>

namespace nvcf {

class ServiceLoop {
 public:
  ServiceLoop() = default;
  ~ServiceLoop() { stop(); }
  ServiceLoop(const ServiceLoop&) = delete;
  ServiceLoop& operator=(const ServiceLoop&) = delete;

  /* Start the thread (no-op when running). name is the thread's name. */
  void start(const char* name);
  /* Quit the loop and join the thread; pending invocations still run. */
  void stop();
  bool running() const;

  /* Run fn on the loop thread and wait for it (runs inline when called
   * from the loop thread itself, or when the loop is not running). Only
   * the application thread may wait on the loop, and only in
   * PAUSED->READY; webrtcbin's threads never do. */
  void invoke_sync(const std::function<void()>& fn);
  /* Queue fn on the loop thread (run inline when called from it) and
   * return at once; false, with fn destroyed unrun, when the loop is
   * stopped. */
  bool invoke_async(std::function<void()> fn);

  /* The loop's context, for sources (timers); only while running, and only
   * from the loop thread or the owner's. */
  GMainContext* context() const { return context_; }
  bool on_loop_thread() const;

 private:
  mutable std::mutex lock_;
  GMainContext* context_ = nullptr; /* protected by lock_ (written by start/stop) */
  GMainLoop* loop_ = nullptr;       /* protected by lock_ */
  std::thread thread_;              /* start() and stop() only */
};

/* A strong reference to a GObject (a GstObject), released by the
 * destructor: capture one in a closure that must keep an object alive, so
 * the reference goes whether the closure runs or is dropped. */
class GstRef {
 public:
  explicit GstRef(gpointer object) : object_(object ? g_object_ref(object) : nullptr) {}
  GstRef(const GstRef& o) : GstRef(o.object_) {}
  GstRef(GstRef&& o) noexcept : object_(o.object_) { o.object_ = nullptr; }
  GstRef& operator=(const GstRef&) = delete;
  GstRef& operator=(GstRef&&) = delete;
  ~GstRef() {
    if (object_)
      g_object_unref(object_);
  }
  gpointer get() const { return object_; }

 private:
  gpointer object_;
};

}  // namespace nvcf
