#!/usr/bin/python3
"""docker/proxy (the NVCF intermediary proxy) on the system haproxy.

Runs docker/proxy/run-local twice (HS256 over plain HTTP, RS256 over TLS
with PROXY_SSL_INSECURE=true) in front of a recording HTTP+WebSocket
upstream on 127.0.0.1, and checks auth, headers, token stripping,
WebSocket frames, CORS, the resume cookie, TLS and secrets in logs.
With --image NAME the same checks run against the proxy image (built by
scripts/image --proxy): each proxy is its entrypoint in a buildah
container, with the test's directory mounted at the same path.
Usage: check-proxy.py <source root> [--image NAME]"""
import base64, shutil, hashlib, hmac, http.client, json, os, signal, socket, socketserver
import ssl, subprocess, sys, tempfile, threading, time

ROOT = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith('--') else os.path.join(os.path.dirname(__file__), '..')
IMAGE = sys.argv[sys.argv.index('--image') + 1] if '--image' in sys.argv else None
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import descendant  # noqa: E402
RUN_LOCAL = os.path.join(ROOT, 'docker', 'proxy', 'run-local')
API_KEY = 'nvapi-TESTKEY-' + 'k' * 20 + '-END'
SECRET = 'hs-secret,with(odd)chars'
FN = '11111111-aaaa-4bbb-8ccc-000000000001'
FN_VER = '22222222-aaaa-4bbb-8ccc-000000000002'
FN_OTHER = '33333333-aaaa-4bbb-8ccc-000000000003'
FN_OPEN = '44444444-aaaa-4bbb-8ccc-000000000004'

results = []

def check(name, ok, detail=''):
    results.append((name, bool(ok)))
    print(('PASS ' if ok else 'FAIL ') + name + ('' if ok else '  -- ' + str(detail)), flush=True)

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()

def claims(**kw):
    c = {'sub': 'user1', 'exp': int(time.time()) + 3600}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}

def hs256(payload, secret=SECRET, alg='HS256'):
    h = b64u(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())
    p = b64u(json.dumps(payload).encode())
    s = b64u(hmac.new(secret.encode(), (h + '.' + p).encode(), hashlib.sha256).digest())
    return h + '.' + p + '.' + s

def rs256(payload, keyfile):
    h = b64u(json.dumps({'alg': 'RS256', 'typ': 'JWT'}).encode())
    p = b64u(json.dumps(payload).encode())
    sig = subprocess.run(['openssl', 'dgst', '-sha256', '-sign', keyfile],
                         input=(h + '.' + p).encode(), capture_output=True, check=True).stdout
    return h + '.' + p + '.' + b64u(sig)

# ---- recording upstream -------------------------------------------------
recorded = []
rec_lock = threading.Lock()
WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

def read_head(f):
    line = f.readline().decode('latin-1').rstrip('\r\n')
    headers = []
    while True:
        l = f.readline().decode('latin-1').rstrip('\r\n')
        if not l:
            break
        k, _, v = l.partition(':')
        headers.append((k.strip().lower(), v.strip()))
    return line, headers

def read_frame(f):
    b1, b2 = f.read(2)
    n = b2 & 0x7f
    if n == 126:
        n = int.from_bytes(f.read(2), 'big')
    elif n == 127:
        n = int.from_bytes(f.read(8), 'big')
    mask = f.read(4) if b2 & 0x80 else None
    data = bytearray(f.read(n))
    if mask:
        for i in range(n):
            data[i] ^= mask[i % 4]
    return b1 & 0x0f, bytes(data)

def make_frame(data, masked):
    hdr = bytearray([0x81])
    n = len(data)
    hdr.append((0x80 if masked else 0) | (n if n < 126 else 126))
    if n >= 126:
        hdr += n.to_bytes(2, 'big')
    if not masked:
        return bytes(hdr) + data
    mask = os.urandom(4)
    return bytes(hdr) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data))

COOKIE = 'nvcf-request-id=req-123; Domain=gateway.example; Path=/sign_in; Secure; SameSite=Strict; HttpOnly; Max-Age=300'

