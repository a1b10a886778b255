// bench/soak.mjs: one streamer under everything at once for a given time,
// then what it holds against what it held at the start. Run by
// scripts/soak, which builds and sets GST_PLUGIN_PATH.
//   node bench/soak.mjs --launcher PATH [--seconds 600] [--ports MIN-MAX]
//        [--relays MIN-MAX] [--resume-every 60] [--label L] [--out FILE]
//        [--logs DIR]
//
// What runs, all at once, on 127.0.0.1 only:
//   streamer  the launcher (--launcher: nvcf-streamer, as the image runs
//             it, session-policy reuse) with nvcfwebrtcsink
//             (max-sessions=16, resume-timeout=10, request-timeout=3), a
//             small live source
//   coturn    use-auth-secret with a shared secret, as NVCF runs it
//   long      one werift viewer for the whole run, its WebSocket dropped
//             every --resume-every seconds (SIGUSR1) and resumed; a gap of
//             10 s without a new video packet counts as a stall
//   churn     werift viewers one after another, 2 s each, every other one
//             relay-only through coturn with HMAC credentials
//   hostile   abrupt disconnects at every signalling phase (open, welcome,
//             session started, offer, during a resume), bad frames
//             (malformed, unknown, binary, oversized, nested, a flood),
//             slowloris on both ports and bad HTTP requests, each checked
//             for its answer (a protocol error or close code, a 4xx)
//   creds     fresh HMAC TURN credentials posted every 5 s (200 expected)
//   ready     GET /v1/streaming/ready every second: always answered, the
//             status agreeing with the body's state
// The streamer's RSS, open fds, UDP sockets and threads are sampled every
// 10 s. At the end every viewer is gone; once the streamer has settled
// (at most 30 s), its fds, UDP sockets and threads must be back to what it
// held after the first, warm-up session, readiness must be 200 and a new
// viewer must be served. Exit status 0 only when all of that holds and no
// check failed. RSS growth is reported, not judged: allocators keep pages.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from '../tests/e2e/node_modules/ws/wrapper.mjs';
import { fmt, parseArgs, printTable, resources, root, sleep, viewer } from './proc.mjs';

const opts = parseArgs(process.argv.slice(2), {
  seconds: 600, ports: '23920-23959', relays: '63200-63399', 'resume-every': 60,
  label: '', out: '', logs: '', launcher: '',
}, 'soak.mjs');
if (!opts.launcher) {
  process.stderr.write('soak.mjs: --launcher PATH (nvcf-streamer) is needed\n');
  process.exit(2);
}
const logs = opts.logs || fs.mkdtempSync(path.join(os.tmpdir(), 'soak.'));
fs.mkdirSync(logs, { recursive: true });
const log = (...args) => process.stderr.write(`soak.mjs: ${args.join(' ')}\n`);

// ------------------------------------------------------------ helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** One HTTP request to 127.0.0.1:port; resolves {status, body} or {error}. */
function request(port, method, urlPath, body = null, type = 'application/json') {
  return new Promise((resolve) => {
    const headers = body === null ? {} : { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) };
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', (err) => resolve({ error: err.message }));
    if (body !== null) req.write(body);
    req.end();
  });
}

function child(name, cmd, args, env = {}) {
  const out = fs.openSync(path.join(logs, `${name}.log`), 'a');
  const p = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  p.exitedWith = null;
  p.on('exit', (code, signal) => { p.exitedWith = signal || code; });
  return p;
}

