#include "gstnvcfserviceloop.h"

#include <condition_variable>
#include <mutex>

namespace nvcf {

void ServiceLoop::start(const char* name) {
  if (running())
    return;
  {
    std::lock_guard<std::mutex> guard(lock_);
    context_ = g_main_context_new();
    loop_ = g_main_loop_new(context_, FALSE);
  }
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
  if (!running())
    return;
  g_main_loop_quit(loop_);
  if (thread_.joinable())
    thread_.join();
  GMainContext* context;
  GMainLoop* loop;
  {
    /* From here on invoke_async() drops its closure at once. */
    std::lock_guard<std::mutex> guard(lock_);
    context = context_;
    loop = loop_;
    context_ = nullptr;
    loop_ = nullptr;
  }
  g_main_loop_unref(loop);
  /* Closures queued after the thread's last iteration are destroyed here,
   * unrun: their holders release what they captured. */
  g_main_context_unref(context);
}

bool ServiceLoop::running() const {
  std::lock_guard<std::mutex> guard(lock_);
  return loop_ != nullptr;
}

bool ServiceLoop::on_loop_thread() const {
  std::lock_guard<std::mutex> guard(lock_);
  return context_ && g_main_context_is_owner(context_);
}

void ServiceLoop::invoke_sync(const std::function<void()>& fn) {
  if (!running() || on_loop_thread()) {
    fn();
    return;
  }
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  bool queued = invoke_async([&] {
    fn();
    std::lock_guard<std::mutex> lock(m);
    done = true;
    cv.notify_one();
  });
  /* Stopped meanwhile: only the owner stops it, and that is us. */
  if (!queued) {
    fn();
    return;
  }
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
}

bool ServiceLoop::invoke_async(std::function<void()> fn) {
  GMainContext* context = nullptr;
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (context_)
      context = g_main_context_ref(context_);
  }
  if (!context)
    return false; /* fn is destroyed unrun on return */
  auto* data = new std::function<void()>(std::move(fn));
  /* Inline when called from the loop thread, as before. */
  g_main_context_invoke_full(
      context, G_PRIORITY_DEFAULT,
      [](gpointer d) -> gboolean {
        (*static_cast<std::function<void()>*>(d))();
        return G_SOURCE_REMOVE;
      },
      data, [](gpointer d) { delete static_cast<std::function<void()>*>(d); });
  g_main_context_unref(context);
  return true;
}

}  // namespace nvcf