class Upstream(socketserver.StreamRequestHandler):
    def handle(self):
        line, headers = read_head(self.rfile)
        h = dict(headers)
        with rec_lock:
            recorded.append({'line': line, 'headers': headers})
        if h.get('upgrade', '').lower() == 'websocket':
            accept = base64.b64encode(hashlib.sha1((h['sec-websocket-key'] + WS_GUID).encode()).digest()).decode()
            resp = ('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                    'Sec-WebSocket-Accept: %s\r\nSet-Cookie: %s\r\n' % (accept, COOKIE))
            # Like a server that selects none: the proxy must echo an offer.
            resp += '\r\n'
            self.wfile.write(resp.encode())
            self.wfile.flush()
            op, data = read_frame(self.rfile)
            self.wfile.write(make_frame(b'echo:' + data, masked=False))
            self.wfile.flush()
            time.sleep(0.2)
            return
        body = b'upstream ok\n'
        self.wfile.write(('HTTP/1.1 200 OK\r\nContent-Length: %d\r\nSet-Cookie: %s\r\n'
                          'Connection: close\r\n\r\n' % (len(body), COOKIE)).encode() + body)

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

class TlsServer(Server):
    """The upstream over TLS, as NVCF's gateway is: records the SNI name."""
    sni = []

    def __init__(self, addr, handler, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = lambda sock, name, ctx: TlsServer.sni.append(name) and None
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = super().get_request()
        try:
            return self.ctx.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError):
            sock.close()
            raise

    def handle_error(self, request, client_address):
        pass  # a refused handshake (the proxy distrusting us) is expected

def make_ca(tmp, name):
    """A CA and a certificate for DNS:localhost signed by it: (ca, cert, key)."""
    ca_key, ca = os.path.join(tmp, name + '-ca.key'), os.path.join(tmp, name + '-ca.pem')
    key, csr, cert = (os.path.join(tmp, name + x) for x in ('.key', '.csr', '.pem'))
    ext = os.path.join(tmp, name + '.ext')
    with open(ext, 'w') as f:
        f.write('subjectAltName=DNS:localhost\n')
    run = lambda *a: subprocess.run(['openssl', *a], check=True, capture_output=True)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca_key, '-out', ca,
        '-days', '2', '-subj', '/CN=' + name + ' test CA')
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost')
    run('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', ca_key, '-CAcreateserial', '-out', cert,
        '-days', '2', '-extfile', ext)
    os.chmod(ca, 0o644)
    return ca, cert, key

def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p

# ---- proxy --------------------------------------------------------------
containers = []

def proxy_argv(env, args):
    """run-local here, or the image's entrypoint in a fresh container."""
    if not IMAGE:
        return [RUN_LOCAL] + args, env
    ctr = subprocess.run(['buildah', 'from', '--pull=never', IMAGE], capture_output=True,
                         text=True, check=True).stdout.strip()
    containers.append(ctr)
    keys = [k for k in env if k.startswith(('PROXY_', 'NVCF_', 'STREAMING_'))]
    argv = ['buildah', 'run', '--isolation', 'chroot', '-v', '%s:%s' % (TMP, TMP)]
    for k in keys:
        argv += ['--env', '%s=%s' % (k, env[k])]
    return argv + [ctr, '--', '/entrypoint.sh'] + args, None

def stop_proxy(p):
    """SIGTERM to run-local, or to the entrypoint inside the container."""
    target = descendant(p.pid, '/bin/bash') if IMAGE else p.pid
    os.kill(target or p.pid, signal.SIGTERM)