async function waitFor(what, check, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

// -------------------------------------------------------- what is counted

const counts = {};
const failures = [];
const count = (name, ok, why = '') => {
  const c = counts[name] || (counts[name] = { ok: 0, failed: 0 });
  if (ok) c.ok++;
  else {
    c.failed++;
    if (failures.length < 50) failures.push(`${name}: ${why}`);
    log(`FAILED ${name}: ${why}`);
  }
};

// ---------------------------------------------------------------- setup

const secret = crypto.randomBytes(16).toString('hex');
const hmacCredentials = (user, lifetime = 600) => {
  const username = `${Math.floor(Date.now() / 1000) + lifetime}:${user}`;
  return { username, password: crypto.createHmac('sha1', secret).update(username).digest('base64') };
};

async function startCoturn() {
  const port = await freePort();
  const [min, max] = opts.relays.split('-');
  const conf = path.join(logs, 'turnserver.conf');
  // The secret is in this file only (0600), never on a command line or in a log.
  fs.writeFileSync(conf, [
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${port}`,
    `min-port=${min}`, `max-port=${max}`, 'use-auth-secret', `static-auth-secret=${secret}`,
    'realm=nvcf.test', 'allow-loopback-peers', 'no-tls', 'no-dtls', 'no-cli', 'no-multicast-peers',
    `userdb=${path.join(logs, 'turndb')}`, `pidfile=${path.join(logs, 'turn.pid')}`,
    'log-file=stdout', 'simple-log', ''].join('\n'), { mode: 0o600 });
  const p = child('coturn', 'turnserver', ['-c', conf]);
  await waitFor('coturn listening', () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 10000);
  return { proc: p, port };
}

async function startStreamer() {
  const streaming = await freePort();
  const control = await freePort();
  const description = ['videotestsrc', 'is-live=true', 'pattern=ball', '!',
    'video/x-raw,width=320,height=240,framerate=30/1', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'bitrate=500', 'key-int-max=30', '!',
    'nvcfwebrtcsink', 'ice-addresses=127.0.0.1', `streaming-port=${streaming}`, `control-port=${control}`,
    'max-sessions=16', 'resume-timeout=10', 'request-timeout=3', 'min-video-bitrate=200',
    'max-video-bitrate=500'].join(' ');
  const p = child('streamer', opts.launcher, ['--session-policy', 'reuse', description],
    { STREAMING_PORT_BINDING_RANGE: opts.ports });
  await waitFor('streamer ready', async () => (await request(control, 'GET', '/v1/streaming/ready')).status === 200,
    30000);
  return { proc: p, streaming, control, url: `ws://127.0.0.1:${streaming}/sign_in` };
}

// ------------------------------------------------------------- the parts

let streamer;
let turn;
let stopping = false;

function postCredentials() {
  const c = hmacCredentials('soak-streamer');
  return request(streamer.control, 'POST', '/v1/streaming/creds',
    JSON.stringify({ stunIp: '127.0.0.1', stunPort: turn.port, ...c }));
}

async function credsLoop() {
  while (!stopping) {
    const r = await postCredentials();
    count('credential posts', r.status === 200, `answered ${r.status || r.error}: ${r.body || ''}`);
    await sleep(5000);
  }
}

async function readyLoop() {
  while (!stopping) {
    const r = await request(streamer.control, 'GET', '/v1/streaming/ready');
    let state = null;
    try { state = JSON.parse(r.body).state; } catch { /* judged below */ }
    const agrees = (r.status === 200) === (state === 'ready') && [200, 500].includes(r.status);
    count('readiness polls', agrees, r.error || `status ${r.status} with body ${r.body}`);
    await sleep(1000);
  }
}

/** The long-lived viewer: resumed every --resume-every s, never stalled. */
async function longViewer(seconds) {
  const args = [path.join(root, 'tests', 'e2e', 'werift-viewer.mjs'), '--signalling', streamer.url,
    '--subprotocol', 'nvcf-reqid.soak-long', '--seconds', String(seconds), '--timeout', String(seconds + 60),
    '--progress'];
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let packets = 0;
  let lastGrowth = Date.now();
  let stalls = 0;
  let resumes = 0;
  p.stdout.on('data', (d) => { out += d; });
  let errTail = '';
  p.stderr.on('data', (d) => {
    errTail = (errTail + d).slice(-4000);
    for (const m of String(d).matchAll(/video packets (\d+)/g)) {
      const n = Number(m[1]);
      // After a resume the count goes on from where it was.
      if (n > packets) { packets = n; lastGrowth = Date.now(); }
    }
  });
  const done = new Promise((resolve) => p.on('close', resolve));
  const watch = (async () => {
    let nextResume = Date.now() + opts['resume-every'] * 1000;
    let stalled = false;
    while (p.exitCode === null && !p.signalCode) {
      await sleep(500);
      const quiet = Date.now() - lastGrowth;
      if (quiet > 10000 && !stalled && packets > 0) {
        stalled = true;
        stalls++;
        count('long viewer', false, `no video packet for ${(quiet / 1000).toFixed(0)} s after ${packets}`);
      } else if (quiet < 1000) stalled = false;
      if (Date.now() >= nextResume && Date.now() + 15000 < deadline && packets > 0) {
        p.kill('SIGUSR1');
        resumes++;
        nextResume = Date.now() + opts['resume-every'] * 1000;
      }
    }
  })();
  await done;
  await watch;
  let report = {};
  try { report = JSON.parse(out.trim().split('\n').pop()); } catch { report = { ok: false, error: errTail.slice(-500) }; }
  count('long viewer', report.ok, report.error || 'failed');
  if (resumes) count('long viewer resumes', report.resumed === true, 'the last resume got a new session');
  return { packets, resumes, stalls, report: { ok: report.ok, error: report.error, frames: report.frames } };
}

async function churnLoop() {
  let i = 0;
  while (!stopping && Date.now() + 8000 < deadline) {
    const relayed = i % 2 === 1;
    const extra = [];
    if (relayed) {
      const c = hmacCredentials(`soak-viewer-${i}`);
      extra.push('--ice', JSON.stringify({
        iceServers: [{ urls: `turn:127.0.0.1:${turn.port}`, username: c.username, credential: c.password }],
        iceTransportPolicy: 'relay',
      }));
    }
    const r = await viewer(streamer.url, 'ours', 2, 25, extra);
    const local = (r.candidatePair && r.candidatePair.local) || '';
    // A relayed viewer's media must cross coturn: its own pair is a relay's.
    const through = !relayed || local.startsWith('relay ');
    count(relayed ? 'churn viewers, relayed' : 'churn viewers, direct', r.ok && through,
      r.ok ? `its pair was ${local || 'none'}, not through the relay` : r.error);
    i++;
  }
}

// A signalling client that stops at a phase: 'open', 'welcome', 'started'
// or 'offer' (terminate there, as a network failure would).
function abrupt(phase, protocols = []) {
  return new Promise((resolve) => {
    const ws = new WebSocket(streamer.url, protocols);
    let producer = null;
    let session = null;
    const timer = setTimeout(() => { ws.terminate(); resolve({ ok: false, why: `never reached ${phase}` }); }, 10000);
    const end = (result) => { clearTimeout(timer); ws.terminate(); resolve(result); };
    ws.on('error', (err) => end({ ok: false, why: err.message }));
    ws.on('open', () => { if (phase === 'open') end({ ok: true }); });
    ws.on('message', (data) => {
      let m;
      try { m = JSON.parse(String(data)); } catch { return; }
      if (m.type === 'welcome') {
        if (phase === 'welcome') { end({ ok: true }); return; }
        ws.send(JSON.stringify({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'soak' } }));
        ws.send(JSON.stringify({ type: 'list' }));
      } else if (m.type === 'list' && !producer && m.producers && m.producers.length) {
        producer = m.producers[0].id;
        ws.send(JSON.stringify({ type: 'startSession', peerId: producer }));
      } else if (m.type === 'sessionStarted' && !session) {
        session = m.sessionId;
        if (phase === 'started') end({ ok: true, session });
      } else if (m.type === 'peer' && m.sdp && phase === 'offer') {
        end({ ok: true, session });
      } else if (m.type === 'error') {
        end({ ok: false, why: `error: ${m.details}` });
      }
    });
  });
}

/** A client that sends one message after welcome and waits for an answer. */
function badFrame(send, expect) {
  return new Promise((resolve) => {
    const ws = new WebSocket(streamer.url);
    const timer = setTimeout(() => { ws.terminate(); resolve({ ok: false, why: 'no answer in 10 s' }); }, 10000);
    const end = (result) => { clearTimeout(timer); ws.terminate(); resolve(result); };
    ws.on('error', (err) => { if (expect.close === undefined) end({ ok: false, why: err.message }); });
    ws.on('close', (code) => end(code === expect.close ? { ok: true } : { ok: false, why: `closed with ${code}` }));
    ws.on('message', (data) => {
      let m;
      try { m = JSON.parse(String(data)); } catch { return; }
      if (m.type === 'welcome') send(ws);
      // A close may follow an error with its reason: wait for the close.
      else if (m.type === 'error' && expect.error) end({ ok: true });
    });
  });
}

/** A client of port that sends one byte every 500 ms and is never done. */
function slowloris(port, text) {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let i = 0;
    const drip = setInterval(() => { if (!s.destroyed) s.write(text[i++ % text.length]); }, 500);
    const end = (result) => { clearInterval(drip); clearTimeout(timer); s.destroy(); resolve(result); };
    // request-timeout=3: disconnected after about 3 s.
    const timer = setTimeout(() => end({ ok: false, why: 'still connected after 10 s' }), 10000);
    s.on('close', () => end(Date.now() - started < 10000 ? { ok: true } : { ok: false, why: 'closed late' }));
    s.on('error', () => { /* close follows */ });
  });
}

