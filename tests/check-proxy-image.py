#!/usr/bin/python3
"""The proxy image (docker/proxy/Dockerfile), built as scripts/image --proxy
builds it (on haproxy:3.2, or its stand-in where no registry answers): its
config (non-root user, port 49100, entrypoint), haproxy 3.2 with Lua
inside, the template rendered in the image's own layout without a warning,
then every check of check-proxy.py against the proxy run from the image."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import Failures, build_image, check_image_config  # noqa: E402

source = sys.argv[1]
image = "gst-nvcf-proxy-test"
fail = failures = Failures()

build_image(source, image, ["--proxy"])

check_image_config(image, fail, ("49100/tcp",),
                   {"PROXY_PORT": "49100", "PROXY_SSL_INSECURE": "false"}, ["/entrypoint.sh"])

ctr = subprocess.run(["buildah", "from", "--pull=never", image], capture_output=True, text=True,
                     check=True).stdout.strip()
try:
    def inside(*argv, env=()):
        flags = [f for k, v in env for f in ("--env", f"{k}={v}")]
        return subprocess.run(["buildah", "run", "--isolation", "chroot", *flags, ctr, "--", *argv],
                              capture_output=True, text=True)
    version = inside("haproxy", "-vv").stdout
    if "version 3.2" not in version or "+LUA" not in version:
        fail(f"haproxy in the image: {version[:300]!r}")
    key = "nvapi-IMAGECHECK-" + "k" * 20
    check = inside("/entrypoint.sh", "check", env=(
        ("NVCF_API_KEY", key), ("STREAMING_FUNCTION_ID", "fn-1"), ("NVCF_SERVER", "127.0.0.1"),
        ("PROXY_JWT_SECRET", "image-secret"), ("PROXY_SSL_INSECURE", "true")))
    out = check.stdout + check.stderr
    if check.returncode != 0 or "WARNING" in out or "ALERT" in out:
        fail(f"the image's own layout does not render a clean config: {out[-1500:]}")
    if key in out or "image-secret" in out:
        fail("the entrypoint printed a secret")
    if "/usr/local/etc/haproxy/haproxy.cfg" not in out or "SSL on" not in out:
        fail(f"unexpected entrypoint output: {out[-800:]}")
finally:
    subprocess.run(["buildah", "rm", ctr], capture_output=True)

checks = subprocess.run([sys.executable, os.path.join(source, "tests", "check-proxy.py"), source,
                         "--image", image], capture_output=True, text=True, timeout=600)
print(checks.stdout[-6000:])
if checks.returncode != 0:
    fail("check-proxy.py against the image failed:\n" + checks.stderr[-2000:])
if failures:
    sys.exit(1)
print("the proxy image builds without an engine or registry, runs haproxy 3.2 non-root, and passes "
      "every proxy check")
