// app.js: the page around NvcfClient (nvcf-client.js): query parameters,
// buttons, status line, statistics panel, input wiring, and window.nvcf for
// tests.
//
// Query parameters:
//   signalling=ws://host:port/sign_in  default ws(s)://<page host>:49100/sign_in
//   subprotocol=a,b                     WebSocket subprotocols to offer
//   ice=<JSON>                          RTCConfiguration ({"iceServers":[..],
//                                       "iceTransportPolicy":"relay"}) or an
//                                       iceServers array; default {"iceServers":[]}
//   autoconnect=0                       do not connect on load
//   name=<text>                         meta.name sent in setPeerStatus
//   reqid=<id>                          resume identity (nvcf-reqid token);
//                                       default a random one per page

import { NvcfClient, ClientState, StatsSampler, attachNavigation } from './nvcf-client.js';

const $ = (id) => document.getElementById(id);
const ui = {
  video: $('video'),
  url: $('signalling-url'),
  connect: $('connect'),
  unmute: $('unmute'),
  fullscreen: $('fullscreen'),
  status: $('status'),
  overlay: $('overlay'),
  stats: $('stats'),
  log: $('log'),
};

// --- configuration from the query ------------------------------------------

const params = new URLSearchParams(location.search);

function defaultSignallingUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const host = location.hostname || '127.0.0.1';
  return `${scheme}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:49100/sign_in`;
}

function rtcConfigFromQuery() {
  const text = params.get('ice');
  if (!text) return { iceServers: [] };
  try {
    const parsed = JSON.parse(text);
    if (Array.isArray(parsed)) return { iceServers: parsed };
    if (parsed && typeof parsed === 'object') return { iceServers: [], ...parsed };
    throw new Error('not an object or array');
  } catch (err) {
    logLine('error', `ignoring ?ice=: ${err.message}`);
    return { iceServers: [] };
  }
}

const protocols = (params.get('subprotocol') || '').split(',').map((s) => s.trim()).filter(Boolean);
ui.url.value = params.get('signalling') || defaultSignallingUrl();

// --- client ----------------------------------------------------------------

const client = new NvcfClient({
  url: ui.url.value,
  protocols,
  rtcConfig: rtcConfigFromQuery(),
  meta: { name: params.get('name') || 'nvcf-web-client' },
  // One identity per page: a dropped socket reconnects and resumes.
  requestId: params.get('reqid') || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now())),
});

const STATUS_TEXT = {
  [ClientState.IDLE]: 'Not connected',
  [ClientState.CONNECTING]: 'Connecting to the signalling server…',
  [ClientState.REGISTERING]: 'Registering as a viewer…',
  [ClientState.WAITING_PRODUCER]: 'Waiting for the streamer…',
  [ClientState.STARTING]: 'Starting a session…',
  [ClientState.NEGOTIATING]: 'Negotiating media…',
  [ClientState.CONNECTED]: 'Connected',
  [ClientState.RECONNECTING]: 'Connection lost, resuming…',
  [ClientState.ENDED]: 'Session ended',
  [ClientState.FAILED]: 'Failed',
};

function setStatus(state, reason) {
  const text = STATUS_TEXT[state] || state;
  ui.status.textContent = reason && state !== ClientState.CONNECTED ? `${text}: ${reason}` : text;
  ui.status.dataset.state = state;
  const busy = ![ClientState.IDLE, ClientState.ENDED, ClientState.FAILED].includes(state);
  ui.connect.textContent = busy ? 'Disconnect' : 'Connect';
  ui.connect.classList.toggle('danger', busy);
  ui.url.disabled = busy;
  ui.overlay.hidden = state === ClientState.CONNECTED && ui.video.videoWidth > 0;
  ui.overlay.textContent = text;
}

client.addEventListener('statechange', (ev) => setStatus(ev.detail.state, ev.detail.reason));
client.addEventListener('log', (ev) => logLine(ev.detail.level, ev.detail.message));
client.addEventListener('servererror', (ev) => {
  ui.status.textContent = `${STATUS_TEXT[client.state] || client.state} (streamer error: ${ev.detail.details})`;
});
client.addEventListener('track', (ev) => {
  if (ui.video.srcObject !== ev.detail.stream) ui.video.srcObject = ev.detail.stream;
  ui.video.play().catch((err) => logLine('warn', `video.play(): ${err.message}`));
});

ui.video.addEventListener('resize', () => setStatus(client.state));
ui.video.addEventListener('loadedmetadata', () => setStatus(client.state));

ui.connect.addEventListener('click', () => {
  if ([ClientState.IDLE, ClientState.ENDED, ClientState.FAILED].includes(client.state)) {
    client.url = ui.url.value.trim();
    client.connect();
  } else {
    client.disconnect();
  }
});

ui.unmute.addEventListener('click', () => {
  ui.video.muted = !ui.video.muted;
  if (!ui.video.muted) ui.video.play().catch(() => {});
  ui.unmute.textContent = ui.video.muted ? 'Unmute' : 'Mute';
  ui.unmute.setAttribute('aria-pressed', String(!ui.video.muted));
});

