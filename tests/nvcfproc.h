/* The one child-process runner of the tests: a child with stdout and stderr
 * in files (a pipe nobody drains would stall a chatty child), in its own
 * process group, killed with the test on every path; plus the file and
 * program look-ups it needs, what a real-peer test requires, and a watchdog
 * that fails a deadlocked test instead of letting it hang. */
#pragma once

#include <signal.h>
#include <glib.h>
#include <unistd.h>
#include <cstdio>
#include <thread>
#include <mutex>
#include <condition_variable>
#include <chrono>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "nvcfjson.h"

namespace nvcftest {

/* Built with ASan (scripts/sanitize, b_sanitize): the code runs several
 * times slower, so a test that judges wall-clock rates or delays says
 * nothing there and skips. */
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#define SKIP_IF_SANITIZED(what) \
  if (::nvcftest::kSanitized)   \
  GTEST_SKIP() << what << ": wall-clock timing, meaningless under the sanitizers"

/* The whole file ("" if unreadable). */
std::string read_file(const std::string& path);
/* Whether path exists. */
bool exists(const std::string& path);
/* needle in hay. */
inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}
/* The last n characters of s, "..."-prefixed when cut. */
std::string tail(const std::string& s, size_t n);
/* A program on PATH, "" if there is none. */
std::string program(const char* name);

/* A private temporary directory, removed with everything in it. */
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

class Child {
 public:
  explicit Child(std::string name) : name_(std::move(name)) {}
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /* Starts argv (argv[0] a path) with this environment plus env (an empty
   * value unsets); false and a test failure when it cannot start. */
  bool start(const std::vector<std::string>& argv,
             const std::map<std::string, std::string>& env = {});
  /* Secrets the "started" line must show as *** wherever they occur in
   * the arguments, besides those of nvcfsecrets.h (always masked). */
  void set_secret_args(std::set<std::string> args) { secret_args_ = std::move(args); }
  bool running();
  /* Waits up to timeout_ms for the exit; false if it still runs. */
  bool wait_exit(int timeout_ms);
  /* Exit code once exited: the status, or 128 + the signal; -1 while it
   * runs or after timeout_ms. */
  int wait_exit_code(int timeout_ms);
  int exit_status() const { return status_; }  // raw waitpid status
  void signal(int sig);
  /* Polite signal first, the whole process group killed after grace_ms. */
  void stop(int sig = SIGTERM, int grace_ms = 10000);

  /* The first stdout line starting with prefix, waiting up to timeout_ms
   * (or until the child exits without one); "" if none. */
  std::string line(const std::string& prefix, int timeout_ms);
  /* The first JSON object line on stdout, the same way; !exists() if none. */
  Json json(int timeout_ms);

  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }
  /* Both outputs, cut, for failure messages. */
  std::string describe() const;
  const std::string& name() const { return name_; }

 private:
  std::string first_line(const std::function<bool(const std::string&)>& want, int timeout_ms,
                         int step_ms, const std::string& what);
  std::string name_;
  TempDir dir_;
  std::string out_path_, err_path_;
  std::set<std::string> secret_args_;
  int pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

/* A child run to its end: its exit code (128 + signal when it was killed
 * after timeout_ms), stdout and stderr. */
struct Finished {
  int code = -1;
  std::string out, err;
};
Finished run(const std::vector<std::string>& argv, int timeout_ms,
             const std::map<std::string, std::string>& env = {});

/* A file of tests/e2e (the Node peers and their node_modules). */
inline std::string e2e_path(const std::string& name) {
  return std::string(NVCF_E2E_DIR) + "/" + name;
}

/* "" when node, these tests/e2e node_modules and these programs are
 * there, else what is missing. */
inline std::string missing_peers(const std::vector<std::string>& modules,
                                 const std::vector<std::string>& programs = {}) {
  std::string gone;
  auto add = [&](const std::string& what) { gone += (gone.empty() ? "" : ", ") + what; };
  if (program("node").empty())
    add("node");
  for (auto& m : modules)
    if (!exists(e2e_path("node_modules/" + m)))
      add(e2e_path("node_modules/" + m) + " (npm install in tests/e2e)");
  for (auto& p : programs)
    if (program(p.c_str()).empty())
      add(p);
  return gone;
}

/* Skipped when missing, failed when the build asked for the peers
 * (NVCF_REQUIRE_PEERS=1, as scripts/test does). */
#define PEERS_REQUIRE(...)                                                     \
  do {                                                                         \
    std::string gone_ = nvcftest::missing_peers(__VA_ARGS__);                  \
    if (!gone_.empty() && g_strcmp0(g_getenv("NVCF_REQUIRE_PEERS"), "1") == 0) \
      FAIL() << "missing for this real-peer test: " << gone_;                  \
    if (!gone_.empty())                                                        \
      GTEST_SKIP() << "missing for this real-peer test: " << gone_;            \
  } while (0)

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

}  // namespace nvcftest
