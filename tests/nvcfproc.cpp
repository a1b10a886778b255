#include "nvcfproc.h"
#include "nvcfsecrets.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "nvcftest.h"

namespace nvcftest {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  return g_file_test(path.c_str(), G_FILE_TEST_EXISTS);
}

std::string tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

std::string program(const char* name) {
  gchar* p = g_find_program_in_path(name);
  std::string out = p ? p : "";
  g_free(p);
  return out;
}

TempDir::TempDir() {
  gchar* p = g_dir_make_tmp("nvcf-test-XXXXXX", nullptr);
  path = p ? p : "";
  g_free(p);
}

TempDir::~TempDir() {
  if (path.empty())
    return;
  nftw(
      path.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); },
      16, FTW_DEPTH | FTW_PHYS);
}

static void child_setup(gpointer) {
  /* Own process group (to signal the whole tree), and die with the test. */
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

bool Child::start(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env) {
  out_path_ = dir_.file("stdout");
  err_path_ = dir_.file("stderr");
  int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<gchar*> cargv;
  for (auto& a : argv)
    cargv.push_back(const_cast<gchar*>(a.c_str()));
  cargv.push_back(nullptr);
  gchar** envp = g_get_environ();
  for (auto& [k, v] : env)
    envp = v.empty() ? g_environ_unsetenv(envp, k.c_str())
                     : g_environ_setenv(envp, k.c_str(), v.c_str(), TRUE);
  GError* error = nullptr;
  GPid pid = 0;
  gboolean ok = g_spawn_async_with_pipes_and_fds(
      nullptr, cargv.data(), envp,
      (GSpawnFlags)(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL), child_setup, nullptr,
      -1, out, err, nullptr, nullptr, 0, &pid, nullptr, nullptr, nullptr, &error);
  g_strfreev(envp);
  close(out);
  close(err);
  if (!ok) {
    ADD_FAILURE() << name_ << ": cannot start " << argv[0] << ": " << error->message;
    g_clear_error(&error);
    return false;
  }
  pid_ = pid;
  exited_ = false;
  std::string line;
  for (auto& a : argv)
    line += (line.empty() ? "" : " ") + a;
  /* The command line goes to the test's output (meson's log): every known
   * secret (nvcfsecrets.h) and the caller's own are masked. */
  std::vector<std::string> hide(secret_args_.begin(), secret_args_.end());
  for (auto& f : secrets::forms())
    hide.push_back(f.text);
  for (auto& h : hide)
    for (size_t at; !h.empty() && (at = line.find(h)) != std::string::npos;)
      line.replace(at, h.size(), "***");
  g_print("[%s] started %d: %s\n", name_.c_str(), pid_, line.c_str());
  return true;
}

bool Child::running() {
  if (pid_ <= 0 || exited_)
    return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    status_ = status;
    return false;
  }
  return r == 0;
}

bool Child::wait_exit(int timeout_ms) {
  return wait_until([&] { return !running(); }, timeout_ms, 20);
}

int Child::wait_exit_code(int timeout_ms) {
  if (!wait_exit(timeout_ms) || !exited_)
    return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void Child::signal(int sig) {
  if (running())
    kill(pid_, sig);
}

void Child::stop(int sig, int grace_ms) {
  if (pid_ <= 0)
    return;
  if (running()) {
    kill(pid_, sig);
    if (!wait_exit(grace_ms)) {
      g_print("[%s] did not stop after %d ms: killing\n", name_.c_str(), grace_ms);
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      wait_exit(5000);
    }
  }
  /* Whatever it left in its group. */
  kill(-pid_, SIGKILL);
  pid_ = -1;
}

std::string Child::first_line(const std::function<bool(const std::string&)>& want, int timeout_ms,
                              int step_ms, const std::string& what) {
  std::string found;
  bool alive = true, have = false;
  wait_until(
      [&] {
        alive = running();  // before reading: what it wrote before exiting counts
        std::istringstream lines(out());
        std::string l;
        while (!have && std::getline(lines, l))
          if (want(l)) {
            found = l;
            have = true;
          }
        return have || !alive;
      },
      timeout_ms, step_ms);
  if (!have)
    g_print("[%s] no %s (%s); stderr:\n%s\n", name_.c_str(), what.c_str(),
            alive ? "timed out" : "exited", tail(err(), 6000).c_str());
  return found;
}

std::string Child::line(const std::string& prefix, int timeout_ms) {
  return first_line([&](const std::string& l) { return l.rfind(prefix, 0) == 0; }, timeout_ms, 20,
                    "line \"" + prefix + "...\"");
}

Json Child::json(int timeout_ms) {
  std::string l = first_line(
      [](const std::string& l) { return !l.empty() && l[0] == '{' && Json::parse(l).is_object(); },
      timeout_ms, 50, "JSON line");
  return l.empty() ? Json() : Json::parse(l);
}

std::string Child::describe() const {
  return name_ + " stdout: " + tail(out(), 3000) + "\n" + name_ + " stderr: " + tail(err(), 6000);
}

Finished run(const std::vector<std::string>& argv, int timeout_ms,
             const std::map<std::string, std::string>& env) {
  Finished f;
  Child c(argv.empty() ? "run" : argv[0]);
  if (!c.start(argv, env))
    return f;
  f.code = c.wait_exit_code(timeout_ms);
  if (f.code < 0) {
    c.stop(SIGKILL, 1000);
    f.code = 128 + SIGKILL;
  }
  f.out = c.out();
  f.err = c.err();
  return f;
}

}  // namespace nvcftest