ui.fullscreen.addEventListener('click', () => {
  const stage = ui.video.parentElement;
  if (document.fullscreenElement) document.exitFullscreen();
  else stage.requestFullscreen?.().then(() => ui.video.focus()).catch(() => {});
});

// --- input -----------------------------------------------------------------

attachNavigation(ui.video, (event) => client.sendNavigation(event));

// --- statistics ------------------------------------------------------------

const STAT_ROWS = [
  ['State', (s) => s.clientState],
  ['Codec', (s) => [s.videoCodec, s.audioCodec].filter(Boolean).join(' + ') || '–'],
  ['Resolution', (s) => (s.width ? `${s.width}×${s.height}` : '–')],
  ['Frame rate', (s) => (s.framesPerSecond ? `${s.framesPerSecond.toFixed(1)} fps` : '–')],
  ['Frames decoded', (s) => `${s.framesDecoded}${s.framesDropped ? ` (${s.framesDropped} dropped)` : ''}`],
  ['Video bitrate', (s) => kbps(s.videoBitrateKbps)],
  ['Audio bitrate', (s) => (s.sdpHasAudio ? kbps(s.audioBitrateKbps) : 'no audio')],
  ['Round-trip time', (s) => (s.roundTripTimeMs === null ? '–' : `${s.roundTripTimeMs} ms`)],
  ['Decode time', (s) => (s.decodeTimePerFrameMs === null ? '–' : `${s.decodeTimePerFrameMs} ms/frame`)],
  ['Jitter buffer', (s) => (s.jitterBufferDelayMs === null ? '–' : `${s.jitterBufferDelayMs} ms`)],
  ['Packets lost', (s) => `video ${s.videoPacketsLost}, audio ${s.audioPacketsLost}`],
  ['Packets received', (s) => `video ${s.videoPacketsReceived}, audio ${s.audioPacketsReceived}`],
  ['NACK / PLI', (s) => `${s.nackCount} / ${s.pliCount}`],
  ['Local candidate', (s) => (s.candidatePair ? s.candidatePair.local : '–')],
  ['Remote candidate', (s) => (s.candidatePair ? s.candidatePair.remote : '–')],
  ['Input', (s) => `${s.inputReady ? 'ready' : 'not ready'}, ${s.inputSent} sent, ${s.inputReplies} replies, ${s.inputErrors} errors`],
];

function kbps(v) {
  return v === null ? '–' : `${v} kbit/s`;
}

const statCells = STAT_ROWS.map(([label]) => {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = '–';
  ui.stats.append(dt, dd);
  return dd;
});

/** A plain object describing the client and its media right now. */
async function collect(sampler) {
  const s = await sampler.sample(client.pc);
  return {
    ...s,
    clientState: client.state,
    clientReason: client.stateReason,
    peerId: client.peerId,
    sessionId: client.sessionId,
    channels: Object.fromEntries([...client.channels].map(([label, ch]) => [label, ch.readyState])),
    inputReady: client.inputReady,
    inputSent: client.sent.length,
    inputReplies: client.replies.length,
    inputErrors: client.replies.filter((r) => r && r.error).length,
    videoElementWidth: ui.video.videoWidth,
    videoElementHeight: ui.video.videoHeight,
    videoPaused: ui.video.paused,
    videoMuted: ui.video.muted,
  };
}

const panelSampler = new StatsSampler();
let panelBusy = false;
setInterval(async () => {
  if (panelBusy) return;
  panelBusy = true;
  try {
    const s = await collect(panelSampler);
    STAT_ROWS.forEach(([, fmt], i) => { statCells[i].textContent = fmt(s); });
  } catch (err) {
    logLine('warn', `getStats: ${err.message}`);
  } finally {
    panelBusy = false;
  }
}, 1000);

// --- log -------------------------------------------------------------------

function logLine(level, message) {
  const line = `${new Date().toISOString().slice(11, 23)} ${level.padEnd(5)} ${message}`;
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(`[nvcf] ${message}`);
  if (level === 'debug' || !ui.log) return;
  const div = document.createElement('div');
  div.className = `log-${level}`;
  div.textContent = line;
  ui.log.append(div);
  while (ui.log.childElementCount > 200) ui.log.firstElementChild.remove();
  ui.log.scrollTop = ui.log.scrollHeight;
}

// --- for tests -------------------------------------------------------------

const testSampler = new StatsSampler();
window.nvcf = {
  client,
  video: ui.video,
  stats: () => collect(testSampler),
  lastReplies: client.replies, // data-channel answers, newest last
  inputSent: client.sent, // navigation events sent, newest last
  connect: () => client.connect(),
  disconnect: () => client.disconnect(),
  dropConnection: () => client.dropConnection(),
};

// Tell the streamer when the page goes away, so it can free the session now.
window.addEventListener('pagehide', () => client.disconnect('page closed'));

setStatus(client.state);
if (params.get('autoconnect') !== '0') client.connect();
