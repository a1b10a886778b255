// bench/page.mjs: one measured viewer session, of the streamer (our web
// client, web/nvcf-client.js) or of bench/baseline-sender (its two-message
// protocol). Query: mode=ours|baseline, url=ws://..., frames=N.
// For each decoded frame (requestVideoFrameCallback) it reads the capture
// time nvcflatencystamp drew into the picture (core/latencystamp.h: 48
// blocks, 40 bits of microseconds then 0x5a XOR the five bytes) and
// records, in ms after capture: "received" (the frame's last packet
// arrived, metadata.receiveTime) and "display" (metadata.expectedDisplayTime).
// It also times the session's phases from the moment it opens the socket.
// Everything ends up in window.benchResult.

import { NvcfClient, ClientState } from '../web/nvcf-client.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') || 'ours';
const url = params.get('url');
const wanted = Number(params.get('frames') || 150);
const video = document.getElementById('video');
const canvas = document.getElementById('stamp');
const ctx = canvas.getContext('2d', { willReadFrequently: true });

const nowMs = () => performance.timeOrigin + performance.now();
const t0 = nowMs();
const phases = {};
const mark = (name) => { if (!(name in phases)) phases[name] = nowMs() - t0; };
const frames = [];
let unreadable = 0;

const PERIOD = 2 ** 40;
function readStamp(width, height) {
  const block = Math.min(32, Math.floor(width / 24));
  if (block < 8 || 2 * block > height) return null;
  canvas.width = 24 * block;
  canvas.height = 2 * block;
  ctx.drawImage(video, 0, 0, 24 * block, 2 * block, 0, 0, 24 * block, 2 * block);
  const img = ctx.getImageData(0, 0, 24 * block, 2 * block).data;
  const bits = [];
  for (let i = 0; i < 48; i++) {
    // Integer division, as the C++ reader: the middle half of the block.
    const quarter = Math.floor(block / 4);
    const half = Math.floor(block / 2);
    const x0 = (i % 24) * block + quarter;
    const y0 = Math.floor(i / 24) * block + quarter;
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y0 + half; y++) {
      for (let x = x0; x < x0 + half; x++, n++) {
        const p = (y * 24 * block + x) * 4;
        sum += 0.299 * img[p] + 0.587 * img[p + 1] + 0.114 * img[p + 2];
      }
    }
    const mean = sum / n;
    // As core/latencystamp.cpp: a grey block is no stamp (half-decoded or
    // concealed), only a guess. Canvas pixels are full range: 16 and 235
    // come out near 0 and 255.
    if (mean > 55 && mean < 200) return null;
    bits.push(mean >= 128 ? 1 : 0);
  }
  let t = 0;
  for (let i = 0; i < 40; i++) t = t * 2 + bits[i];
  let check = 0;
  for (let i = 40; i < 48; i++) check = check * 2 + bits[i];
  let expect = 0x5a;
  for (let b = 0; b < 5; b++) expect ^= Math.floor(t / 2 ** (8 * b)) % 256;
  if (check !== expect) return null;
  // The full time nearest to ours (the stamp wraps every 2^40 us).
  const now = nowMs() * 1000;
  const base = now - (now % PERIOD);
  let best = base + t;
  for (const c of [base - PERIOD + t, base + PERIOD + t]) {
    if (Math.abs(c - now) < Math.abs(best - now)) best = c;
  }
  return best / 1000;
}

function onFrame(_now, meta) {
  mark('firstFrame');
  const capture = readStamp(meta.width, meta.height);
  if (capture === null) {
    unreadable++;
  } else {
    frames.push({
      capture,
      rtp: meta.rtpTimestamp,
      received: performance.timeOrigin + meta.receiveTime - capture,
      display: performance.timeOrigin + meta.expectedDisplayTime - capture,
      presented: performance.timeOrigin + meta.presentationTime - capture,
      callback: performance.timeOrigin + _now - capture,
    });
  }
  if (frames.length >= wanted) finish(null);
  else video.requestVideoFrameCallback(onFrame);
}

// A callback that runs late may draw a newer picture than the one its
// metadata describes: its stamp is then a frame or more ahead, and its
// latency too short. For a frame drawn with its own metadata, capture time
// minus RTP time (90 kHz, from the same running time) is the same constant;
// frames more than 8 ms past the median of that offset are dropped (counted
// as mispaired).
function pairFrames() {
  if (!frames.length || frames.some((f) => typeof f.rtp !== 'number')) return 0;
  let unwrapped = 0;
  let last = frames[0].rtp;
  const offsets = frames.map((f) => {
    let d = f.rtp - last;
    if (d < -(2 ** 31)) d += 2 ** 32;
    unwrapped += d;
    last = f.rtp;
    f.offset = f.capture - unwrapped / 90;
    return f.offset;
  });
  const sorted = [...offsets].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)];
  const before = frames.length;
  const kept = frames.filter((f) => f.offset - mid <= 8);
  frames.length = 0;
  frames.push(...kept);
  return before - kept.length;
}

