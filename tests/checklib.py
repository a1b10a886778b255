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
