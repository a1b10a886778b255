#!/usr/bin/python3
"""The viewer's link for the netem suite, with a user-space netem on it.

This machine's kernel has tbf and htb but no sch_netem and no tc
classifiers or actions, so loss and delay are made here: two TUN devices,
HOST_IF in the root namespace (HOST_ADDR, point to point) and VIEWER_IF
moved into the namespace NS (VIEWER_ADDR), and this process forwarding IP
packets between them. From HOST_IF to VIEWER_IF only (the media
direction, streamer to viewer) it drops a random fraction and delays the
rest by DELAY +- JITTER ms, keeping their order. A qdisc on HOST_IF (tbf
for a bandwidth cap) shapes before this process sees a packet. TUN devices
get whole, checksummed packets from the kernel (no offloads), so nothing
here touches headers.

  netem-bridge.py NS HOST_IF HOST_ADDR VIEWER_IF VIEWER_ADDR
                  [--loss 0.02] [--delay-ms 50] [--jitter-ms 10] [--seed N]

Prints "ready" once both ends are up, and its counts on SIGTERM. The
devices go with this process."""

import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def drain(fd):
    """Every packet waiting on a non-blocking TUN fd."""
    while True:
        try:
            yield os.read(fd, 65536)
        except BlockingIOError:
            return


def ip(*args):
    subprocess.run(["ip", *args], check=True)


def main():
    p = argparse.ArgumentParser()
    for name in ("ns", "host_if", "host_addr", "viewer_if", "viewer_addr"):
        p.add_argument(name)
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rnd = random.Random(a.seed)

    host, viewer = tun(a.host_if), tun(a.viewer_if)
    ip("link", "set", a.viewer_if, "netns", a.ns)
    ip("addr", "add", a.host_addr, "peer", a.viewer_addr, "dev", a.host_if)
    ip("link", "set", a.host_if, "up")
    ip("-n", a.ns, "addr", "add", a.viewer_addr, "peer", a.host_addr, "dev", a.viewer_if)
    ip("-n", a.ns, "link", "set", a.viewer_if, "up")
    ip("-n", a.ns, "link", "set", "lo", "up")
    # Every other address through this link too: a viewer here reaches the
    # root namespace's addresses of other viewers' links (one signalling
    # address serves them all), and only through its own impairments.
    ip("-n", a.ns, "route", "add", "default", "dev", a.viewer_if)

    counts = {"forwarded": 0, "dropped": 0, "returned": 0}
    queue = []  # (release time, sequence, packet), media direction
    seq = 0
    last_release = 0.0

    def stop(*_):
        print(f"netem-bridge: {counts}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)

    def write(fd, packet):
        try:
            os.write(fd, packet)
        except OSError:
            pass  # a full queue loses the packet, as a link would

    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            write(viewer, heapq.heappop(queue)[2])
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        ready, _, _ = select.select([host, viewer], [], [], timeout)
        if viewer in ready:
            for packet in drain(viewer):
                counts["returned"] += 1
                write(host, packet)
        if host in ready:
            for packet in drain(host):
                if rnd.random() < a.loss:
                    counts["dropped"] += 1
                    continue
                counts["forwarded"] += 1
                delay = max(0.0, a.delay_ms + rnd.uniform(-a.jitter_ms, a.jitter_ms))
                # In order: a packet never overtakes the one before it.
                release = max(time.monotonic() + delay / 1000.0, last_release)
                last_release = release
                seq += 1
                heapq.heappush(queue, (release, seq, packet))


if __name__ == "__main__":
    main()
