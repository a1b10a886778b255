#!/usr/bin/python3
"""The README's first command: scripts/run sets up, builds (here: the test
build), serves the web client and runs the default pipeline, whose control
endpoints answer; Ctrl-C (SIGINT to the process group, as a terminal sends
it) stops everything and the script exits 0."""
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import free_port, get, interrupt  # noqa: E402

build, source = sys.argv[1], sys.argv[2]




web_port = free_port()
env = dict(os.environ, NVCF_BUILD_DIR=os.path.abspath(build), NVCF_WEB_PORT=str(web_port),
           CONTROL_SERVER_PORT="0", STREAMING_SERVER_PORT="0", NVCF_ICE_ADDRESSES="127.0.0.1")
run = subprocess.Popen([os.path.join(source, "scripts", "run")], cwd=source, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       start_new_session=True)
failures, output, control = [], [], None
try:
    deadline = time.time() + 120
    for line in run.stdout:
        output.append(line)
        m = re.search(r"control-port=(\d+)", line)
        if m:
            control = int(m.group(1))
        if "readiness ready" in line or time.time() > deadline:
            break
    if not control:
        sys.exit("scripts/run printed no control port:\n" + "".join(output))
    if not any(f":{web_port}/" in l for l in output):
        failures.append("scripts/run did not print the web client's address")

    status, body = get(f"http://127.0.0.1:{control}/v1/streaming/ready")
    if status != 200 or '"state":"ready"' not in body:
        failures.append(f"ready answers {status} {body}")
    status, body = get(f"http://127.0.0.1:{control}/v1/streaming/creds",
                       data=b'{"stunIp":"127.0.0.1","stunPort":3478,"username":"u","password":"p"}',
                       headers={"Content-Type": "application/json"})
    if status != 200:
        failures.append(f"creds answers {status} {body}")
    # The web server starts beside the streamer; give it a moment.
    for _ in range(50):
        status, body = get(f"http://127.0.0.1:{web_port}/")
        if status:
            break
        time.sleep(0.1)
    if status != 200 or "nvcfwebrtcsink" not in body:
        failures.append(f"the web client is not served: {status}")
finally:
    code = interrupt(run)
    output.append(run.stdout.read())
if code != 0:
    failures.append(f"scripts/run exited {code} on Ctrl-C")
time.sleep(0.5)
with socket.socket() as s:
    if s.connect_ex(("127.0.0.1", web_port)) == 0:
        failures.append("the web server outlived scripts/run")

for f in failures:
    print("FAIL:", f)
if failures:
    print("".join(output)[-3000:])
    sys.exit(1)
print(f"scripts/run served ready, creds and the web client; Ctrl-C exited 0")
