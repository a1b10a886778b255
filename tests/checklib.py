"""What the Python checks (check-*.py) share: a free loopback port, and a
small HTTP client that never raises (status 0 when nothing answered)."""
import socket
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, data=None, headers=None, timeout=10):
    """(status, body) of a GET, or of a POST when data is given."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


def interrupt(proc, timeout=20):
    """Ctrl-C as a terminal sends it: SIGINT to proc's process group (it
    was started with start_new_session=True). Returns its exit code, or
    "hung" when it had to be killed; its remaining output is read."""
    import os
    import signal
    import subprocess
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        code = "hung"
    return code


def descendant(pid, argv0):
    """The pid of a descendant of pid whose command line starts with argv0,
    or None. buildah run passes no signal on to the container's command:
    a test signals the command itself."""
    import os
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                for k in kids:
                    try:
                        with open(f"/proc/{k}/cmdline", "rb") as f:
                            args = f.read().split(b"\0")
                    except OSError:
                        continue
                    if args and args[0].decode(errors="replace") == argv0:
                        return k
                    todo.append(k)
        except OSError:
            continue
    return None


class Failures(list):
    """The failures a check collects, each printed as it happens."""

    def __call__(self, msg):
        self.append(msg)
        print("FAIL:", msg)


def build_image(source, name, args=(), why="buildah"):
    """scripts/image [args] NAME as root; exits with meson's skip (77) when
    not root, unless the build asked for every real-peer test."""
    import os
    import subprocess
    import sys
    if os.geteuid() != 0:
        print(f"needs root ({why})")
        sys.exit(1 if os.environ.get("NVCF_REQUIRE_PEERS") == "1" else 77)
    build = subprocess.run([os.path.join(source, "scripts", "image"), *args, name], cwd=source,
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"scripts/image {' '.join(args)} failed:\n" + (build.stdout + build.stderr)[-4000:])


def chromium_view(source, signalling, *args, timeout=90):
    """tests/e2e/chromium-viewer.mjs on signalling: its JSON result ({} if
    none) and its stderr."""
    import json
    import os
    import subprocess
    viewer = subprocess.run(
        ["node", os.path.join(source, "tests", "e2e", "chromium-viewer.mjs"), "--signalling",
         signalling, *args], capture_output=True, text=True, timeout=timeout)
    result = {}
    for line in viewer.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
    return result, viewer.stderr


def check_image_config(name, fail, ports, env, entrypoint):
    """The image's config as NVCF needs it: a non-root user, these ports
    exposed (a udp range as its first port will do), these ENV values and
    this entrypoint; each miss goes to fail()."""
    import json
    import subprocess
    config = json.loads(subprocess.run(["buildah", "inspect", "--type", "image", name],
                                       capture_output=True, text=True, check=True).stdout)
    oci = config.get("OCIv1", {}).get("config", {})
    if oci.get("User") in (None, "", "root", "0"):
        fail(f"the image runs as {oci.get('User')!r}, not a non-root user")
    exposed = oci.get("ExposedPorts", {})
    for port in ports:
        first = port.split("-")[0] + "/udp" if port.endswith("/udp") else port
        if port not in exposed and first not in exposed:
            fail(f"{port} is not exposed: {sorted(exposed)}")
    have = dict(e.split("=", 1) for e in oci.get("Env", []))
    for key, value in env.items():
        if have.get(key) != value:
            fail(f"ENV {key}={have.get(key)!r}, expected {value}")
    if oci.get("Entrypoint") != entrypoint:
        fail(f"entrypoint {oci.get('Entrypoint')}")
