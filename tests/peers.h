/* Real peers for the thread and secret tests: node scripts from tests/e2e
 * as GSubprocess children (output in files, killed on every path), a
 * watchdog that turns a hang into a failure, and polling. Header-only;
 * test_webrtc.cpp has its own, richer driver. */
#pragma once

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace peers {

inline void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

inline bool poll(const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    sleep_ms(20);
  }
  return true;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string which(const char* name) {
  gchar* p = g_find_program_in_path(name);
  std::string out = p ? p : "";
  g_free(p);
  return out;
}

inline std::string e2e(const std::string& name) {
  return std::string(NVCF_E2E_DIR) + "/" + name;
}

/* "" when node and these node_modules (and programs) are there, else what
 * is missing. */
inline std::string missing(const std::vector<std::string>& modules,
                           const std::vector<std::string>& programs = {}) {
  std::string gone;
  auto add = [&](const std::string& what) { gone += (gone.empty() ? "" : ", ") + what; };
  if (which("node").empty())
    add("node");
  for (auto& m : modules)
    if (!g_file_test(e2e("node_modules/" + m).c_str(), G_FILE_TEST_IS_DIR))
      add(e2e("node_modules/" + m) + " (npm install in tests/e2e)");
  for (auto& p : programs)
    if (which(p.c_str()).empty())
      add(p);
  return gone;
}

/* Skipped when missing, failed when the build asked for the peers. */
#define PEERS_REQUIRE(...)                                                     \
  do {                                                                         \
    std::string gone_ = peers::missing(__VA_ARGS__);                           \
    if (!gone_.empty() && g_strcmp0(g_getenv("NVCF_REQUIRE_PEERS"), "1") == 0) \
      FAIL() << "missing for this real-peer test: " << gone_;                  \
    if (!gone_.empty())                                                        \
      GTEST_SKIP() << "missing for this real-peer test: " << gone_;            \
  } while (0)

/* A child process; stdout and stderr go to files. */
class Peer {
 public:
  explicit Peer(std::vector<std::string> argv) {
    gchar* dir = g_dir_make_tmp("nvcf-peer-XXXXXX", nullptr);
    dir_ = dir ? dir : "/tmp";
    g_free(dir);
    GSubprocessLauncher* l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT);
    g_subprocess_launcher_set_stdout_file_path(l, (dir_ + "/out").c_str());
    g_subprocess_launcher_set_stderr_file_path(l, (dir_ + "/err").c_str());
    std::vector<const gchar*> cargv;
    for (auto& a : argv)
      cargv.push_back(a.c_str());
    cargv.push_back(nullptr);
    GError* error = nullptr;
    proc_ = g_subprocess_launcher_spawnv(l, cargv.data(), &error);
    g_object_unref(l);
    if (!proc_) {
      ADD_FAILURE() << "cannot start " << argv[0] << ": " << error->message;
      g_clear_error(&error);
    }
  }
  ~Peer() {
    stop();
    if (proc_)
      g_object_unref(proc_);
    for (const char* f : {"/out", "/err"})
      g_remove((dir_ + f).c_str());
    g_rmdir(dir_.c_str());
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool running() {
    if (!proc_)
      return false;
    /* Reaps the child when it has exited. */
    g_main_context_iteration(g_main_context_get_thread_default(), FALSE);
    return g_subprocess_get_identifier(proc_) != nullptr;
  }
  /* SIGTERM (the scripts then end their session), SIGKILL after 5 s. */
  void stop() {
    if (!proc_ || !running())
      return;
    g_subprocess_send_signal(proc_, SIGTERM);
    if (!poll([&] { return !running(); }, 5000))
      g_subprocess_force_exit(proc_);
    g_subprocess_wait(proc_, nullptr, nullptr);
  }
  /* Waits for the JSON line the scripts print last; "" on timeout. */
  std::string result(int timeout_ms) {
    std::string line;
    poll(
        [&] {
          std::istringstream in(out());
          for (std::string l; std::getline(in, l);)
            if (!l.empty() && l[0] == '{')
              line = l;
          return !line.empty() || !running();
        },
        timeout_ms);
    return line;
  }
  std::string out() const { return slurp(dir_ + "/out"); }
  std::string err() const { return slurp(dir_ + "/err"); }

 private:
  std::string dir_;
  GSubprocess* proc_ = nullptr;
};

/* Fails the whole test binary, loudly, when not disarmed within timeout_s:
 * a deadlocked test then fails instead of hanging until meson kills it. */
class Watchdog {
 public:
  Watchdog(const char* what, int timeout_s) : what_(what) {
    thread_ = std::thread([this, timeout_s] {
      std::unique_lock<std::mutex> l(m_);
      if (!cv_.wait_for(l, std::chrono::seconds(timeout_s), [&] { return disarmed_; })) {
        fprintf(stderr, "\nWATCHDOG: %s did not finish within %d s: deadlock. Failing.\n", what_,
                timeout_s);
        fflush(stderr);
        _exit(1);
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(m_);
      disarmed_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  const char* what_;
  std::mutex m_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace peers
