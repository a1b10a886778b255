/* A viewer's network for the netem suite: a network namespace
 * nvcf-viewer-<pid>-<n> reached from the root namespace over a point-to-
 * point link with private addresses (10.201.0.0/16), on which the media
 * direction (streamer -> viewer) can lose and delay packets (Impairment)
 * and be capped (shape(), a tc qdisc such as tbf on the root end).
 *
 * The link is a pair of TUN devices joined by tests/netem-bridge.py, which
 * applies the loss and delay: this machine's kernel (and CI's) has tbf and
 * htb but no sch_netem and no tc classifiers or actions, so `tc qdisc ...
 * netem` is refused. Everything made here is removed in the destructor, on
 * every path, failed setups included. Needs root: root_missing() says why
 * a test must skip. */
#pragma once

#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <string>
#include <vector>

#include "nvcfproc.h"

namespace nvcftest {

/* "" when this process may make namespaces and qdiscs, else why not. */
inline std::string root_missing() {
  if (geteuid() != 0)
    return "not root: network namespaces and tc qdiscs need root";
  if (program("ip").empty() && !exists("/usr/sbin/ip"))
    return "no ip (iproute2)";
  if (program("tc").empty() && !exists("/usr/sbin/tc"))
    return "no tc (iproute2)";
  if (!exists("/dev/net/tun"))
    return "no /dev/net/tun";
  return "";
}

/* What the media direction suffers, as netem would put it. */
struct Impairment {
  double loss = 0;        /* fraction of packets dropped */
  unsigned delay_ms = 0;  /* one-way delay added */
  unsigned jitter_ms = 0; /* +- around it, uniform, order kept */
};

class ViewerNetwork {
 public:
  explicit ViewerNetwork(Impairment imp = {}) : bridge_("netem-bridge") {
    static std::atomic<unsigned> counter{0};
    unsigned n = counter++;
    std::string tag = std::to_string(getpid()) + "-" + std::to_string(n);
    ns_ = "nvcf-viewer-" + tag;
    /* Interface names are at most 15 characters. */
    std::string short_tag = std::to_string(getpid() % 100000) + std::to_string(n % 10);
    host_if_ = "nvh" + short_tag;
    viewer_if_ = "nvv" + short_tag;
    /* One /30 per (pid, n), so parallel runs never share addresses. */
    unsigned base = ((unsigned)getpid() * 8 + n) % 16384 * 4;
    std::string prefix = "10.201." + std::to_string(base / 256) + ".";
    host_ = prefix + std::to_string(base % 256 + 1);
    viewer_ = prefix + std::to_string(base % 256 + 2);

    ok_ = ip({"netns", "add", ns_});
    made_ns_ = ok_;
    if (!ok_)
      return;
    ok_ = bridge_.start({"/usr/bin/python3",
                         std::string(NVCF_SOURCE_ROOT) + "/tests/netem-bridge.py", ns_, host_if_,
                         host_, viewer_if_, viewer_, "--loss", std::to_string(imp.loss),
                         "--delay-ms", std::to_string(imp.delay_ms), "--jitter-ms",
                         std::to_string(imp.jitter_ms), "--seed", std::to_string(getpid())});
    if (ok_ && bridge_.line("ready", 10000).empty()) {
      ok_ = false;
      error_ = "netem-bridge.py did not come up: " + bridge_.describe();
    }
  }
  ~ViewerNetwork() {
    /* The TUN devices go with the bridge process, wherever they are. */
    bridge_.stop(SIGTERM, 3000);
    if (made_ns_)
      run({tool("ip"), "netns", "del", ns_}, 10000);
  }
  ViewerNetwork(const ViewerNetwork&) = delete;
  ViewerNetwork& operator=(const ViewerNetwork&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& ns() const { return ns_; }
  const std::string& host_address() const { return host_; }
  const std::string& viewer_address() const { return viewer_; }
  const std::string& host_interface() const { return host_if_; }

  /* The root qdisc of the media direction, e.g. "tbf rate 1mbit burst
   * 16kb latency 100ms": replaced, so shapes follow each other
   * mid-session. */
  bool shape(const std::string& qdisc) {
    std::vector<std::string> argv = {tool("tc"), "qdisc", "replace", "dev", host_if_, "root"};
    gchar** words = g_strsplit(qdisc.c_str(), " ", -1);
    for (gchar** w = words; *w; w++)
      if (**w)
        argv.push_back(*w);
    g_strfreev(words);
    return exec(argv);
  }
  /* Back to the plain link. */
  bool unshape() { return exec({tool("tc"), "qdisc", "del", "dev", host_if_, "root"}); }

  /* argv run inside the viewer's namespace. */
  std::vector<std::string> inside(const std::vector<std::string>& argv) const {
    std::vector<std::string> out = {tool("ip"), "netns", "exec", ns_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

 private:
  static std::string tool(const char* name) {
    std::string p = program(name);
    return p.empty() ? std::string("/usr/sbin/") + name : p;
  }
  bool ip(std::vector<std::string> args) {
    args.insert(args.begin(), tool("ip"));
    return exec(args);
  }
  bool exec(const std::vector<std::string>& argv) {
    Finished f = run(argv, 10000);
    if (f.code == 0)
      return true;
    std::string line;
    for (const auto& a : argv)
      line += (line.empty() ? "" : " ") + a;
    error_ = line + ": exit " + std::to_string(f.code) + ": " + f.err;
    return false;
  }

  std::string ns_, host_if_, viewer_if_, host_, viewer_, error_;
  bool ok_ = false, made_ns_ = false;
  Child bridge_;
};

}  // namespace nvcftest