def start_proxy(env_extra, tmp, name):
    port = free_port()
    conf = os.path.join(tmp, name)
    os.makedirs(conf)
    env = dict(os.environ)
    for k in list(env):
        if k.startswith(('PROXY_', 'NVCF_', 'STREAMING_')):
            del env[k]
    env.update({'NVCF_API_KEY': API_KEY, 'STREAMING_FUNCTION_ID': FN,
                'STREAMING_FUNCTION_VERSION_ID': FN_VER, 'NVCF_SERVER': '127.0.0.1',
                'NVCF_SERVER_PORT': str(UP_PORT), 'NVCF_SERVER_TLS': 'false',
                'PROXY_PORT': str(port), 'PROXY_BIND_ADDR': '127.0.0.1',
                'PROXY_CONFIG_DIR': conf})
    if IMAGE:
        # The image's template and Lua; the rendered config lands in conf,
        # which the container's haproxy user writes.
        os.chmod(conf, 0o777)
        env.update({'PROXY_TEMPLATE': '/usr/local/etc/haproxy/haproxy.cfg.template',
                    'PROXY_LUA': '/usr/local/etc/haproxy/lua/nvcf-proxy.lua'})
    env.update(env_extra)
    argv, penv = proxy_argv(env, ['check'])
    chk = subprocess.run(argv, env=penv, capture_output=True, text=True, timeout=60)
    out = chk.stdout + chk.stderr
    check(name + ': rendered config passes haproxy -c, no warning',
          chk.returncode == 0 and 'WARNING' not in out and 'ALERT' not in out, out[-1000:])
    log = open(os.path.join(tmp, name + '.log'), 'w+')
    argv, penv = proxy_argv(env, [])
    p = subprocess.Popen(argv, env=penv, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    return p, port, log, conf, out

def conn(port, tls):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection('127.0.0.1', port, timeout=5, context=ctx)
    return http.client.HTTPConnection('127.0.0.1', port, timeout=5)

def get(port, path='/sign_in', headers=None, tls=False, method='GET'):
    c = conn(port, tls)
    n = len(recorded)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    time.sleep(0.05)
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.getheaders(), body, recorded[n:]

def ws(port, path='/sign_in', headers=None, tls=False, idle=0):
    """Upgrade, stay idle for idle seconds, send one frame, read one.
    Returns (status line, headers, reply (None once closed), upstream records)."""
    n = len(recorded)
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname='localhost')
    key = base64.b64encode(os.urandom(16)).decode()
    req = ('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
           'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://app.example\r\n' % (path, port, key))
    for k, v in (headers or {}).items():
        req += '%s: %s\r\n' % (k, v)
    s.sendall((req + '\r\n').encode())
    f = s.makefile('rb')
    line, hdrs = read_head(f)
    reply = None
    if ' 101 ' in line + ' ':
        time.sleep(idle)
        try:
            s.sendall(make_frame(b'hello-proxy', masked=True))
            op, reply = read_frame(f)
        except (OSError, ValueError):
            reply = None
    s.close()
    time.sleep(0.05)
    return line, hdrs, reply, recorded[n:]

def upstream_clean(recs, token):
    """Upstream got the API key and function headers, and no user token."""
    if len(recs) != 1:
        return False, 'upstream requests: %d' % len(recs)
    r = recs[0]
    h = r['headers']
    auth = [v for k, v in h if k == 'authorization']
    blob = r['line'] + '\n' + '\n'.join('%s: %s' % kv for kv in h)
    if auth != ['Bearer ' + API_KEY]:
        return False, 'authorization: %r' % auth
    if token in blob or 'token=' in r['line'] or 'authorization.' in blob.lower():
        return False, 'user token forwarded: ' + blob
    return True, blob

