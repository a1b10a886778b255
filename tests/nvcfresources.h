/* What this process holds, counted from /proc/self: open fds, TCP and UDP
 * sockets (socket fds by inode in /proc/self/net), threads, and the
 * webrtcbins inside a sink; and a poll until none is left over a baseline
 * (things are freed on other threads, a little later). */
#pragma once

#include <dirent.h>
#include <gst/gst.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "nvcftest.h"

namespace nvcftest {

struct Resources {
  int fds = 0, tcp = 0, udp = 0, threads = 0, webrtcbins = 0;

  /* Whether nothing here exceeds baseline. */
  bool within(const Resources& baseline) const {
    return fds <= baseline.fds && tcp <= baseline.tcp && udp <= baseline.udp &&
           threads <= baseline.threads && webrtcbins <= baseline.webrtcbins;
  }
  bool operator==(const Resources& o) const {
    return fds == o.fds && tcp == o.tcp && udp == o.udp && threads == o.threads &&
           webrtcbins == o.webrtcbins;
  }
  std::string describe() const {
    return std::to_string(fds) + " fds, " + std::to_string(tcp) + " TCP and " +
           std::to_string(udp) + " UDP sockets, " + std::to_string(threads) + " threads, " +
           std::to_string(webrtcbins) + " webrtcbins";
  }
};

/* The names in a /proc directory, "." and ".." left out. */
inline std::set<std::string> proc_entries(const char* dir) {
  std::set<std::string> out;
  if (DIR* d = opendir(dir)) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.')
        out.insert(e->d_name);
    closedir(d);
  }
  return out;
}

/* Socket inodes listed in /proc/self/net tables (the 10th column). */
inline std::set<unsigned long> net_inodes(std::initializer_list<const char*> tables) {
  std::set<unsigned long> out;
  for (const char* table : tables) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string skip;
      for (int i = 0; i < 9; i++)
        f >> skip;
      unsigned long inode = 0;
      if (f >> inode)
        out.insert(inode);
    }
  }
  return out;
}

/* This process now; webrtcbins counted inside sink (nullptr: none). */
inline Resources count_resources(GstElement* sink) {
  Resources r;
  std::set<unsigned long> tcp = net_inodes({"/proc/self/net/tcp", "/proc/self/net/tcp6"});
  std::set<unsigned long> udp = net_inodes({"/proc/self/net/udp", "/proc/self/net/udp6"});
  for (const std::string& fd : proc_entries("/proc/self/fd")) {
    r.fds++;
    char target[128];
    ssize_t n = readlink(("/proc/self/fd/" + fd).c_str(), target, sizeof target - 1);
    unsigned long inode = 0;
    if (n <= 0)
      continue;
    target[n] = 0;
    if (sscanf(target, "socket:[%lu]", &inode) == 1) {
      r.tcp += tcp.count(inode);
      r.udp += udp.count(inode);
    }
  }
  r.fds--;  // the directory listing's own fd
  r.threads = int(proc_entries("/proc/self/task").size());
  r.webrtcbins = sink ? count_by_type(sink, "GstWebRTCBin") : 0;
  return r;
}

/* Polls until nothing exceeds baseline (true), or timeout_ms passes; *now
 * gets the last count. */
inline bool settle_within(GstElement* sink, const Resources& baseline, unsigned timeout_ms,
                          Resources* now) {
  return wait_until(
      [&] {
        *now = count_resources(sink);
        return now->within(baseline);
      },
      timeout_ms, 100);
}

/* A count that held still for a moment: the same twice, 300 ms apart. */
inline Resources steady_resources(GstElement* sink, unsigned timeout_ms = 10000) {
  Resources last = count_resources(sink), now;
  wait_until(
      [&] {
        pause(300);
        now = count_resources(sink);
        bool same = now == last;
        last = now;
        return same;
      },
      timeout_ms, 10);
  return last;
}

}  // namespace nvcftest
