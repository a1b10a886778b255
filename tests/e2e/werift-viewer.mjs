#!/usr/bin/env node
// werift-viewer.mjs: a non-browser viewer of a streamer. Speaks GStreamer's
// signalling protocol (listener) with the ws package, answers the offer with
// werift (H.264, VP8, Opus), counts the RTP packets received per track, and
// reports as one JSON line on stdout. werift does not decode. SIGUSR2 makes
// it send a PLI (picture loss: "send a key frame") for the video track.
//
//   node werift-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
//        [--packets 50] [--timeout 20] [--expect-codec H264|VP8]
//        [--input] [--ice JSON] [--subprotocol a,b] [--any-address]
//        [--seconds S] [--protocol ours|baseline] [--progress]
//
// --seconds S: receive for S seconds after the first video packet instead of
// a packet count, and report the video frames seen (`frames`: complete,
// incomplete; a frame is its RTP timestamp, complete when every sequence
// number up to its marker arrived; mediaMs: the RTP time they span). The bench's cost-per-viewer and churn
// runs use it. --protocol baseline speaks bench/baseline-sender's protocol
// (it offers at once: {"type":"offer"|"answer"|"ice"}).
//
// Unless --any-address, only candidates on 127.0.0.0/8 are signalled,
// trickled or in the answer (werift gathers on every interface), and only
// loopback pairs are checked: tests reach 127.0.0.0/8 only, and a streamer
// relaying through TURN would otherwise reach this viewer's other
// addresses too, and could select a pair that this side refuses.
// --progress: log "video packets N" to stderr twice a second. SIGUSR1
// drops the WebSocket (no endSession, as a network failure would) and
// reconnects with the same subprotocols (give an nvcf-reqid.<id> token):
// the streamer resumes the session with a fresh negotiation and ICE
// (result.resumed, videoPacketsBeforeResume).
//
// Exit status 0 only when ok. Diagnostics go to stderr.

import WebSocket from 'ws';
import { RTCPeerConnection, useH264, useVP8, useOPUS } from 'werift';
import { parseOptions } from './cli.mjs';
import { loopbackIce, loopbackPair, loopbackSdp, signalCandidate } from './loopback.mjs';

const USAGE = `usage: node werift-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
  [--packets N=50] [--timeout S=20] [--expect-codec H264|VP8] [--input]
  [--ice JSON] [--subprotocol a,b] [--any-address] [--seconds S]
  [--protocol ours|baseline] [--progress]`;

function parseArgs(argv) {
  const opts = {
    signalling: null,
    packets: 50,
    timeout: 20,
    expectCodec: null,
    input: false,
    ice: null,
    subprotocol: null,
    anyAddress: false,
    seconds: 0,
    protocol: 'ours',
    progress: false,
  };
  parseOptions(argv, opts, USAGE, (name, arg) => {
    switch (name) {
      case '--signalling': opts.signalling = arg.take(); return true;
      case '--packets': opts.packets = arg.number(); return true;
      case '--timeout': opts.timeout = arg.number(); return true;
      case '--expect-codec': opts.expectCodec = arg.take(); return true;
      case '--input': opts.input = true; return true;
      case '--ice': opts.ice = JSON.parse(arg.take()); return true;
      case '--subprotocol': opts.subprotocol = arg.take(); return true;
      case '--any-address': opts.anyAddress = true; return true;
      case '--seconds': opts.seconds = arg.number(); return true;
      case '--progress': opts.progress = true; return true;
      case '--protocol':
        opts.protocol = arg.take();
        if (!['ours', 'baseline'].includes(opts.protocol)) throw new Error('--protocol: ours or baseline');
        return true;
      default: return false;
    }
  });
  return opts;
}

const result = {
  ok: false,
  videoPackets: 0,
  audioPackets: 0,
  codec: null,
  audioCodec: null,
  audioInOffer: false,
  dataChannels: [],
  candidatePair: null,
  replies: [],
  error: null,
  plisSent: 0,
  elapsedMs: 0,
  firstVideoMs: null,
  frames: null,
  resumed: false,
  videoPacketsBeforeResume: null,
  // The playout-delay extension on the first video packet, if the offer
  // has it: { min, max } in ms.
  playoutDelay: null,
};
const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';
let playoutDelayId = null;

