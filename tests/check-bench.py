#!/usr/bin/python3
"""scripts/bench --quick on this build: it runs, both senders stream to
headless Chromium, the stamps are read, and every figure is sane (latency
positive and under a second, display not before receipt, the session's
phases in order), Chromium answers the playout-delay extension where it
is offered; the viewers, churn and start parts serve every viewer
and read their figures. Figures are not judged: the bench is not a timed
test.
Usage: check-bench.py <build root> <source root>"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build, source = sys.argv[1:3]
if not shutil.which("node") or not os.path.exists("/usr/bin/chromium") or not os.path.isdir(
        os.path.join(source, "tests", "e2e", "node_modules", "playwright-core")):
    print("check-bench: needs node, Chromium and tests/e2e/node_modules")
    sys.exit(1 if os.environ.get("NVCF_REQUIRE_PEERS") == "1" else 77)

PLAYOUT_DELAY = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
failures = []
out = tempfile.mkdtemp(prefix="check-bench.")
try:
    run = subprocess.run([os.path.join(source, "scripts", "bench"), "--quick", "--build", build,
                          "--out", out], cwd=source, capture_output=True, text=True, timeout=400)
    print(run.stdout[-3000:])
    if run.returncode != 0:
        failures.append(f"scripts/bench --quick exited {run.returncode}: {run.stderr[-2000:]}")

    def load(name):
        path = os.path.join(out, name)
        if not os.path.exists(path):
            failures.append(f"no {name}")
            return {}
        return json.load(open(path))

    # Latency, video only and with audio: every column's figures sane.
    for name, modes in (("latency-640x360.json", ("ours", "baseline", "ours-no-playout-delay",
                                                   "ours-playout-delay-0")),
                        ("latency-av.json", ("ours", "baseline", "ours-lip-sync"))):
        report = load(name)
        for mode in modes:
            r = report.get(mode)
            if not r:
                failures.append(f"{name}: no figures for {mode}")
                continue
            # 90 frames read per session, 30 of them warm-up, 60 measured.
            # Some are dropped as mispaired (page.mjs: stamp and RTP time
            # more than 8 ms apart), more on a loaded machine: CI's once
            # left the baseline 41 of its 60.
            read = (r["sessions"] - r["failed"]) * 90
            if r["failed"] or r["frames"] < 30:
                failures.append(f"{name}: {mode}: {r['failed']} failed sessions, "
                                f"{r['frames']} frames: {r['errors']}")
                continue
            if r["unreadable"] > r["frames"] // 10:
                failures.append(f"{name}: {mode}: {r['unreadable']} frames without a stamp")
            if r["mispaired"] > read // 3:
                failures.append(f"{name}: {mode}: {r['mispaired']} frames drawn with another's "
                                "metadata")
            rec, disp = r["received"], r["display"]
            if not (0 < rec["min"] <= rec["p50"] <= rec["p95"] <= rec["p99"] < 1000):
                failures.append(f"{name}: {mode}: received figures not sane: {rec}")
            # With the playout-delay extension Chromium's
            # expectedDisplayTime can precede the frame's receipt (CI saw
            # display p50 2.9 ms against received 4.7 with min = max = 0):
            # allowed by at most one 60 Hz compositor frame.
            with_delay = mode not in ("baseline", "ours-no-playout-delay")
            slack = 1000 / 60 if with_delay else 0
            if not (0 < disp["p50"] and disp["p50"] >= rec["p50"] - slack and disp["p99"] < 1000):
                failures.append(f"{name}: {mode}: display figures not sane: {disp} "
                                f"(received {rec})")
            # Chromium answers the playout-delay extension it is offered.
            answered = PLAYOUT_DELAY in r.get("extensions", [])
            if answered != with_delay:
                failures.append(f"{name}: {mode}: playout-delay answered {answered}, "
                                f"expected {with_delay}: {r.get('extensions')}")
            ph = r["phases"]
            # Chromium may dispatch the connection-state events after the
            # first frame's callback: only the socket, the offer and the
            # first frame are ordered.
            order = ["wsOpen", "offer", "firstFrame"]
            values = [ph.get(k) for k in order]
            if (None in values or values != sorted(values) or values[0] <= 0
                    or ph.get("dtlsConnected") is None):
                failures.append(f"{name}: {mode}: phases out of order: {ph}")


    # Cost per viewer: each count measured for both senders in each of the
    # 2 rounds, viewers served, and a count's CPU the median of its rounds.
    report = load("viewers.json")
    viewers = report.get("results", [])
    rounds = report.get("rounds", [])
    if len(rounds) != 2 or any(len(r) != 6 for r in rounds):
        failures.append(f"viewers: not 2 rounds of 6 measures: {rounds}")
    for r in viewers:
        cpus = sorted(c for c in r.get("cpuPercentRounds", []) if c is not None)
        if len(cpus) != 2 or r["cpuPercent"] is None or abs(r["cpuPercent"] - sum(cpus) / 2) > 1e-6:
            failures.append(f"viewers: CPU is not the median of its rounds: {r}")
    for mode in ("ours", "baseline"):
        got = sorted(r["viewers"] for r in viewers if r["mode"] == mode)
        if got != [0, 1, 2]:
            failures.append(f"viewers: {mode} measured for {got}, not 0, 1, 2")
    for r in viewers:
        if r["failed"] or r["cpuPercent"] is None or not 0 < r["rssMiB"] < 4096:
            failures.append(f"viewers: figures not sane: {r}")
        elif r["viewers"] and not 0 <= r["missedPercent"] < 50:
            failures.append(f"viewers: {r['mode']} {r['viewers']} viewers missed "
                            f"{r['missedPercent']}% of frames")
        elif r["mode"] == "ours" and r["cpuPercent"] <= 0:
            failures.append(f"viewers: the streamer encodes, yet used no CPU: {r}")
        elif r["mode"] == "ours" and (r["sharedCpuPercent"] is None or r["sharedCpuPercent"] <= 0
                                      or r["sessionCpuPercent"] is None
                                      or (r["viewers"] == 0) != (r["sessionCpuPercent"] == 0)):
            # Session threads run exactly when there are viewers.
            failures.append(f"viewers: the streamer's CPU split is not sane: {r}")
    # Churn: every session served, resources read before and after.
    churn = load("churn.json")
    for mode in ("ours", "baseline"):
        r = churn.get(mode, {})
        if r.get("failed") != 0 or r.get("after", {}).get("fds", 0) <= 0:
            failures.append(f"churn: {mode}: {r}")
    # Start: the streamer became ready, after it listened.
    start = load("start.json")
    o = start.get("ours", {})
    if o.get("ready") is None or o.get("listening") is None or o["ready"] < o["listening"]:
        failures.append(f"start: figures not sane: {o}")
finally:
    shutil.rmtree(out, ignore_errors=True)
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
