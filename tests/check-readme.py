#!/usr/bin/python3
"""The README tells the truth: every property its tables name is shown by
gst-inspect-1.0 through `meson devenv`, and every curl example followed by
a '# NNN' comment answers NNN from a launcher started through the devenv
(its control port rewritten from 8111 to the one picked here)."""
import os
import re
import subprocess
import sys
import time

build, source = sys.argv[1], sys.argv[2]
readme = open(os.path.join(source, "README.md")).read()
failures = []


def devenv(*cmd):
    return ["meson", "devenv", "-C", build, *cmd]


# 1. Properties: gst-inspect-1.0 through the devenv lists each one.
inspect = subprocess.run(devenv("gst-inspect-1.0", "nvcfwebrtcsink"),
                         capture_output=True, text=True, timeout=60)
if inspect.returncode != 0:
    sys.exit("gst-inspect-1.0 nvcfwebrtcsink failed through the devenv:\n" + inspect.stderr)
section = readme.split("## The element `nvcfwebrtcsink`", 1)[1].split("\n## ", 1)[0]
props = set()
for row in re.findall(r"^\| `([a-z-]+)`(?:, `([a-z-]+)`)? \|", section, re.M):
    props.update(p for p in row if p)
if len(props) < 10:
    failures.append(f"only {len(props)} properties found in the README tables")
for p in sorted(props):
    if not re.search(rf"^  {re.escape(p)}\s*:", inspect.stdout, re.M):
        failures.append(f"README property {p} is not shown by gst-inspect-1.0")

# 2. The curl examples, against the launcher with its default pipeline.
# The devenv's environment, so the launcher itself gets SIGTERM (meson
# devenv would take it and die instead).
dump = subprocess.run(devenv("env", "-0"), capture_output=True, text=True, timeout=60).stdout
env = dict(kv.split("=", 1) for kv in dump.split("\0") if "=" in kv)
env.update(CONTROL_SERVER_PORT="0", STREAMING_SERVER_PORT="0",
           NVCF_ICE_ADDRESSES="127.0.0.1", NVCF_SESSION_POLICY="reuse")
launcher = subprocess.Popen(["nvcf-streamer"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
port = None
try:
    deadline = time.time() + 30
    for line in launcher.stdout:
        m = re.search(r"control-port=(\d+)", line)
        if m:
            port = m.group(1)
        if "readiness ready" in line or time.time() > deadline:
            break
    if not port:
        sys.exit("the launcher printed no control port")
    block = readme.split("## The control endpoints", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    examples = re.findall(r"^(curl (?:.*\\\n)*.*)\n# (\d{3})\b", block, re.M)
    if len(examples) < 4:
        failures.append(f"only {len(examples)} curl examples with a status found")
    for cmd, want in examples:
        cmd = cmd.replace("localhost:8111", f"127.0.0.1:{port}")
        cmd = cmd.replace("curl -i", "curl -s -o /dev/null -w '%{http_code}'", 1)
        got = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30).stdout
        if got != want:
            failures.append(f"README example answers {got}, not {want}: {cmd}")
finally:
    launcher.terminate()
    try:
        code = launcher.wait(15)
    except subprocess.TimeoutExpired:
        launcher.kill()
        code = "killed"
    if code != 0:
        failures.append(f"the launcher exited {code} on SIGTERM")

for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"{len(props)} README properties shown by gst-inspect-1.0; {len(examples)} curl examples answer as written")
