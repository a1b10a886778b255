#!/usr/bin/python3
"""The README's local-chain command: scripts/run --local-nvcf starts coturn,
nvcf-local with a deployed function, the proxy and the web client, and
prints an address with a user token. Through the proxy, a WebSocket with
that token reaches the streamer instance (its welcome comes back); one
without is refused with 401. Ctrl-C stops everything and exits 0."""
import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import free_port, get, interrupt  # noqa: E402

build, source = sys.argv[1], sys.argv[2]



def handshake(port, protocols):
    """A WebSocket handshake on 127.0.0.1:port/sign_in; (status, first text frame or '')."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /sign_in HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    text = ""
    if status == 101:
        deadline = time.time() + 15
        while len(rest) < 2 and time.time() < deadline:
            rest += s.recv(4096)
        if len(rest) >= 2:
            n = rest[1] & 0x7F
            off = 2 if n < 126 else 4
            if n == 126:
                while len(rest) < 4:
                    rest += s.recv(4096)
                n = int.from_bytes(rest[2:4], "big")
            while len(rest) < off + n and time.time() < deadline:
                rest += s.recv(4096)
            text = rest[off:off + n].decode(errors="replace")
    s.close()
    return status, text


ports = {k: free_port() for k in ("NVCF_WEB_PORT", "PROXY_PORT", "NVCF_TURN_PORT")}
def pair_free(port):
    """port and port + 1 (nvcf-local's API and gateway) both free now."""
    for p in (port, port + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return port + 1 not in ports.values()


api = free_port()
while not pair_free(api):
    api = free_port()
env = dict(os.environ, NVCF_BUILD_DIR=os.path.abspath(build), NVCF_LOCAL_PORT=str(api),
           NVCF_ICE_ADDRESSES="127.0.0.1", NVCF_WIDTH="320", NVCF_HEIGHT="240",
           **{k: str(v) for k, v in ports.items()})
run = subprocess.Popen([os.path.join(source, "scripts", "run"), "--local-nvcf"], cwd=source,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       start_new_session=True)
failures, output, address = [], [], None
try:
    deadline = time.time() + 150
    for line in run.stdout:
        output.append(line)
        if line.startswith("Open http://") or time.time() > deadline:
            address = line.split(" ", 1)[1].strip() if line.startswith("Open ") else None
            break
    if not address:
        sys.exit("scripts/run --local-nvcf printed no address:\n" + "".join(output))
    query = urllib.parse.urlparse(address).query
    params = urllib.parse.parse_qs(query)
    signalling = params["signalling"][0]
    proxy = int(re.search(r":(\d+)/", signalling).group(1))
    if proxy != ports["PROXY_PORT"]:
        failures.append(f"the address names port {proxy}, not the proxy's")
    protocols = params["subprotocol"][0].split(",")
    status, text = 0, ""
    for _ in range(60):
        status, text = handshake(proxy, protocols)
        if status == 101:
            break
        time.sleep(0.5)
    if status != 101 or '"welcome"' not in text:
        failures.append(f"the printed token got {status} {text!r} through the proxy")
        logs = re.search(r"logs in (\S+)\)", "".join(output))
        for name in ("nvcf-local.log", "proxy.log"):
            try:
                output.append(open(os.path.join(logs.group(1), name)).read()[-1500:])
            except (OSError, AttributeError):
                pass
    status, _ = handshake(proxy, [])
    if status != 401:
        failures.append(f"no token got {status}, not 401")
    key = [l for l in output if "nvapi-local-" in l]
    if key:
        failures.append("the API key was printed")
finally:
    code = interrupt(run)
    output.append(run.stdout.read())
if code != 0:
    failures.append(f"scripts/run --local-nvcf exited {code} on Ctrl-C")
time.sleep(0.5)
for name, port in list(ports.items()) + [("nvcf-local", api), ("gateway", api + 1)]:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            failures.append(f"{name} (port {port}) outlived scripts/run")
for f in failures:
    print("FAIL:", f)
if failures:
    print("".join(output)[-3000:])
    sys.exit(1)
print("scripts/run --local-nvcf: a token through the proxy reached the streamer; Ctrl-C exited 0")