// Where the receiver's time goes, per frame (ms), from its inbound-rtp
// statistics: the jitter buffer (and its target), decoding, and receipt to
// decoded in all.
async function receiverStats() {
  if (!currentPeer) return {};
  const per = (total, count) => (count > 0 && typeof total === 'number' ? (1000 * total) / count : null);
  try {
    for (const r of (await currentPeer.getStats()).values()) {
      if (r.type !== 'inbound-rtp' || r.kind !== 'video') continue;
      return {
        jitterBuffer: per(r.jitterBufferDelay, r.jitterBufferEmittedCount),
        jitterBufferTarget: per(r.jitterBufferTargetDelay, r.jitterBufferEmittedCount),
        decode: per(r.totalDecodeTime, r.framesDecoded),
        processing: per(r.totalProcessingDelay, r.framesDecoded),
        framesDropped: r.framesDropped, nacks: r.nackCount, plis: r.pliCount, keyFrames: r.keyFramesDecoded,
      };
    }
  } catch { /* figures are optional */ }
  return {};
}

let done = false;
let stop = () => {};
let mispaired = 0;
async function finish(error) {
  if (done) return;
  done = true;
  const receiver = await receiverStats();
  stop();
  mispaired = pairFrames();
  // The header extensions this viewer agreed to (its answer).
  const sdp = currentPeer && currentPeer.localDescription ? currentPeer.localDescription.sdp : '';
  const extmap = sdp.split(/\r?\n/).filter((l) => l.startsWith('a=extmap:'));
  window.benchResult = { mode, error, phases, frames, unreadable, mispaired, extmap, receiver,
    width: video.videoWidth, height: video.videoHeight };
}

let currentPeer = null;
function watchPeer(pc) {
  currentPeer = pc;
  pc.addEventListener('iceconnectionstatechange', () => {
    if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') {
      mark('iceConnected');
    }
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') mark('dtlsConnected');
    if (pc.connectionState === 'failed') finish('peer connection failed');
  });
}

function show(stream) {
  if (video.srcObject !== stream) {
    video.srcObject = stream;
    video.requestVideoFrameCallback(onFrame);
  }
}

function runOurs() {
  const client = new NvcfClient({ url });
  const create = client.createPeerConnection.bind(client);
  client.createPeerConnection = () => {
    create();
    watchPeer(client.pc);
  };
  client.addEventListener('statechange', (ev) => {
    const s = ev.detail.state;
    if (s === ClientState.REGISTERING) mark('welcome');
    if (s === ClientState.NEGOTIATING) mark('sessionStarted');
    if (s === ClientState.FAILED || s === ClientState.ENDED) finish(`client ${s}: ${ev.detail.reason}`);
  });
  client.addEventListener('track', (ev) => show(ev.detail.stream));
  client.connect();
  client.ws.addEventListener('open', () => mark('wsOpen'));
  client.ws.addEventListener('message', (ev) => {
    if (/"sdp"/.test(ev.data)) mark('offer');
  });
  stop = () => client.disconnect('bench done');
}

function runBaseline() {
  const ws = new WebSocket(url);
  const pc = new RTCPeerConnection({ iceServers: [] });
  watchPeer(pc);
  pc.ontrack = (ev) => show(ev.streams[0] || new MediaStream([ev.track]));
  pc.onicecandidate = (ev) => {
    if (ev.candidate && ev.candidate.candidate) {
      ws.send(JSON.stringify({ type: 'ice', candidate: ev.candidate.candidate,
        sdpMLineIndex: ev.candidate.sdpMLineIndex }));
    }
  };
  ws.onopen = () => { mark('wsOpen'); mark('welcome'); mark('sessionStarted'); };
  ws.onmessage = async (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'offer') {
      mark('offer');
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      ws.send(JSON.stringify({ type: 'answer', sdp: answer.sdp }));
    } else if (msg.type === 'ice') {
      await pc.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex });
    }
  };
  ws.onclose = () => finish(done ? null : 'socket closed');
  stop = () => { pc.close(); ws.close(); };
}

setTimeout(() => finish(`timeout: ${frames.length} of ${wanted} frames`), Math.max(60000, wanted * 100));
if (mode === 'baseline') runBaseline(); else runOurs();