const started = Date.now();
const log = (...args) => process.stderr.write(`[werift-viewer] ${args.join(' ')}\n`);
let ws = null;
let pc = null;
let finished = false;

function selectedPair() {
  try {
    const pair = pc && pc.iceTransports.map((t) => t.connection.nominated).find(Boolean);
    if (!pair) return null;
    const c = (cand) => `${cand.type} ${cand.host}:${cand.port}/${cand.transport.toLowerCase()}`;
    return { local: c(pair.protocol.localCandidate), remote: c(pair.remoteCandidate) };
  } catch {
    return null;
  }
}

async function finish(ok, error = null) {
  if (finished) return;
  finished = true;
  result.candidatePair = selectedPair();
  result.ok = ok;
  result.error = ok ? null : error || 'failed';
  result.elapsedMs = Date.now() - started;
  if (opts.seconds) result.frames = frames.summary();
  try { if (opts.protocol === 'ours' && ws && ws.readyState === WebSocket.OPEN && sessionId) ws.send(JSON.stringify({ type: 'endSession', sessionId })); } catch { /* closing anyway */ }
  if (ws && ws.readyState === WebSocket.OPEN) {
    // A clean close flushes what was sent last (the endSession echo).
    await new Promise((resolve) => {
      ws.once('close', resolve);
      setTimeout(resolve, 1000);
      ws.close(1000);
    });
  }
  try { ws && ws.terminate(); } catch { /* closing anyway */ }
  try { if (pc) await Promise.race([pc.close(), new Promise((r) => setTimeout(r, 3000))]); } catch { /* closing anyway */ }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(ok ? 0 : 1);
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

// --- state -------------------------------------------------------------------

let peerId = null;
let producerId = null;
let sessionId = null;
const pendingIce = [];
let nextRequestId = 1;
const inputIds = [];
let control = null;
let videoReceiver = null;
let videoSsrc = null;

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

// Video frames by RTP timestamp, for --seconds: a frame is complete when
// its packets, first to marker, all arrived.
const frames = {
  byTimestamp: new Map(),
  lastSeq: null,
  seqBase: 0,
  add(header) {
    // Extend the 16-bit sequence number across wraps.
    let seq = header.sequenceNumber + this.seqBase;
    if (this.lastSeq !== null && seq < this.lastSeq - 32768) {
      this.seqBase += 65536;
      seq += 65536;
    }
    this.lastSeq = Math.max(this.lastSeq ?? seq, seq);
    let f = this.byTimestamp.get(header.timestamp);
    if (!f) this.byTimestamp.set(header.timestamp, (f = { first: seq, marker: null, packets: new Set() }));
    f.first = Math.min(f.first, seq);
    f.packets.add(seq);
    if (header.marker) f.marker = seq;
  },
  summary() {
    let complete = 0;
    let incomplete = 0;
    for (const f of this.byTimestamp.values()) {
      if (f.marker !== null && f.packets.size === f.marker - f.first + 1) complete++;
      else incomplete++;
    }
    // The media time the frames span (90 kHz RTP clock, first frame's
    // timestamp as the origin so a wrap does not matter): what the sender
    // produced meanwhile, whatever reached this viewer.
    const stamps = [...this.byTimestamp.keys()];
    const after = (t) => { const d = (t - stamps[0] + 2 ** 32) % 2 ** 32; return d > 2 ** 31 ? 0 : d; };
    const span = stamps.length ? Math.max(...stamps.map(after)) : 0;
    return {
      complete, incomplete, mediaMs: span / 90,
      windowMs: result.firstVideoMs === null ? 0 : Date.now() - started - result.firstVideoMs,
    };
  },
};

function check() {
  if (finished) return;
  if (opts.seconds) return; // ends on its timer
  const enoughVideo = result.videoPackets >= opts.packets;
  const audioOk = !result.audioInOffer || result.audioPackets > 0;
  const inputOk = !opts.input || (inputIds.length > 0 && inputIds.every((id) => result.replies.some((r) => r.id === id)));
  if (!(enoughVideo && audioOk && inputOk)) return;
  if (opts.expectCodec && String(result.codec).toUpperCase() !== opts.expectCodec.toUpperCase()) {
    finish(false, `codec ${result.codec}, expected ${opts.expectCodec}`);
    return;
  }
  const bad = result.replies.filter((r) => r.error !== null && r.error !== undefined);
  if (bad.length) {
    finish(false, `input requests failed: ${bad.map((r) => `#${r.id}: ${r.error}`).join('; ')}`);
    return;
  }
  finish(true);
}

// --- peer connection -----------------------------------------------------------

function createPeerConnection() {
  const config = {
    ...loopbackIce,
    iceTransportPolicy: 'all',
    codecs: {
      video: [useH264(), useVP8()],
      audio: [useOPUS()],
    },
    ...(opts.ice || {}),
  };
  if (!opts.anyAddress && config.iceTransportPolicy !== 'relay') {
    // Keep media on 127.0.0.0/8: only pairs between loopback addresses.
    config.iceFilterCandidatePair = loopbackPair;
  }
  const peer = new RTCPeerConnection(config);

  peer.onIceCandidate.subscribe((candidate) => {
    if (!candidate || !candidate.candidate) return;
    const c = candidate.toJSON ? candidate.toJSON() : candidate;
    if (!opts.anyAddress && !signalCandidate(c.candidate)) return;
    if (opts.protocol === 'baseline') {
      send({ type: 'ice', candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0 });
      return;
    }
    send({
      type: 'peer',
      sessionId,
      ice: { candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0, sdpMid: c.sdpMid },
    });
  });

  peer.onTrack.subscribe((track, transceiver) => {
    log(`${track.kind} track`);
    track.onReceiveRtp.subscribe((rtp) => {
      if (track.kind === 'video') {
        if (!videoReceiver) {
          videoReceiver = (transceiver || findTransceiver(track))?.receiver || null;
          videoSsrc = rtp.header.ssrc;
          log(`first video packet, ssrc ${videoSsrc}`);
        }
        result.videoPackets++;
        if (playoutDelayId !== null && !result.playoutDelay) {
          const ext = (rtp.header.extensions || []).find((e) => e.id === playoutDelayId);
          // 12 bits of min, 12 of max, in 10 ms units.
          if (ext && ext.payload.length >= 3) {
            const b = ext.payload;
            result.playoutDelay = { min: ((b[0] << 4) | (b[1] >> 4)) * 10, max: (((b[1] & 0xf) << 8) | b[2]) * 10 };
          }
        }
        if (opts.seconds) {
          if (result.firstVideoMs === null) {
            result.firstVideoMs = Date.now() - started;
            setTimeout(() => finish(true), opts.seconds * 1000);
          }
          frames.add(rtp.header);
        }
        if (!result.codec) result.codec = codecOf(transceiver || findTransceiver(track), rtp.header.payloadType);
      } else if (track.kind === 'audio') {
        result.audioPackets++;
        if (!result.audioCodec) result.audioCodec = codecOf(transceiver || findTransceiver(track), rtp.header.payloadType);
      }
      check();
    });
  });

  peer.onDataChannel.subscribe((channel) => {
    log(`data channel "${channel.label}"`);
    result.dataChannels.push(channel.label);
    if (channel.label !== 'control') return;
    control = channel;
    channel.onMessage.subscribe((data) => {
      try {
        const reply = JSON.parse(data.toString());
        result.replies.push(reply);
        check();
      } catch {
        log(`non-JSON on control: ${data}`);
      }
    });
    const sendInput = () => {
      if (!opts.input) return;
      for (const event of [
        { event: 'MouseMove', x: 10, y: 20, modifier_state: '' },
        { event: 'KeyPress', key: 'a', modifier_state: '' },
        { event: 'KeyRelease', key: 'a', modifier_state: '' },
      ]) {
        const id = nextRequestId++;
        inputIds.push(id);
        channel.send(JSON.stringify({ id, mid: null, request: { type: 'navigationEvent', event } }));
      }
      log(`sent ${inputIds.length} navigation events`);
    };
    if (channel.readyState === 'open') sendInput();
    else channel.stateChanged.subscribe((state) => { if (state === 'open') sendInput(); });
  });

  peer.connectionStateChange.subscribe((state) => {
    log(`peer connection ${state}`);
    if (state === 'failed') finish(false, 'peer connection failed');
  });
  return peer;
}

function findTransceiver(track) {
  return pc.getTransceivers().find((t) => t.receiver.track === track || t.receiver.tracks?.includes(track));
}

function codecOf(transceiver, payloadType) {
  const codecs = transceiver?.codecs || [];
  const codec = codecs.find((c) => c.payloadType === payloadType) || codecs[0];
  if (!codec) return null;
  // Named as Chromium's stats name them: "H264", "VP8", "opus".
  const name = codec.mimeType.split('/')[1];
  return name.toLowerCase() === 'opus' ? 'opus' : name.toUpperCase();
}

async function onOffer(sdp) {
  result.audioInOffer = sdpHasMedia(sdp, 'audio');
  const extmap = sdp.split(/\r?\n/).find((l) => l.startsWith('a=extmap:') && l.includes(PLAYOUT_DELAY_URI));
  if (extmap) playoutDelayId = parseInt(extmap.slice('a=extmap:'.length), 10);
  await pc.setRemoteDescription({ type: 'offer', sdp: unbundleOnly(sdp) });
  for (const ice of pendingIce.splice(0)) await addIce(ice);
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  // werift writes every candidate it gathered into the answer as well.
  const local = opts.anyAddress ? pc.localDescription.sdp : loopbackSdp(pc.localDescription.sdp);
  if (opts.protocol === 'baseline') send({ type: 'answer', sdp: local });
  else send({ type: 'peer', sessionId, sdp: { type: 'answer', sdp: local } });
  log('answer sent');
}

// werift 0.24 announces no track for an m-section with port 0, which is how
// a max-bundle offer (webrtcbin bundle-policy=max-bundle) marks every section
// but the first (a=bundle-only). Give those sections the usual port 9.
function unbundleOnly(sdp) {
  const [head, ...sections] = sdp.split(/(?=\nm=)/);
  return head + sections.map((s) => (/\na=bundle-only\r?(\n|$)/.test(s) ? s.replace(/^(\nm=\S+) 0 /, '$1 9 ') : s)).join('');
}

// An active m-section of that kind: not inactive, port not 0 unless bundle-only.
function sdpHasMedia(sdp, kind) {
  return sdp.split(/\r?\nm=/).slice(1).some((s) => s.startsWith(`${kind} `) &&
    !/\na=inactive\r?(\n|$)/.test(s) && (!/^\S+ 0 /.test(s) || /\na=bundle-only\r?(\n|$)/.test(s)));
}

async function addIce(ice) {
  if (!ice.candidate) return; // end of candidates
  try {
    await pc.addIceCandidate({ candidate: ice.candidate, sdpMLineIndex: ice.sdpMLineIndex ?? 0, sdpMid: ice.sdpMid });
  } catch (err) {
    log(`addIceCandidate: ${err.message}`);
  }
}

// --- signalling ----------------------------------------------------------------

let queue = Promise.resolve();

async function onMessage(text) {
  let msg;
  try { msg = JSON.parse(text); } catch { log('non-JSON message'); return; }
  if (opts.protocol === 'baseline') {
    await onBaselineMessage(msg);
    return;
  }
  switch (msg.type) {
    case 'welcome':
      peerId = msg.peerId;
      send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'werift-viewer' } });
      break;
    case 'peerStatusChanged':
      if (msg.peerId === peerId) send({ type: 'list' });
      else if (!producerId && (msg.roles || []).includes('producer')) startSession(msg.peerId);
      break;
    case 'list':
      if (!producerId && msg.producers && msg.producers.length) startSession(msg.producers[0].id);
      else if (!producerId) log('no producer yet');
      break;
    case 'sessionStarted':
      if (msg.peerId !== producerId) return;
      sessionId = msg.sessionId;
      log(`session ${sessionId}`);
      if (resumeFrom) {
        result.resumed = sessionId === resumeFrom;
        log(result.resumed ? `resumed session ${sessionId}` : `new session instead of ${resumeFrom}`);
      }
      pc = createPeerConnection();
      break;
    case 'peer':
      if (!pc || msg.sessionId !== sessionId) { log(`peer message for unknown session ${msg.sessionId}`); return; }
      if (msg.sdp) {
        const desc = typeof msg.sdp === 'string' ? JSON.parse(msg.sdp) : msg.sdp;
        if (desc.type !== 'offer') { log(`ignoring SDP ${desc.type}`); return; }
        await onOffer(desc.sdp);
      }
      if (msg.ice) {
        if (!pc.remoteDescription) pendingIce.push(msg.ice);
        else await addIce(msg.ice);
      }
      break;
    case 'endSession':
      if (msg.sessionId !== sessionId) return;
      send({ type: 'endSession', sessionId });
      sessionId = null;
      finish(false, `streamer ended the session after ${result.videoPackets} video packets`);
      break;
    case 'error':
      log(`streamer error: ${msg.details}`);
      break;
    default:
      break;
  }
}

