#!/usr/bin/env node
// ws-probe.mjs: a signalling-only client. It asks the streamer for a session
// the way a viewer does (welcome -> setPeerStatus -> list -> startSession),
// never answers the offer, and reports what the streamer said as one JSON
// line on stdout. Diagnostics go to stderr.
//
//   node ws-probe.mjs --signalling ws://127.0.0.1:PORT/sign_in
//        [--timeout 10] [--after-start-ms 0] [--subprotocol a,b]
//
// --after-start-ms N: once sessionStarted arrives, wait up to N ms for an
// `error` or `endSession` for that session (a session that fails after it
// started, e.g. when ICE finds no port) before reporting.
//
// Output: {"ok","event","details","errors","sessionId","offer","candidates","elapsedMs"}
//   event: "error" (refused, or the session failed), "endSession",
//          "sessionStarted" (and nothing bad within --after-start-ms),
//          "timeout" or "closed".
//   ok: the probe ran to an answer (event is not timeout or closed).
// Exit status 0 when ok.

import WebSocket from 'ws';
import { parseOptions } from './cli.mjs';

const USAGE = `usage: node ws-probe.mjs --signalling ws://127.0.0.1:PORT/sign_in
  [--timeout S=10] [--after-start-ms N=0] [--subprotocol a,b]`;

function parseArgs(argv) {
  const opts = { signalling: null, timeout: 10, afterStartMs: 0, subprotocol: null };
  parseOptions(argv, opts, USAGE, (name, arg) => {
    switch (name) {
      case '--signalling': opts.signalling = arg.take(); return true;
      case '--timeout': opts.timeout = arg.number(); return true;
      case '--after-start-ms': opts.afterStartMs = arg.number(); return true;
      case '--subprotocol': opts.subprotocol = arg.take(); return true;
      default: return false;
    }
  });
  return opts;
}

const result = {
  ok: false,
  event: null,
  details: null,
  errors: [],
  sessionId: null,
  offer: false,
  candidates: 0,
  elapsedMs: 0,
};
const started = Date.now();
const log = (...args) => process.stderr.write(`[ws-probe] ${args.join(' ')}\n`);
let ws = null;
let finished = false;
let producerId = null;
let peerId = null;

async function finish(event, details = null) {
  if (finished) return;
  finished = true;
  result.event = event;
  if (details !== null) result.details = details;
  result.ok = event !== 'timeout' && event !== 'closed';
  result.elapsedMs = Date.now() - started;
  if (ws && ws.readyState === WebSocket.OPEN) {
    // Leave no session behind: end ours (unless the streamer did), then close.
    if (result.sessionId && event !== 'endSession') {
      try { ws.send(JSON.stringify({ type: 'endSession', sessionId: result.sessionId })); } catch { /* closing */ }
    }
    await new Promise((resolve) => {
      ws.once('close', resolve);
      setTimeout(resolve, 1000);
      ws.close(1000);
    });
  }
  try { ws && ws.terminate(); } catch { /* closing anyway */ }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.ok ? 0 : 1);
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}\n`);
  result.error = `bad arguments: ${err.message}`;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(2);
}

const send = (msg) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };

function onMessage(text) {
  let msg;
  try { msg = JSON.parse(text); } catch { log('non-JSON message'); return; }
  switch (msg.type) {
    case 'welcome':
      peerId = msg.peerId;
      send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'ws-probe' } });
      break;
    case 'peerStatusChanged':
      if (msg.peerId === peerId) send({ type: 'list' });
      else if (!producerId && (msg.roles || []).includes('producer')) start(msg.peerId);
      break;
    case 'list':
      if (!producerId && msg.producers && msg.producers.length) start(msg.producers[0].id);
      else if (!producerId) log('no producer yet');
      break;
    case 'sessionStarted':
      if (msg.peerId !== producerId || result.sessionId) return;
      result.sessionId = msg.sessionId;
      log(`session ${msg.sessionId}`);
      if (opts.afterStartMs <= 0) { finish('sessionStarted'); return; }
      setTimeout(() => finish('sessionStarted'), opts.afterStartMs);
      break;
    case 'peer':
      if (msg.sessionId !== result.sessionId) return;
      if (msg.sdp) result.offer = true;
      if (msg.ice && msg.ice.candidate) result.candidates++;
      break;
    case 'error':
      log(`error: ${msg.details}`);
      result.errors.push(msg.details);
      finish('error', msg.details);
      break;
    case 'endSession':
      if (msg.sessionId !== result.sessionId) return;
      finish('endSession');
      break;
    default:
      break;
  }
}

function start(id) {
  producerId = id;
  send({ type: 'startSession', peerId: id });
}

setTimeout(() => finish('timeout', `no answer within ${opts.timeout} s`), opts.timeout * 1000);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish('closed', `interrupted by ${sig}`));

const protocols = (opts.subprotocol || '').split(',').map((s) => s.trim()).filter(Boolean);
ws = protocols.length ? new WebSocket(opts.signalling, protocols) : new WebSocket(opts.signalling);
ws.on('open', () => log(`connected to ${opts.signalling}`));
ws.on('message', (data) => onMessage(data.toString()));
ws.on('error', (err) => finish('closed', `WebSocket: ${err.message}`));
ws.on('close', (code) => finish('closed', `WebSocket closed (code ${code})`));
