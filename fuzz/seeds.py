#!/usr/bin/env python3
"""Writes the hand-made seed inputs of each fuzz target into
fuzz/corpus/<target>/seed-*: valid messages of every type (from
docs/signalling.md, docs/nvcf-contract.md and the unit tests) and hostile
ones (deep nesting, huge strings, invalid UTF-8, NULs, truncation). The
corpus also holds inputs libFuzzer found (hash names, from scripts/fuzz
--merge) and regression inputs of fixed bugs (regress-*); this script
rewrites only seed-* files. Run: fuzz/seeds.py"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
REC, CMD = "\x1e", "\x1f"
NVIDIA_QUERY = "peer_id=peer-1&version=2"

def j(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)

def b(text):
    """Bytes of a seed: str as UTF-8, bytes as they are (invalid UTF-8)."""
    return text if isinstance(text, bytes) else text.encode("utf-8")

def rec(*parts):
    """Signalling records: the URL query, then client frames."""
    return REC.encode().join(b(p) for p in parts)

SDP_ANSWER = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
CANDIDATE = "candidate:2 1 UDP 2122 192.0.2.1 5000 typ host"

def hostile(valid, big=False):
    """Hostile variants of one valid text; big: full-size ones (100,000
    levels, 200 kB), kept to a few targets so the corpus stays small."""
    deep, huge = (100000, 200000) if big else (2000, 2000)
    return {
        "deep-brackets": "[" * deep,
        "deep-braces": '{"a":' * 1000,
        "deep-after-sq-string": "['\"'," + "[" * deep,
        "deep-after-comment": '[/*"*/' + "[" * deep,
        "huge-string": '{"type":"' + "x" * huge + '"}',
        "invalid-utf8": b(valid[:-2]) + b'\xff\xfe"}',
        "overlong-utf8": b(valid[:-2]) + b'\xc0\xaf"}',
        "nul-inside": valid[:5] + "\0" + valid[5:],
        "truncated": valid[: len(valid) // 2],
        "empty": "",
        "blank": " \r\n\t",
        "not-object": "[1,2,3]",
        "lone-surrogate": '{"type":"\\udc00"}',
        "escaped-nul": '{"type":"a\\u0000b"}',
        "huge-number": '{"type":1e999,"id":-1e999,"x":12345678901234567890}',
    }

def signalling():
    producer = "producer-1"
    gst = [
        j({"type": "setPeerStatus", "roles": ["listener"], "meta": {"name": "viewer"}}),
        j({"type": "list"}),
        j({"type": "listConsumers"}),
        j({"type": "startSession", "peerId": producer}),
        j({"type": "peer", "sessionId": "session-1", "sdp": {"type": "answer", "sdp": SDP_ANSWER}}),
        j({"type": "peer", "sessionId": "session-1",
           "ice": {"candidate": CANDIDATE, "sdpMLineIndex": 0, "sdpMid": "0", "usernameFragment": "abcd"}}),
        j({"type": "peer", "sessionId": "session-1", "ice": {"candidate": "", "sdpMLineIndex": 0}}),
        j({"type": "endSession", "sessionId": "session-1"}),
    ]
    nvidia = [
        j({"ackid": 1, "peer_info": {"browser": "Chrome", "connected": True, "id": 2, "name": "peer-123",
                                     "peerRole": 0, "resolution": "1920x1080", "version": 2}}),
        j({"hb": 1}),
        j({"ack": 1}),
        j({"ackid": 2, "peer_msg": {"from": 2, "to": 1, "msg": j({"type": "answer", "sdp": SDP_ANSWER})}}),
        j({"ackid": 3, "peer_msg": {"from": 2, "to": 1,
                                    "msg": j({"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0})}}),
        j({"ackid": 4, "peer_msg": {"from": 2, "to": 1, "msg": {"type": "bye"}}}),
    ]
    seeds = {
        "gst-session": rec("", *gst),
        "gst-session-ended-by-streamer": rec("", gst[0], gst[3], CMD + "end", j({"type": "endSession", "sessionId": "session-1"})),
        "gst-two-sessions-and-busy": rec("", gst[3], gst[3], gst[3], gst[3]),
        "gst-rejections": rec("",
            j({"type": "startSession", "peerId": "someone-else"}),
            j({"type": "startSession", "peerId": producer, "offer": "v=0\r\n"}),
            j({"type": "peer", "sessionId": "ghost", "ice": {"candidate": "c"}}),
            j({"type": "peer", "sessionId": "session-1", "sdp": {"type": "offer", "sdp": "v=0"}}),
            j({"type": "setPeerStatus", "roles": "listener"}),
            j({"type": "setPeerStatus", "meta": [1]}),
            j({"type": "endSessionV1_1", "sessionId": "s1"}),
            j({"type": 3}), j({"type": None})),
        "gst-oversized": rec("", gst[1], CMD + "huge", gst[1]),
        "nvidia-by-query": rec(NVIDIA_QUERY, *nvidia),
        "nvidia-by-first-message": rec("", *nvidia),
        "nvidia-ended-by-streamer": rec(NVIDIA_QUERY, nvidia[0], CMD + "end", nvidia[1]),
        "nvidia-rejections": rec(NVIDIA_QUERY,
            j({"ackid": 4, "peer_info": "peer-1"}),
            j({"something": "else"}),
            j({"ackid": 8, "something": "else"}),
            j({"peer_msg": {"msg": "{not json"}}),
            nvidia[0], nvidia[0],
            j({"peer_msg": {"msg": j({"type": "offer", "sdp": "v=0"})}}),
            j({"peer_msg": {"msg": j({"sdpMid": "0"})}})),
        "mixed-after-gst": rec("", gst[1], nvidia[0], gst[3]),
    }
    for name, text in hostile(gst[3], big=True).items():
        seeds["hostile-" + name] = rec("", text, gst[1])
    for name, text in hostile(gst[3]).items():
        seeds["hostile-nvidia-" + name] = rec(NVIDIA_QUERY, nvidia[0], text)
    seeds["hostile-nvidia-msg-string"] = rec(NVIDIA_QUERY, nvidia[0],
        j({"peer_msg": {"msg": "[" * 1000}}), j({"peer_msg": {"msg": "\"\\udc00\""}}))
    seeds["hostile-records-only"] = REC * 64
    seeds["query-odd"] = rec("?peer_id=&version=2&&=&peer_id=x&version=2", gst[1])
    return seeds

def input_():
    events = [
        {"event": "MouseMove", "x": 12.5, "y": 7, "modifier_state": ""},
        {"event": "MouseButtonPress", "x": 1, "y": 2, "button": 1, "modifier_state": "button1-mask"},
        {"event": "MouseButtonRelease", "x": 3.25, "y": 4.75, "button": 3},
        {"event": "MouseScroll", "x": 10, "y": 20, "delta_x": -1.5, "delta_y": 3, "modifier_state": "control-mask"},
        {"event": "KeyPress", "key": "Return", "modifier_state": "shift-mask+control-mask+mod1-mask+meta-mask"},
        {"event": "KeyRelease", "key": "a"},
        {"event": "TouchDown", "identifier": 3, "x": 5, "y": 6, "pressure": 0.5, "modifier_state": ""},
        {"event": "TouchMotion", "identifier": 4294967295, "x": 7, "y": 8, "pressure": 1},
        {"event": "TouchUp", "identifier": 9, "x": 1.5, "y": 2.5},
        {"event": "TouchFrame", "modifier_state": "mod1-mask"},
        {"event": "TouchCancel"},
        {"event": "MouseMove", "x": 1, "y": 2, "mid": "video0", "extra": [1, {"a": 2}]},
    ]
    seeds = {}
    for i, ev in enumerate(events):
        seeds["event-%02d-%s" % (i, ev["event"])] = j(ev)
        seeds["control-%02d-%s" % (i, ev["event"])] = j(
            {"id": i, "mid": None, "request": {"type": "navigationEvent", "event": ev}})
    seeds["control-wrapped-string"] = j({"id": 42, "request": j({"type": "navigationEvent", "event": events[9]})})
    seeds["control-custom-upstream"] = j({"id": 5, "mid": "video0", "request": {
        "type": "customUpstreamEvent", "structureName": "application/x-app", "structure": {"level": 3, "name": "x"}}})
    seeds["control-errors"] = j({"id": "7", "mid": 0, "request": {"type": "warp"}})
    seeds["control-unknown-type"] = j({"id": 1, "request": {"type": "somethingElse"}})
    seeds["control-bad-modifier"] = j({"id": 2, "request": {"type": "navigationEvent",
        "event": {"event": "MouseMove", "x": 1, "y": 2, "modifier_state": "shift-mask++bogus"}}})
    seeds["app-data"] = j({"hello": "world"})
    for name, text in hostile(j(events[0]), big=True).items():
        seeds["hostile-" + name] = text
    seeds["hostile-wrapped-deep"] = j({"id": 1, "request": "[" * 2000})
    seeds["hostile-long-event-name"] = j({"event": "é" * 5000})
    seeds["hostile-long-modifier"] = j({"event": "MouseMove", "x": 1, "y": 2, "modifier_state": "€" * 5000})
    return seeds

def credentials():
    ok = {"stunIp": "10.0.0.5", "stunPort": 3478, "username": "user", "password": "secret"}
    seeds = {
        "valid": j(ok),
        "valid-shared-port": j(dict(ok, privateSharedPort=48000)),
        "valid-ipv6": j(dict(ok, stunIp="2001:db8::1")),
        "valid-hostname": j(dict(ok, stunIp="turn.example.com.")),
        "empty-ip": j({"stunIp": "", "stunPort": 3478}),
        "bad-port": j(dict(ok, stunPort=70000)),
        "port-double": j(dict(ok, stunPort=3478.0)),
        "port-string": j(dict(ok, stunPort="3478")),
        "numeric-host": j(dict(ok, stunIp="300.1.1.1")),
        "missing-password": j({"stunIp": "10.0.0.5", "stunPort": 3478, "username": "u"}),
        "password-not-string": j(dict(ok, password=5)),
        "null-shared-port": j(dict(ok, privateSharedPort=None)),
        "unicode": j(dict(ok, username="ユーザー", password="пароль\u0000x")),
    }
    for name, text in hostile(j(ok)).items():
        seeds["hostile-" + name] = text
    seeds["hostile-over-64k"] = j(dict(ok, password="p" * 70000))
    seeds["hostile-long-label"] = j(dict(ok, stunIp="a" * 64 + ".com"))
    return seeds

def endsession():
    seeds = {
        "graceful": j({"sessionId": "session-1", "gracefulShutdown": True}),
        "not-graceful": j({"sessionId": "request-1", "gracefulShutdown": False}),
        "default-graceful": j({"sessionId": "session-1"}),
        "unknown": j({"sessionId": "ghost"}),
        "empty-id": j({"sessionId": ""}),
        "id-not-string": j({"sessionId": 5}),
        "graceful-not-bool": j({"sessionId": "s", "gracefulShutdown": "yes"}),
        "missing-id": j({"gracefulShutdown": True}),
        "long-unicode-id": j({"sessionId": "ü" * 100}),
    }
    for name, text in hostile(seeds["graceful"]).items():
        seeds["hostile-" + name] = text
    seeds["hostile-over-64k"] = j({"sessionId": "s" * 70000})
    return seeds

def control():
    creds = j({"stunIp": "10.0.0.5", "stunPort": 3478, "username": "user", "password": "secret"})
    def rq(method, path, ctype, body=""):
        return b"\n".join(b(x) for x in [method, path, ctype, body])
    seeds = {
        "ready": rq("GET", "/v1/streaming/ready", ""),
        "ready-head": rq("HEAD", "/v1/streaming/ready", ""),
        "ready-post": rq("POST", "/v1/streaming/ready", "application/json", "{}"),
        "creds": rq("POST", "/v1/streaming/creds", "application/json", creds),
        "creds-bad": rq("POST", "/v1/streaming/creds", "application/json", j({"stunIp": "", "stunPort": 3478})),
        "creds-text": rq("POST", "/v1/streaming/creds", "text/plain", "x"),
        "creds-get": rq("GET", "/v1/streaming/creds", ""),
        "creds-too-big": rq("POST", "/v1/streaming/creds", "application/json", " " * (64 * 1024 + 1)),
        "endsession": rq("POST", "/v1/streaming/endsession", "application/json",
                         j({"sessionId": "session-1", "gracefulShutdown": True})),
        "endsession-resume": rq("POST", "/v1/streaming/endsession", "application/json",
                                j({"sessionId": "request-1", "gracefulShutdown": False})),
        "endsession-unknown": rq("POST", "/v1/streaming/endsession", "application/json", j({"sessionId": "x"})),
        "unknown-path": rq("GET", "/v1/streaming/startup", ""),
        "no-lines": "GET",
        "hostile-method": rq(b"G\xffT", "/v1/streaming/ready", ""),
        "hostile-path": rq("GET", b"/v1/\xc3\x28/\0", ""),
        "hostile-type": rq("POST", "/v1/streaming/creds", b"application/\xff" + b"x" * 1000, "{}"),
        "hostile-long-path": rq("GET", "/" + "é" * 3000, ""),
    }
    for name, text in hostile(creds).items():
        seeds["hostile-creds-" + name] = rq("POST", "/v1/streaming/creds", "application/json", text)
    return seeds

TARGETS = {"signalling": signalling, "input": input_, "credentials": credentials,
           "endsession": endsession, "control": control}

def main():
    for target, make in TARGETS.items():
        d = os.path.join(ROOT, target)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
        for name, text in make().items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(b(text))

if __name__ == "__main__":
    main()
