#!/usr/bin/python3
"""The streaming image, built here as scripts/image builds it (debootstrap
trixie base, the real Dockerfile with buildah, no engine, no registry): its
config (non-root user, ports, ENV defaults, entrypoint), GStreamer 1.26
inside, and the streamer run from it: /v1/streaming/ready and
/v1/streaming/creds answer, Chromium decodes a session, and the container
ends after it (exit policy). Then nvcf-local runs its instances as
containers from the image (scripts/container-instance): the instance sees
only the environment NVCF would give it, Chromium streams through the
gateway, and the container that ended after its session is replaced by a
fresh one; none is left behind.
Usage: check-image.py <source root> <nvcf-local> <nvcf-function>"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import (Failures, build_image, check_image_config, chromium_view,  # noqa: E402
                      descendant, free_port, get)

source, nvcf_local, nvcf_function = sys.argv[1:4]
image = "gst-nvcf-streamer-test"
fail = failures = Failures()

build_image(source, image, why="debootstrap, buildah")

check_image_config(image, fail, ("8111/tcp", "49100/tcp", "47998-48020/udp"),
                   {"CONTROL_SERVER_PORT": "8111", "STREAMING_SERVER_PORT": "49100",
                    "STREAMING_START_ENDPOINT": "/sign_in",
                    "STREAMING_PORT_BINDING_RANGE": "47998-48020", "NVCF_SESSION_POLICY": "exit"},
                   ["/usr/bin/nvcf-streamer-entrypoint"])

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
    result, err = chromium_view(source, f"ws://127.0.0.1:{streaming}/sign_in", "--expect-codec",
                                "H264", "--frames", "31", "--timeout", "40")
    if not result.get("ok") or result.get("framesDecoded", 0) <= 30:
        fail(f"Chromium on the image's streamer: {result or err[-2000:]}")
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


# ---- nvcf-local with container instances --------------------------------
def containers_of(name):
    listing = subprocess.run(["buildah", "containers", "--json"], capture_output=True, text=True)
    try:
        # buildah prints null, not [], when there are none.
        return [c for c in json.loads(listing.stdout or "[]") or []
                if c.get("imagename", "").endswith("/" + name + ":latest")]
    except ValueError:
        return []


def wait_log(path, text, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(path) as f:
            if text in f.read():
                return True
        time.sleep(0.2)
    return False


key = "nvapi-IMAGELOCAL-" + "q" * 24
media = os.environ.get("STREAMING_PORT_BINDING_RANGE", "47998-48020")
before = len(containers_of(image))
api, gateway = free_port(), free_port()
logdir = tempfile.mkdtemp(prefix="check-image.")
log_path = os.path.join(logdir, "nvcf-local.log")
env = dict(os.environ, NVCF_API_KEY=key, NVCF_LOCAL_TURN_SECRET="image-turn-secret",
           NVCF_API_URL=f"http://127.0.0.1:{api}", NVCF_LOCAL_HOST_ONLY="not-for-containers")
with open(log_path, "w") as log:
    local = subprocess.Popen(
        [nvcf_local, "--port", str(api), "--gateway-port", str(gateway), "--resume-window", "5",
         "--instance-command", os.path.join(source, "scripts", "container-instance") + " " + image],
        env=env, stdout=log, stderr=subprocess.STDOUT)
try:
    if not wait_log(log_path, "function API on", 10):
        fail("nvcf-local did not start")
    created = subprocess.run(
        [nvcf_function, "create", "--name", "image-check", "--image", image,
         "--env", "NVCF_ICE_ADDRESSES=127.0.0.1", "--env", "NVCF_WIDTH=320",
         "--env", "NVCF_HEIGHT=240", "--env", "STREAMING_PORT_BINDING_RANGE=" + media],
        env=env, capture_output=True, text=True)
    function = json.loads(created.stdout or "{}").get("function", {})
    deployed = subprocess.run(
        [nvcf_function, "deploy", "--function-id", function.get("id", "?"), "--version-id",
         function.get("versionId", "?"), "--gpu", "local", "--instance-type", "local"],
        env=env, capture_output=True, text=True)
    if created.returncode or deployed.returncode:
        fail(f"create/deploy on nvcf-local: {created.stderr} {deployed.stderr}")
    if not wait_log(log_path, "instance 1 ready", 90):
        fail("the container instance never became ready")
    # The streamer in the container: chrooted into the image, and given the
    # function's environment, not nvcf-local's.
    pid = descendant(local.pid, "/usr/bin/nvcf-streamer")
    if not pid:
        fail("no nvcf-streamer under nvcf-local")
    else:
        environ = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace").split("\0")
        if "NVCF_ICE_ADDRESSES=127.0.0.1" not in environ:
            fail(f"the function's containerEnvironment did not reach the container: {environ}")
        if any(e.startswith(("NVCF_LOCAL_HOST_ONLY=", "NVCF_API_KEY=")) for e in environ):
            fail("nvcf-local's own environment leaked into the container")
        if os.path.realpath(f"/proc/{pid}/root") == "/":
            fail("the instance runs on the host's root, not in the image")
    result, err = chromium_view(
        source, f"ws://127.0.0.1:{gateway}/sign_in", "--subprotocol",
        f"authorization.{key},function-id.{function.get('id', '?')}", "--expect-codec", "H264",
        "--frames", "31", "--timeout", "40")
    if not result.get("ok") or result.get("framesDecoded", 0) <= 30:
        fail(f"Chromium through nvcf-local to a container: {result or err[-2000:]}")
    if not wait_log(log_path, "instance 1 exited; starting a fresh one", 30):
        fail("the container did not end after its session")
    elif not wait_log(log_path, "instance 2 ready", 90):
        fail("no fresh container became ready after the first ended")
finally:
    local.send_signal(signal.SIGTERM)
    try:
        code = local.wait(30)
        if code != 0:
            fail(f"nvcf-local exited {code} on SIGTERM")
    except subprocess.TimeoutExpired:
        fail("nvcf-local did not end within 30 s of SIGTERM")
        local.kill()
        local.wait()
    for _ in range(50):
        if len(containers_of(image)) <= before:
            break
        time.sleep(0.2)
    left = len(containers_of(image)) - before
    if left > 0:
        fail(f"{left} container(s) left after nvcf-local stopped")
    log_text = open(log_path).read()
    if key in log_text or "image-turn-secret" in log_text:
        fail("a secret in nvcf-local's log")
if failures:
    print(log_text[-3000:])
    sys.exit(1)
print("the image builds without an engine, runs non-root with GStreamer 1.26, serves ready/creds, "
      "streams to Chromium and ends after the session; nvcf-local runs it as container instances")