const httpProbe = (method, urlPath, body, want, type) => async () => {
  const r = await request(streamer.control, method, urlPath, body, type);
  return r.status === want ? { ok: true } : { ok: false, why: `answered ${r.status || r.error}, not ${want}` };
};

const hostileProbes = {
  'disconnect at open': () => abrupt('open'),
  'disconnect at welcome': () => abrupt('welcome'),
  'disconnect after sessionStarted': () => abrupt('started'),
  'disconnect mid-offer': () => abrupt('offer'),
  'disconnect during resume': async () => {
    const id = [`nvcf-reqid.soak-resume-${crypto.randomBytes(4).toString('hex')}`];
    const first = await abrupt('offer', id);
    if (!first.ok) return first;
    const again = await abrupt('started', id);
    if (!again.ok) return again;
    return again.session === first.session ? { ok: true } : { ok: false, why: 'not resumed to the same session' };
  },
  'malformed JSON': () => badFrame((ws) => ws.send('{"type":'), { error: true }),
  'unknown message': () => badFrame((ws) => ws.send('{"type":"frobnicate"}'), { error: true }),
  'deeply nested message': () => badFrame((ws) => ws.send('['.repeat(100000) + ']'.repeat(100000)), { error: true }),
  'binary frame': () => badFrame((ws) => ws.send(Buffer.alloc(100, 1)), { close: 1003 }),
  'oversized message': () => badFrame((ws) => ws.send(`{"type":"list","x":"${'a'.repeat(2 * 1024 * 1024)}"}`), { close: 1009 }),
  'message flood': () => badFrame((ws) => { for (let k = 0; k < 1000; k++) ws.send('{"type":"list"}'); }, { close: 1008 }),
  'slowloris, control port': () => slowloris(streamer.control, 'GET /v1/streaming/ready HTTP/1.1\r\nX-Slow: '),
  'slowloris, signalling port': () => slowloris(streamer.streaming, 'GET /sign_in HTTP/1.1\r\nUpgrade: websocket\r\n'),
  'creds: malformed JSON': httpProbe('POST', '/v1/streaming/creds', '{"stunIp":', 400),
  'creds: nested JSON': httpProbe('POST', '/v1/streaming/creds', '['.repeat(20000) + ']'.repeat(20000), 400),
  'creds: oversized body': httpProbe('POST', '/v1/streaming/creds', `{"x":"${'a'.repeat(70 * 1024)}"}`, 413),
  'creds: wrong type': httpProbe('POST', '/v1/streaming/creds', 'x', 415, 'text/plain'),
  'ready: wrong method': httpProbe('DELETE', '/v1/streaming/ready', null, 405),
  'endsession: unknown session': httpProbe('POST', '/v1/streaming/endsession',
    '{"sessionId":"soak-nobody","gracefulShutdown":true}', 404),
};

