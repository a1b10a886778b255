#!/usr/bin/env node
// werift-chatter.mjs: a viewer that talks on the data channel. Joins a
// streamer as a listener (GStreamer's signalling protocol), answers the
// offer with werift, then sends application messages {"app":"ping-N"} on
// the "control" channel every --interval ms and counts the replies. Reports
// one JSON line on stdout: {ok, sent, replies, error}. ok once --replies
// replies came back; it keeps chatting until then, --timeout or a signal.
// Only candidates on 127.0.0.0/8 are signalled (loopback.mjs).
//
//   node werift-chatter.mjs --signalling ws://127.0.0.1:PORT/sign_in
//        [--interval 5] [--replies 200] [--timeout 30]

import WebSocket from 'ws';
import { RTCPeerConnection, useH264, useVP8, useOPUS } from 'werift';
import { parseOptions } from './cli.mjs';
import { loopbackIce, loopbackPair, loopbackSdp, signalCandidate } from './loopback.mjs';

const USAGE = `usage: node werift-chatter.mjs --signalling ws://127.0.0.1:PORT/sign_in
  [--interval MS=5] [--replies N=200] [--timeout S=30]`;

const opts = { signalling: null, interval: 5, replies: 200, timeout: 30 };
const result = { ok: false, sent: 0, replies: 0, error: null };
const log = (...args) => process.stderr.write(`[werift-chatter] ${args.join(' ')}\n`);
let ws = null;
let pc = null;
let sessionId = null;
let producerId = null;
let finished = false;
const pendingIce = [];

function finish(ok, error = null) {
  if (finished) return;
  finished = true;
  result.ok = ok;
  result.error = ok ? null : error;
  try { if (ws && ws.readyState === WebSocket.OPEN && sessionId) ws.send(JSON.stringify({ type: 'endSession', sessionId })); } catch { /* closing */ }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  setTimeout(() => process.exit(ok ? 0 : 1), 200);
}

try {
  parseOptions(process.argv.slice(2), opts, USAGE, (name, arg) => {
    if (name === '--signalling') opts.signalling = arg.take();
    else if (name === '--interval') opts.interval = arg.number();
    else if (name === '--replies') opts.replies = arg.number();
    else if (name === '--timeout') opts.timeout = arg.number();
    else return false;
    return true;
  });
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}\n`);
  process.exit(2);
}

const send = (msg) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };

function chat(channel) {
  channel.onMessage.subscribe((data) => {
    if (String(data).includes('pong')) result.replies++;
    if (result.replies >= opts.replies) finish(true);
  });
  const start = () => {
    log('control channel open: chatting');
    const timer = setInterval(() => {
      if (finished) { clearInterval(timer); return; }
      try { channel.send(JSON.stringify({ app: `ping-${result.sent}` })); result.sent++; } catch (err) { log(`send: ${err.message}`); }
    }, opts.interval);
  };
  if (channel.readyState === 'open') start();
  else channel.stateChanged.subscribe((s) => { if (s === 'open') start(); });
}

function peerConnection() {
  const peer = new RTCPeerConnection({
    ...loopbackIce,
    iceFilterCandidatePair: loopbackPair,
    codecs: { video: [useH264(), useVP8()], audio: [useOPUS()] },
  });
  peer.onIceCandidate.subscribe((c) => {
    if (!c || !c.candidate) return;
    const j = c.toJSON ? c.toJSON() : c;
    if (!signalCandidate(j.candidate)) return;
    send({ type: 'peer', sessionId, ice: { candidate: j.candidate, sdpMLineIndex: j.sdpMLineIndex ?? 0, sdpMid: j.sdpMid } });
  });
  peer.onDataChannel.subscribe((channel) => { if (channel.label === 'control') chat(channel); });
  return peer;
}

// werift 0.24 ignores port-0 bundle-only sections (webrtcbin max-bundle).
const unbundleOnly = (sdp) => sdp.replace(/\nm=(\S+) 0 /g, '\nm=$1 9 ');

async function onMessage(msg) {
  if (msg.type === 'welcome') send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'werift-chatter' } });
  else if (msg.type === 'peerStatusChanged' && (msg.roles || []).includes('producer') && !producerId) start(msg.peerId);
  else if (msg.type === 'peerStatusChanged') send({ type: 'list' });
  else if (msg.type === 'list' && msg.producers?.length && !producerId) start(msg.producers[0].id);
  else if (msg.type === 'sessionStarted') { sessionId = msg.sessionId; pc = peerConnection(); }
  else if (msg.type === 'endSession') { sessionId = null; finish(false, 'streamer ended the session'); }
  else if (msg.type === 'peer' && pc && msg.sessionId === sessionId) {
    if (msg.sdp) {
      const desc = typeof msg.sdp === 'string' ? JSON.parse(msg.sdp) : msg.sdp;
      await pc.setRemoteDescription({ type: 'offer', sdp: unbundleOnly(desc.sdp) });
      for (const ice of pendingIce.splice(0)) await pc.addIceCandidate(ice).catch(() => {});
      await pc.setLocalDescription(await pc.createAnswer());
      send({ type: 'peer', sessionId, sdp: { type: 'answer', sdp: loopbackSdp(pc.localDescription.sdp) } });
    }
    if (msg.ice && msg.ice.candidate) {
      const ice = { candidate: msg.ice.candidate, sdpMLineIndex: msg.ice.sdpMLineIndex ?? 0, sdpMid: msg.ice.sdpMid };
      if (!pc.remoteDescription) pendingIce.push(ice);
      else await pc.addIceCandidate(ice).catch(() => {});
    }
  }
}

function start(id) {
  producerId = id;
  send({ type: 'startSession', peerId: id });
}

setTimeout(() => finish(false, `timed out: ${result.replies}/${opts.replies} replies to ${result.sent} messages`), opts.timeout * 1000);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(false, `interrupted by ${sig}`));
process.on('uncaughtException', (err) => finish(false, `uncaught: ${err && err.message}`));
process.on('unhandledRejection', (err) => finish(false, `unhandled rejection: ${err && err.message}`));

let queue = Promise.resolve();
ws = new WebSocket(opts.signalling);
ws.on('message', (data) => {
  queue = queue.then(() => onMessage(JSON.parse(data.toString()))).catch((err) => finish(false, `handling message: ${err.message}`));
});
ws.on('error', (err) => finish(false, `WebSocket: ${err.message}`));
ws.on('close', (code) => finish(false, `WebSocket closed (code ${code})`));
