/* A thread running its own GMainContext, for the element's servers: they
 * must never depend on the application running the default context. */
#pragma once

#include <glib.h>

#include <functional>
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
  bool running() const { return loop_ != nullptr; }

  /* Run fn on the loop thread and wait for it (runs inline when called
   * from the loop thread itself). */
  void invoke_sync(const std::function<void()>& fn);
  /* Queue fn on the loop thread and return at once. */
  void invoke_async(std::function<void()> fn);

  GMainContext* context() const { return context_; }
  bool on_loop_thread() const;

 private:
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace nvcf