async function hostileLoop() {
  const names = Object.keys(hostileProbes);
  let i = 0;
  while (!stopping && Date.now() + 12000 < deadline) {
    const name = names[i++ % names.length];
    let r;
    try { r = await hostileProbes[name](); } catch (err) { r = { ok: false, why: err.message }; }
    count(`hostile: ${name}`, r.ok, r.why);
    await sleep(300);
  }
}

// ----------------------------------------------------------------- main

let deadline = 0;

async function settled(before) {
  // Sessions left by the last probes end within resume-timeout (10 s).
  let now = resources(streamer.proc.pid);
  const end = Date.now() + 30000;
  while (Date.now() < end) {
    now = resources(streamer.proc.pid);
    if (now.fds <= before.fds && now.udpSockets <= before.udpSockets && now.threads <= before.threads) break;
    await sleep(1000);
  }
  return now;
}

async function main() {
  turn = await startCoturn();
  streamer = await startStreamer();
  log(`streamer pid ${streamer.proc.pid}, signalling ${streamer.url}; logs in ${logs}`);
  const started = Date.now();
  if ((await postCredentials()).status !== 200) throw new Error('the first credential post was refused');
  // Warm-up: one session of each kind, so allocators and caches settle.
  for (const extra of [[], ['--ice', JSON.stringify({
    iceServers: [{ urls: `turn:127.0.0.1:${turn.port}`, ...(({ username, password }) => ({ username, credential: password }))(hmacCredentials('soak-warmup')) }],
    iceTransportPolicy: 'relay' })]]) {
    const r = await viewer(streamer.url, 'ours', 1, 25, extra);
    if (!r.ok) throw new Error(`warm-up viewer: ${r.error}`);
  }
  await sleep(3000);
  const before = resources(streamer.proc.pid);
  const samples = [{ t: 0, ...before }];
  deadline = Date.now() + opts.seconds * 1000;
  const sampler = (async () => {
    while (!stopping) {
      await sleep(10000);
      if (streamer.proc.exitedWith !== null) {
        count('streamer alive', false, `exited with ${streamer.proc.exitedWith}`);
        stopping = true;
        return;
      }
      samples.push({ t: Math.round((Date.now() - deadline + opts.seconds * 1000) / 1000), ...resources(streamer.proc.pid) });
    }
  })();
  const parts = [credsLoop(), readyLoop(), churnLoop(), hostileLoop()];
  const long = await longViewer(Math.max(5, opts.seconds - 10));
  while (Date.now() < deadline && !stopping) await sleep(500);
  stopping = true;
  await Promise.all(parts);
  await sampler;

  const after = streamer.proc.exitedWith === null ? await settled(before) : before;
  const alive = streamer.proc.exitedWith === null;
  if (alive) {
    for (const k of ['fds', 'udpSockets', 'threads']) {
      count(`left open: ${k}`, after[k] <= before[k], `${before[k]} before, ${after[k]} after`);
    }
    const ready = await request(streamer.control, 'GET', '/v1/streaming/ready');
    count('ready at the end', ready.status === 200, `answered ${ready.status || ready.error}`);
    const last = await viewer(streamer.url, 'ours', 1, 25);
    count('served at the end', last.ok, last.error);
  }
  count('streamer alive', alive, `exited with ${streamer.proc.exitedWith}`);

  const total = Object.values(counts).reduce((a, c) => ({ ok: a.ok + c.ok, failed: a.failed + c.failed }), { ok: 0, failed: 0 });
  const faults = Object.entries(counts).filter(([k]) => k.startsWith('hostile: ')).reduce((a, [, c]) => a + c.ok + c.failed, 0);
  const sessions = ['churn viewers, direct', 'churn viewers, relayed'].reduce((a, k) => a + (counts[k] ? counts[k].ok : 0), 0);
  const peakRss = Math.max(...samples.map((s) => s.rssKiB));
  printTable(`${opts.label || 'soak'}: ${opts.seconds} s, one streamer, everything at once`, ['figure', 'value'], [
    ['churn sessions served (direct + relayed)', `${sessions}`],
    ['long viewer: video packets, resumes, stalls', `${long.packets}, ${long.resumes}, ${long.stalls}`],
    ['hostile faults injected', `${faults}`],
    ['credential posts, readiness polls', `${counts['credential posts']?.ok || 0}, ${counts['readiness polls']?.ok || 0}`],
    ['checks passed / failed', `${total.ok} / ${total.failed}`],
    ['RSS start -> peak -> end', `${fmt(before.rssKiB / 1024)} -> ${fmt(peakRss / 1024)} -> ${fmt(after.rssKiB / 1024)} MiB`],
    ['open fds (start -> end)', `${before.fds} -> ${after.fds}`],
    ['UDP sockets (start -> end)', `${before.udpSockets} -> ${after.udpSockets}`],
    ['threads (start -> end)', `${before.threads} -> ${after.threads}`],
    ['wall time', `${((Date.now() - started) / 1000).toFixed(0)} s`],
  ]);
  printTable('checks', ['check', 'ok', 'failed'], Object.entries(counts).map(([k, c]) => [k, c.ok, c.failed]));
  for (const f of failures) log(`failure: ${f}`);
  const report = {
    label: opts.label, date: new Date().toISOString(), options: opts, counts, failures, long,
    sessions, faults, before, after, samples, rssGrowthMiB: (after.rssKiB - before.rssKiB) / 1024,
  };
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  return total.failed === 0;
}

function shutdown() {
  for (const p of [streamer && streamer.proc, turn && turn.proc]) if (p && p.exitedWith === null) p.kill('SIGTERM');
}

main().then((ok) => {
  shutdown();
  process.exit(ok ? 0 : 1);
}, (err) => {
  console.error(`soak.mjs: ${err.stack || err}`);
  shutdown();
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { shutdown(); process.exit(130); });