// bench/baseline-sender: it offers as soon as the socket opens.
async function onBaselineMessage(msg) {
  if (msg.type === 'offer') {
    pc = createPeerConnection();
    await onOffer(msg.sdp);
  } else if (msg.type === 'ice' && pc) {
    const ice = { candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex };
    if (!pc.remoteDescription) pendingIce.push(ice);
    else await addIce(ice);
  }
}

function startSession(id) {
  producerId = id;
  send({ type: 'startSession', peerId: id });
}

// --- main ----------------------------------------------------------------------

setTimeout(() => {
  const why = [`timed out after ${opts.timeout} s: ${result.videoPackets}/${opts.packets} video packets`];
  if (result.audioInOffer) why.push(`${result.audioPackets} audio packets`);
  if (opts.input) why.push(`${result.replies.length}/${inputIds.length} input replies`);
  if (!sessionId && opts.protocol === 'ours') why.push('no session');
  finish(false, why.join(', '));
}, opts.timeout * 1000);

process.on('SIGUSR2', () => {
  if (!videoReceiver) { log('no video yet: no PLI sent'); return; }
  // sendRtcpPLI is silent when the answer lacks nack pli.
  if (!videoReceiver.pliEnabled) { log('PLI not negotiated: no PLI sent'); return; }
  videoReceiver.sendRtcpPLI(videoSsrc).then(() => {
    result.plisSent++;
    log(`PLI sent for ssrc ${videoSsrc}`);
  }, (err) => log(`PLI: ${err && err.message}`));
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(false, `interrupted by ${sig}`));
process.on('uncaughtException', (err) => finish(false, `uncaught: ${err && err.message}`));
process.on('unhandledRejection', (err) => finish(false, `unhandled rejection: ${err && err.message}`));

const protocols = (opts.subprotocol || '').split(',').map((s) => s.trim()).filter(Boolean);
function connect() {
  const socket = protocols.length ? new WebSocket(opts.signalling, protocols) : new WebSocket(opts.signalling);
  ws = socket;
  socket.on('open', () => log(`connected to ${opts.signalling}${socket.protocol ? ` (subprotocol ${socket.protocol})` : ''}`));
  socket.on('message', (data) => {
    if (socket !== ws) return;
    queue = queue.then(() => onMessage(data.toString())).catch((err) => finish(false, `handling message: ${err.message}`));
  });
  socket.on('error', (err) => { if (socket === ws) finish(false, `WebSocket: ${err.message}`); });
  socket.on('close', (code) => { if (socket === ws && !finished) finish(false, `WebSocket closed (code ${code})`); });
}
connect();

// SIGUSR1: drop the socket without endSession and come back as the same
// client, which the streamer answers with the same session anew.
let resumeFrom = null;
process.on('SIGUSR1', () => {
  if (!sessionId || finished) { log('no session: nothing to resume'); return; }
  resumeFrom = sessionId;
  result.videoPacketsBeforeResume = result.videoPackets;
  log(`dropping the WebSocket of session ${sessionId} after ${result.videoPackets} video packets`);
  const oldWs = ws;
  const oldPc = pc;
  ws = null;
  pc = null;
  sessionId = null;
  producerId = null;
  peerId = null;
  videoReceiver = null;
  pendingIce.length = 0;
  oldWs.terminate();
  Promise.resolve().then(() => oldPc && oldPc.close()).catch(() => { /* gone anyway */ });
  connect();
});
if (opts.progress) setInterval(() => log(`video packets ${result.videoPackets}`), 500);
