#!/usr/bin/python3
"""The streaming image, built here as scripts/image builds it (debootstrap
trixie base, the real Dockerfile with buildah, no engine, no registry): its
config (non-root user, ports, ENV defaults, entrypoint), GStreamer 1.26
inside, and the streamer run from it: /v1/streaming/ready and
/v1/streaming/creds answer, Chromium decodes a session, and the container
ends after it (exit policy)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import free_port, get  # noqa: E402

source = sys.argv[1]
image = "gst-nvcf-streamer-test"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)




if os.geteuid() != 0:
    print("check-image: needs root (debootstrap, buildah)")
    # meson's skip, unless the build asked for every real-peer test.
    sys.exit(1 if os.environ.get("NVCF_REQUIRE_PEERS") == "1" else 77)
build = subprocess.run([os.path.join(source, "scripts", "image"), image], cwd=source,
                       capture_output=True, text=True)
if build.returncode != 0:
    sys.exit("scripts/image failed:\n" + (build.stdout + build.stderr)[-4000:])

config = json.loads(subprocess.run(["buildah", "inspect", "--type", "image", image],
                                   capture_output=True, text=True, check=True).stdout)
oci = config.get("OCIv1", {}).get("config", {})
if oci.get("User") in (None, "", "root", "0"):
    fail(f"the image runs as {oci.get('User')!r}, not a non-root user")
for port in ("8111/tcp", "49100/tcp", "47998-48020/udp"):
    if port not in oci.get("ExposedPorts", {}) and not (
            port.endswith("/udp") and "47998/udp" in oci.get("ExposedPorts", {})):
        fail(f"{port} is not exposed: {sorted(oci.get('ExposedPorts', {}))}")
env = dict(e.split("=", 1) for e in oci.get("Env", []))
for key, value in (("CONTROL_SERVER_PORT", "8111"), ("STREAMING_SERVER_PORT", "49100"),
                   ("STREAMING_START_ENDPOINT", "/sign_in"),
                   ("STREAMING_PORT_BINDING_RANGE", "47998-48020"),
                   ("NVCF_SESSION_POLICY", "exit")):
    if env.get(key) != value:
        fail(f"ENV {key}={env.get(key)!r}, expected {value}")
if oci.get("Entrypoint") != ["/usr/bin/nvcf-streamer-entrypoint"]:
    fail(f"entrypoint {oci.get('Entrypoint')}")

ctr = subprocess.run(["buildah", "from", "--pull=never", image], capture_output=True, text=True,
                     check=True).stdout.strip()
run = None
try:
    def inside(*argv):
        return subprocess.run(["buildah", "run", "--isolation", "chroot", ctr, "--", *argv],
                              capture_output=True, text=True)
    version = inside("gst-inspect-1.0", "--version").stdout
    if "1.26" not in version:
        fail(f"GStreamer in the image: {version!r}")
    uid = inside("id", "-u").stdout.strip()
    if uid in ("", "0"):
        fail(f"the container runs as uid {uid!r}")

    control, streaming = free_port(), free_port()
    run = subprocess.Popen(
        ["buildah", "run", "--isolation", "chroot",
         "--env", f"CONTROL_SERVER_PORT={control}", "--env", f"STREAMING_SERVER_PORT={streaming}",
         "--env", "NVCF_ICE_ADDRESSES=127.0.0.1", "--env", "NVCF_WIDTH=320",
         "--env", "NVCF_HEIGHT=240", "--env",
         "STREAMING_PORT_BINDING_RANGE=" + os.environ.get("STREAMING_PORT_BINDING_RANGE",
                                                          "47998-48020"),
         ctr, "--", "/usr/bin/nvcf-streamer-entrypoint"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    status, body = 0, ""
    for _ in range(150):
        status, body = get(f"http://127.0.0.1:{control}/v1/streaming/ready", timeout=5)
        if status == 200:
            break
        time.sleep(0.2)
    if status != 200:
        fail(f"ready answers {status} {body}")
    status, body = get(f"http://127.0.0.1:{control}/v1/streaming/creds",
                       b'{"stunIp":"127.0.0.1","stunPort":3478,"username":"u","password":"p"}',
                       {"Content-Type": "application/json"})
    if status != 200 or "success" not in body:
        fail(f"creds answers {status} {body}")
    viewer = subprocess.run(
        ["node", os.path.join(source, "tests", "e2e", "chromium-viewer.mjs"), "--signalling",
         f"ws://127.0.0.1:{streaming}/sign_in", "--expect-codec", "H264", "--frames", "31",
         "--timeout", "40"], capture_output=True, text=True, timeout=90)
    result = {}
    for line in viewer.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
    if not result.get("ok") or result.get("framesDecoded", 0) <= 30:
        fail(f"Chromium on the image's streamer: {result or viewer.stderr[-2000:]}")
    try:
        code = run.wait(30)
        if code != 0:
            fail(f"the container exited {code} after the session")
    except subprocess.TimeoutExpired:
        fail("the container did not end after the session (exit policy)")
finally:
    if run and run.poll() is None:
        run.kill()
        run.wait()
    out = run.stdout.read() if run else ""
    subprocess.run(["buildah", "rm", ctr], capture_output=True)
if failures:
    print(out[-3000:])
    sys.exit(1)
print("the image builds without an engine, runs non-root with GStreamer 1.26, serves ready/creds, "
      "streams to Chromium and ends after the session")
