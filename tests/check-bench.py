#!/usr/bin/python3
"""scripts/bench --quick on this build: it runs, both senders stream to
headless Chromium, the stamps are read, and every figure is sane (latency
positive and under a second, display not before receipt, the session's
phases in order). Figures are not judged: the bench is not a timed test.
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

failures = []
out = tempfile.mkdtemp(prefix="check-bench.")
try:
    run = subprocess.run([os.path.join(source, "scripts", "bench"), "--quick", "--build", build,
                          "--out", out], cwd=source, capture_output=True, text=True, timeout=300)
    print(run.stdout[-3000:])
    if run.returncode != 0:
        failures.append(f"scripts/bench --quick exited {run.returncode}: {run.stderr[-2000:]}")
    path = os.path.join(out, "latency-640x360.json")
    report = json.load(open(path)) if os.path.exists(path) else {}
    for mode in ("ours", "baseline", "ours-playout-delay"):
        r = report.get(mode)
        if not r:
            failures.append(f"no figures for {mode}")
            continue
        # 90 frames read per session, 30 of them warm-up; a few dropped as
        # mispaired (page.mjs).
        if r["failed"] or r["frames"] < 45:
            failures.append(f"{mode}: {r['failed']} failed sessions, {r['frames']} frames: "
                            f"{r['errors']}")
            continue
        if r["unreadable"] > r["frames"] // 10:
            failures.append(f"{mode}: {r['unreadable']} frames without a readable stamp")
        if r["mispaired"] > r["frames"] // 4:
            failures.append(f"{mode}: {r['mispaired']} frames drawn with another's metadata")
        rec, disp = r["received"], r["display"]
        if not (0 < rec["min"] <= rec["p50"] <= rec["p95"] <= rec["p99"] < 1000):
            failures.append(f"{mode}: received figures not sane: {rec}")
        if not (disp["p50"] >= rec["p50"] and disp["p99"] < 1000):
            failures.append(f"{mode}: display figures not sane: {disp} (received {rec})")
        ph = r["phases"]
        # Chromium may dispatch the connection-state events after the first
        # frame's callback: only the socket, the offer and the first frame
        # are ordered.
        order = ["wsOpen", "offer", "firstFrame"]
        values = [ph.get(k) for k in order]
        if (None in values or values != sorted(values) or values[0] <= 0
                or ph.get("dtlsConnected") is None):
            failures.append(f"{mode}: phases out of order: {ph}")
finally:
    shutil.rmtree(out, ignore_errors=True)
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
