#include "gstnvcfserviceloop.h"

#include <condition_variable>
#include <mutex>

namespace nvcf {

void ServiceLoop::start(const char* name) {
  if (loop_)
    return;
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  std::mutex m;
  std::condition_variable cv;
  bool started = false;
  /* Signal from inside the loop so stop() never quits a loop that has not
   * run yet. */
  invoke_async([&] {
    std::lock_guard<std::mutex> lock(m);
    started = true;
    cv.notify_one();
  });
  thread_ = std::thread([this, name] {
    pthread_setname_np(pthread_self(), name);
    g_main_context_push_thread_default(context_);
    g_main_loop_run(loop_);
    /* Let queued work (server teardown) finish. */
    while (g_main_context_iteration(context_, FALSE)) {
    }
    g_main_context_pop_thread_default(context_);
  });
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return started; });
}

void ServiceLoop::stop() {
  if (!loop_)
    return;
  g_main_loop_quit(loop_);
  if (thread_.joinable())
    thread_.join();
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
  loop_ = nullptr;
  context_ = nullptr;
}

bool ServiceLoop::on_loop_thread() const {
  return context_ && g_main_context_is_owner(context_);
}

void ServiceLoop::invoke_sync(const std::function<void()>& fn) {
  if (!loop_ || on_loop_thread()) {
    fn();
    return;
  }
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  invoke_async([&] {
    fn();
    std::lock_guard<std::mutex> lock(m);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
}

void ServiceLoop::invoke_async(std::function<void()> fn) {
  if (!context_)
    return;
  auto* data = new std::function<void()>(std::move(fn));
  g_main_context_invoke_full(
      context_, G_PRIORITY_DEFAULT,
      [](gpointer d) -> gboolean {
        (*static_cast<std::function<void()>*>(d))();
        return G_SOURCE_REMOVE;
      },
      data, [](gpointer d) { delete static_cast<std::function<void()>*>(d); });
}

}  // namespace nvcf