def main():
    global UP_PORT
    up = Server(('127.0.0.1', 0), Upstream)
    UP_PORT = up.server_address[1]
    threading.Thread(target=up.serve_forever, daemon=True).start()
    global TMP
    tmp = TMP = tempfile.mkdtemp(prefix='check-proxy.')
    os.chmod(tmp, 0o755)
    procs = []
    try:
        # ---------------- HS256, plain HTTP ----------------
        p, port, log, conf, chk_out = start_proxy({'PROXY_JWT_SECRET': SECRET, 'PROXY_ALLOWED_FUNCTIONS': FN_OPEN}, tmp, 'hs256')
        procs.append(p)
        good = hs256(claims(functions=[FN, FN_OTHER]))
        B = lambda t: {'Authorization': 'Bearer ' + t}

        st, h, _, _, recs = get(port)
        check('401 without a token', st == 401 and not recs, st)
        check('401 answer carries CORS headers', h.get('access-control-allow-origin') == '*', h)
        st, *_ = get(port, headers=B('not-a-jwt'))
        check('401 for a malformed token', st == 401, st)
        st, *_ = get(port, headers=B(hs256(claims(functions=[FN]), secret='wrong')))
        check('401 for a forged signature (wrong secret)', st == 401, st)
        parts = good.split('.')
        tampered = parts[0] + '.' + b64u(json.dumps(claims(functions=[FN], sub='admin')).encode()) + '.' + parts[2]
        st, *_ = get(port, headers=B(tampered))
        check('401 for a tampered payload', st == 401, st)
        none_tok = b64u(b'{"alg":"none","typ":"JWT"}') + '.' + b64u(json.dumps(claims(functions=[FN])).encode()) + '.'
        st, *_ = get(port, headers=B(none_tok))
        check('401 for alg none', st == 401, st)
        st, *_ = get(port, headers=B(hs256(claims(functions=[FN], exp=int(time.time()) - 10))))
        check('401 for an expired token (exp)', st == 401, st)
        st, *_ = get(port, headers=B(hs256(claims(functions=[FN], exp=None))))
        check('401 for a token without exp', st == 401, st)
        st, *_ = get(port, headers=B(hs256(claims(functions=[FN], nbf=int(time.time()) + 600))))
        check('401 for a not-yet-valid token (nbf)', st == 401, st)
        st, *_, recs = get(port, headers=B(hs256(claims(functions=[FN], nbf=int(time.time()) - 5))))
        check('200 for a token with nbf in the past', st == 200 and len(recs) == 1, st)

        st, _, _, _, recs = get(port, headers=B(hs256(claims(functions=[FN_OTHER]))))
        check('403 for a function not in the functions claim', st == 403 and not recs, st)
        line, _, _, recs = ws(port, headers={'Sec-WebSocket-Protocol': 'function-id.%s, authorization.%s' % (FN_OPEN + 'x', good)})
        check('403 for a subprotocol function the user may not use', ' 403 ' in line and not recs, line)
        st, *_ = get(port, headers=B(hs256(claims(function_id=FN))))
        check('200 by the function_id claim', st == 200, st)
        line, _, reply, recs = ws(port, headers={'Sec-WebSocket-Protocol': 'function-id.%s, authorization.%s' % (FN_OPEN, hs256(claims()))})
        check('101 by the PROXY_ALLOWED_FUNCTIONS allow-list (no claim)', ' 101 ' in line and reply == b'echo:hello-proxy', line)
        st, *_ = get(port, headers=B(hs256(claims())))
        check('403 for the default function without claim or allow-list', st == 403, st)

        # Token in the Authorization header.
        st, h, raw, _, recs = get(port, '/sign_in?peer_id=peer-1&version=2', headers=B(good))
        ok, blob = upstream_clean(recs, good)
        check('header token: 200 and upstream has Bearer <api key>, no user token', st == 200 and ok, blob)
        rh = dict(recs[0]['headers']) if recs else {}
        check('header token: Function-ID and Function-Version-ID set', rh.get('function-id') == FN and rh.get('function-version-id') == FN_VER, rh)
        check('header token: other query parameters kept', recs and recs[0]['line'].startswith('GET /sign_in?peer_id=peer-1&version=2 '), recs and recs[0]['line'])
        check('CORS headers on a proxied answer', all(h.get(k) == '*' for k in ('access-control-allow-origin', 'access-control-allow-headers', 'access-control-expose-headers')), h)
        cookies = [v for k, v in raw if k.lower() == 'set-cookie']
        attrs = [a.strip().lower() for a in cookies[0].split(';')] if cookies else []
        check('cookie re-scoped: no Domain, Path=/, SameSite=Lax, Max-Age kept',
              len(cookies) == 1 and attrs[0] == 'nvcf-request-id=req-123' and 'path=/' in attrs and 'samesite=lax' in attrs
              and 'max-age=300' in attrs and 'httponly' in attrs and not any(a.startswith('domain') for a in attrs)
              and 'path=/sign_in' not in attrs and 'secure' not in attrs, cookies)

        # Token in ?token=, WebSocket.
        line, hdrs, reply, recs = ws(port, '/sign_in?peer_id=peer-2&token=%s&version=2' % good)
        ok, blob = upstream_clean(recs, good)
        check('query token: WebSocket 101, frame sent and echoed back', ' 101 ' in line and reply == b'echo:hello-proxy', (line, reply))
        check('query token: upstream has Bearer <api key>, token= removed', ok and recs[0]['line'].startswith('GET /sign_in?peer_id=peer-2&version=2 '), blob)
        st, *_ = get(port, '/sign_in?token=%s' % hs256(claims(functions=[FN]), secret='wrong'))
        check('query token: forged one gets 401', st == 401, st)

        # Token in the subprotocol, function id from the subprotocol.
        line, hdrs, reply, recs = ws(port, headers={'Sec-WebSocket-Protocol': 'function-id.%s, authorization.%s, x-nv-sessionid.s1' % (FN_OTHER, good)})
        ok, blob = upstream_clean(recs, good)
        rh = dict(recs[0]['headers']) if recs else {}
        check('subprotocol token: WebSocket 101 both ways', ' 101 ' in line and reply == b'echo:hello-proxy', (line, reply))
        check('subprotocol token: upstream has Bearer <api key>, no authorization.* token', ok, blob)
        check('subprotocol: Function-ID taken from function-id.<id>, no default version',
              rh.get('function-id') == FN_OTHER and 'function-version-id' not in rh, rh)
        echo = dict(hdrs).get('sec-websocket-protocol', '')
        check('subprotocol: 101 selects one offered token, not the user token', echo == 'function-id.' + FN_OTHER, echo)
        line, _, _, recs = ws(port, headers={'Sec-WebSocket-Protocol': 'authorization.Bearer%s' % good})
        check('subprotocol token with Bearer prefix accepted', ' 101 ' in line and upstream_clean(recs, good)[0], line)

        # An interactive session idles for long stretches: the seed's sample
        # closed the tunnel after 7 s.
        line, _, reply, _ = ws(port, headers=B(good), idle=8)
        check('an idle WebSocket outlives 8 s (tunnel timeout 12h)', reply == b'echo:hello-proxy', (line, reply))

        # Preflight.
        st, h, _, _, recs = get(port, headers={'Origin': 'http://app.example', 'Access-Control-Request-Method': 'GET',
                                               'Access-Control-Request-Headers': 'authorization'}, method='OPTIONS')
        check('OPTIONS preflight answered by the proxy (204, CORS, not forwarded)',
              st == 204 and h.get('access-control-allow-origin') == '*' and h.get('access-control-allow-headers') == '*'
              and 'GET' in h.get('access-control-allow-methods', '') and not recs, (st, h))

        # Signal forwarding: SIGTERM to run-local (the entrypoint) stops haproxy.
        stop_proxy(p)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        check('SIGTERM reaches haproxy: run-local exits 0', rc == 0, rc)
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            closed = False
        except OSError:
            closed = True
        check('port closed after SIGTERM', closed)
        log.seek(0)
        out = log.read() + chk_out
        check('hs256: entrypoint and haproxy output have no API key (masked shown)', API_KEY not in out and API_KEY[6:-3] not in out
              and 'API Key: ' in out and 'GET /sign_in' in out, out[-800:])
        check('hs256: output has no JWT secret and no user token', SECRET not in out and good not in out, out[-800:])
        cfg = open(os.path.join(conf, 'haproxy.cfg')).read()
        check('hs256: rendered config holds no API key or secret', API_KEY not in cfg and SECRET not in cfg)

        # ---------------- RS256, TLS ----------------
        key = os.path.join(tmp, 'rsa.pem'); pub = os.path.join(tmp, 'rsa.pub.pem'); key2 = os.path.join(tmp, 'rsa2.pem')
        for k in (key, key2):
            subprocess.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', k], check=True, capture_output=True)
        subprocess.run(['openssl', 'pkey', '-in', key, '-pubout', '-out', pub], check=True, capture_output=True)
        os.chmod(pub, 0o644)
        p, port, log, conf, chk_out = start_proxy({'PROXY_JWT_PUBLIC_KEY_FILE': pub, 'PROXY_SSL_INSECURE': 'true'}, tmp, 'rs256-tls')
        procs.append(p)
        rgood = rs256(claims(functions=[FN]), key)
        line, hdrs, reply, recs = ws(port, headers={'Authorization': 'Bearer ' + rgood}, tls=True)
        ok, blob = upstream_clean(recs, rgood)
        check('TLS (PROXY_SSL_INSECURE=true): RS256 token, WebSocket 101 both ways', ' 101 ' in line and reply == b'echo:hello-proxy' and ok, (line, blob))
        ck = [v for k, v in hdrs if k == 'set-cookie']
        check('TLS: cookie gets Path=/; SameSite=None; Secure, no Domain',
              len(ck) == 1 and 'SameSite=None' in ck[0] and 'Secure' in ck[0] and 'Path=/' in ck[0] and 'Domain' not in ck[0], ck)
        st, *_ = get(port, headers={'Authorization': 'Bearer ' + rs256(claims(functions=[FN]), key2)}, tls=True)
        check('TLS: RS256 token signed by another key gets 401', st == 401, st)
        st, *_ = get(port, headers={'Authorization': 'Bearer ' + hs256(claims(functions=[FN]))}, tls=True)
        check('TLS: HS256 token on an RS256 proxy gets 401', st == 401, st)
        st, *_ = get(port, '/sign_in?token=' + rs256(claims(functions=[FN], exp=int(time.time()) - 1), key), tls=True)
        check('TLS: expired RS256 token gets 401', st == 401, st)
        stop_proxy(p)
        p.wait(timeout=10)
        log.seek(0)
        out = log.read() + chk_out
        check('rs256-tls: output has no API key', API_KEY not in out and API_KEY[6:-3] not in out and 'SSL on' in out, out[-800:])

        # ---------------- upstream over TLS, as to NVCF ----------------
        ca, cert, key = make_ca(tmp, 'gateway')
        other_ca, _, _ = make_ca(tmp, 'other')
        tls_up = TlsServer(('127.0.0.1', 0), Upstream, cert, key)
        threading.Thread(target=tls_up.serve_forever, daemon=True).start()
        upstream_tls = {'PROXY_JWT_SECRET': SECRET, 'NVCF_SERVER': 'localhost',
                        'NVCF_SERVER_PORT': str(tls_up.server_address[1]), 'NVCF_SERVER_TLS': 'true'}
        p, port, log, conf, chk_out = start_proxy(dict(upstream_tls, PROXY_CA_FILE=ca, PROXY_TUNNEL_TIMEOUT='2s'), tmp, 'upstream-tls')
        procs.append(p)
        st, _, _, _, recs = get(port, headers=B(good))
        ok, blob = upstream_clean(recs, good)
        check('upstream TLS: certificate verified against PROXY_CA_FILE, request forwarded with the API key',
              st == 200 and ok, (st, blob))
        check('upstream TLS: SNI names NVCF_SERVER', 'localhost' in TlsServer.sni, TlsServer.sni)
        line, _, reply, recs = ws(port, headers={'Authorization': 'Bearer ' + good})
        check('upstream TLS: WebSocket both ways', ' 101 ' in line and reply == b'echo:hello-proxy', line)
        line, _, reply, _ = ws(port, headers={'Authorization': 'Bearer ' + good}, idle=4)
        check('PROXY_TUNNEL_TIMEOUT=2s closes a WebSocket idle for 4 s', ' 101 ' in line and reply is None, (line, reply))
        stop_proxy(p)
        p.wait(timeout=10)
        p, port, log, conf, chk_out = start_proxy(dict(upstream_tls, PROXY_CA_FILE=other_ca), tmp, 'upstream-distrusted')
        procs.append(p)
        st, _, _, _, recs = get(port, headers=B(good))
        check('upstream TLS: a certificate from another CA is refused (503), nothing forwarded',
              st == 503 and not recs, (st, recs))
        stop_proxy(p)
        p.wait(timeout=10)
        tls_up.shutdown()
    finally:
        for p in procs:
            if p.poll() is None:
                stop_proxy(p)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        up.shutdown()
        for ctr in containers:
            subprocess.run(['buildah', 'rm', ctr], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    failed = [n for n, ok in results if not ok]
    print('\n%d checks, %d passed, %d failed' % (len(results), len(results) - len(failed), len(failed)))
    for n in failed:
        print('FAILED: ' + n)
    sys.exit(1 if failed or not results else 0)

if __name__ == '__main__':
    main()
