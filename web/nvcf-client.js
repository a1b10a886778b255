// nvcf-client.js: the viewer side of nvcfwebrtcsink, as an ES module with no
// dependencies.
//
// - NvcfClient: GStreamer's WebRTC signalling protocol (listener role), one
//   RTCPeerConnection answering the streamer's offer, and the "control" and
//   "input" data channels that the streamer creates.
// - Navigation helpers: DOM events to GstNavigation events (coordinates in
//   video pixels, X keysym names, modifier mask nicks).
// - StatsSampler: RTCPeerConnection.getStats() to one plain object.
//
// Nothing here touches the page's DOM beyond the elements it is handed, so
// tests can import it and drive a client directly.

// ---------------------------------------------------------------------------
// NvcfClient
// ---------------------------------------------------------------------------

/** Client states, in the order a good session passes through them. */
export const ClientState = Object.freeze({
  IDLE: 'idle', // not connected
  CONNECTING: 'connecting', // WebSocket opening, waiting for welcome
  REGISTERING: 'registering', // setPeerStatus and list sent, waiting for the echo
  WAITING_PRODUCER: 'waiting-producer', // listed, no producer yet
  STARTING: 'starting', // startSession sent
  NEGOTIATING: 'negotiating', // session started, offer/answer/ICE
  CONNECTED: 'connected', // peer connection connected
  RECONNECTING: 'reconnecting', // socket dropped; coming back to resume the session
  ENDED: 'ended', // session ended (by either side)
  FAILED: 'failed', // socket or peer connection failed
});

const MAX_KEPT_MESSAGES = 200;

/**
 * One viewer of a streamer. Events (all `CustomEvent`s, payload in `detail`):
 *   statechange {state, reason}
 *   track       {track, streams, stream}   (stream holds every received track)
 *   reply       {reply}                    (a data-channel answer)
 *   servererror {details}                  (an `error` message: not fatal)
 *   channel     {label, state}
 *   log         {level, message}
 */
export class NvcfClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url signalling URL (ws:// or wss://)
   * @param {string[]} [options.protocols] WebSocket subprotocols to offer
   * @param {RTCConfiguration} [options.rtcConfig] defaults to {iceServers: []}
   * @param {object} [options.meta] the `meta` of setPeerStatus
   * @param {string} [options.requestId] identity offered as the subprotocol
   *   token nvcf-reqid.<id>; when the socket drops, the client reconnects
   *   with it and the streamer resumes the same session
   */
  constructor({ url, protocols = [], rtcConfig = { iceServers: [] }, meta = {}, requestId = null } = {}) {
    super();
    this.url = url;
    this.requestId = requestId;
    this.protocols = requestId && !protocols.some((p) => /^nvcf-reqid\./i.test(p))
      ? [...protocols, `nvcf-reqid.${requestId}`] : protocols;
    this.reconnects = 0; // how often a dropped socket was reopened to resume
    this.rtcConfig = rtcConfig;
    this.meta = meta;

    this.state = ClientState.IDLE;
    this.stateReason = '';
    this.ws = null;
    this.pc = null;
    this.prepared = null; // the next session's peer connection, made early
    this.peerId = null; // ours, from welcome
    this.producerId = null;
    this.sessionId = null;
    this.channels = new Map(); // label -> RTCDataChannel
    this.stream = null; // MediaStream with every received track

    this.nextRequestId = 1;
    this.replies = []; // data-channel answers, newest last
    this.sent = []; // navigation events sent, newest last
    this.pendingRemoteIce = []; // remote candidates received before the offer
    this.queue = Promise.resolve(); // signalling messages are handled in order
    this.closingByUs = false;
  }

  // --- public API ----------------------------------------------------------

  connect() {
    if (this.ws) this.disconnect('reconnect');
    this.resetSession();
    this.closingByUs = false;
    this.setState(ClientState.CONNECTING);
    this.log('info', `connecting to ${this.url}` +
      (this.protocols.length ? ` (subprotocols ${this.protocols.join(',')})` : ''));

    let ws;
    try {
      ws = this.protocols.length ? new WebSocket(this.url, this.protocols) : new WebSocket(this.url);
    } catch (err) {
      this.fail(`cannot open WebSocket: ${err.message}`);
      return;
    }
    this.ws = ws;
    this.preparePeerConnection();
    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      this.log('info', `WebSocket open${ws.protocol ? ` (subprotocol ${ws.protocol})` : ''}`);
    });
    ws.addEventListener('message', (ev) => {
      if (ws !== this.ws) return;
      this.enqueue(() => this.onSignallingText(ev.data));
    });
    ws.addEventListener('error', () => {
      if (ws !== this.ws) return;
      this.log('error', 'WebSocket error');
    });
    ws.addEventListener('close', (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      const why = `WebSocket closed (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ''})`;
      const hadSession = !!this.sessionId;
      this.closePeerConnection();
      if (this.closingByUs || this.state === ClientState.ENDED) {
        this.setState(ClientState.ENDED, why);
      } else if (hadSession && this.requestId && this.reconnects < 10) {
        // The streamer keeps the session for its resume timeout: come back
        // with the same identity.
        this.reconnects++;
        this.setState(ClientState.RECONNECTING, why);
        setTimeout(() => { if (this.state === ClientState.RECONNECTING) this.connect(); },
          Math.min(250 * this.reconnects, 2000));
      } else {
        this.fail(why);
      }
    });
  }

  /** Drops the socket without ending the session, as a network failure
   * would (tests use it to exercise resume). */
  dropConnection() {
    if (this.ws) this.ws.close(4000, 'connection dropped');
  }

  /** Ends the session (endSession) and closes everything. */
  disconnect(reason = 'disconnected by user') {
    this.closingByUs = true;
    if (this.sessionId) this.send({ type: 'endSession', sessionId: this.sessionId });
    this.closePeerConnection();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'bye');
    this.sessionId = null;
    if (this.state !== ClientState.IDLE) this.setState(ClientState.ENDED, reason);
  }

  /**
   * Sends a GstNavigation event ({event: "MouseMove", x, y, ...}).
   * Uses the "control" channel (request/answer, returns the request id) and
   * falls back to the older "input" channel (bare event, returns 0).
   * Returns null when no channel is open.
   */
  sendNavigation(event) {
    const control = this.channels.get('control');
    if (control && control.readyState === 'open') {
      const id = this.nextRequestId++;
      control.send(JSON.stringify({ id, mid: null, request: { type: 'navigationEvent', event } }));
      this.remember(this.sent, { id, channel: 'control', event, at: Date.now() });
      return id;
    }
    const input = this.channels.get('input');
    if (input && input.readyState === 'open') {
      input.send(JSON.stringify(event));
      this.remember(this.sent, { id: 0, channel: 'input', event, at: Date.now() });
      return 0;
    }
    return null;
  }

  /** Whether navigation events can be sent now. */
  get inputReady() {
    const open = (label) => this.channels.get(label)?.readyState === 'open';
    return open('control') || open('input');
  }

  // --- signalling ----------------------------------------------------------

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  enqueue(fn) {
    this.queue = this.queue.then(fn).catch((err) => this.log('error', `handling message: ${err.message || err}`));
  }

  async onSignallingText(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      this.log('warn', `ignoring non-JSON message: ${String(text).slice(0, 80)}`);
      return;
    }
    if (!msg || typeof msg !== 'object') return;

    switch (msg.type) {
      case 'welcome':
        this.peerId = msg.peerId;
        this.log('info', `welcome, peer id ${msg.peerId}`);
        this.setState(ClientState.REGISTERING);
        this.send({ type: 'setPeerStatus', roles: ['listener'], meta: this.meta });
        // The list at once, not after the echo: one round trip less before
        // the session starts (servers answer in order, echo first).
        this.send({ type: 'list' });
        break;

      case 'peerStatusChanged':
        this.onPeerStatusChanged(msg);
        break;

      case 'list':
        this.onList(msg.producers);
        break;

      case 'sessionStarted':
        this.onSessionStarted(msg);
        break;

      case 'peer':
        await this.onPeerMessage(msg);
        break;

      case 'endSession':
        this.onEndSession(msg);
        break;

      case 'error':
        this.log('error', `streamer: ${msg.details}`);
        this.emit('servererror', { details: msg.details });
        break;

      default:
        // Extra message types are not ours to understand.
        this.log('debug', `ignoring message type ${msg.type}`);
    }
  }

  onPeerStatusChanged(msg) {
    const roles = Array.isArray(msg.roles) ? msg.roles : [];
    if (msg.peerId === this.peerId) {
      // The echo of our own setPeerStatus: registered as listener.
      if (this.state === ClientState.REGISTERING) this.setState(ClientState.WAITING_PRODUCER);
      return;
    }
    if (roles.includes('producer') && this.state === ClientState.WAITING_PRODUCER) {
      this.startSession(msg.peerId);
    }
  }

  onList(producers) {
    // REGISTERING too: a server may answer the list before the echo.
    if (this.state !== ClientState.WAITING_PRODUCER && this.state !== ClientState.REGISTERING) return;
    const list = Array.isArray(producers) ? producers : [];
    if (list.length === 0) {
      this.log('info', 'no producer yet, waiting for one');
      return;
    }
    if (list.length > 1) this.log('warn', `${list.length} producers listed, taking the first`);
    this.startSession(list[0].id);
  }

  startSession(producerId) {
    this.producerId = producerId;
    this.setState(ClientState.STARTING);
    this.send({ type: 'startSession', peerId: producerId });
  }

  onSessionStarted(msg) {
    if (this.state !== ClientState.STARTING || msg.peerId !== this.producerId) {
      this.log('warn', `unexpected sessionStarted for ${msg.peerId}`);
      return;
    }
    this.sessionId = msg.sessionId;
    this.log('info', `session ${msg.sessionId} started`);
    this.createPeerConnection();
    this.setState(ClientState.NEGOTIATING);
  }

  async onPeerMessage(msg) {
    if (!this.sessionId || msg.sessionId !== this.sessionId || !this.pc) {
      this.log('warn', `peer message for unknown session ${msg.sessionId}`);
      return;
    }
    const pc = this.pc;

    if (msg.sdp) {
      let desc = msg.sdp;
      if (typeof desc === 'string') desc = JSON.parse(desc); // tolerate a JSON string
      if (desc.type !== 'offer') {
        this.log('warn', `ignoring SDP of type ${desc.type}: this client only answers`);
        return;
      }
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: desc.sdp });
        for (const ice of this.pendingRemoteIce.splice(0)) await this.addRemoteIce(ice);
        await pc.setLocalDescription(await pc.createAnswer());
      } catch (err) {
        if (pc === this.pc) this.fail(`cannot answer the offer: ${err.message}`);
        return;
      }
      if (pc !== this.pc) return; // disconnected meanwhile
      this.send({
        type: 'peer',
        sessionId: this.sessionId,
        sdp: { type: 'answer', sdp: pc.localDescription.sdp },
      });
      this.log('info', 'answer sent');
    }

    if (msg.ice) {
      if (!pc.remoteDescription) this.pendingRemoteIce.push(msg.ice);
      else await this.addRemoteIce(msg.ice);
    }
  }

  async addRemoteIce(ice) {
    if (!this.pc) return;
    const init = { candidate: ice.candidate ?? '' };
    if (ice.sdpMLineIndex !== undefined && ice.sdpMLineIndex !== null) init.sdpMLineIndex = ice.sdpMLineIndex;
    if (ice.sdpMid !== undefined && ice.sdpMid !== null) init.sdpMid = ice.sdpMid;
    if (init.sdpMLineIndex === undefined && init.sdpMid === undefined) init.sdpMLineIndex = 0;
    try {
      // An empty candidate string means end of candidates.
      await this.pc.addIceCandidate(init);
    } catch (err) {
      this.log('warn', `addIceCandidate(${init.candidate || 'end-of-candidates'}): ${err.message}`);
    }
  }

  onEndSession(msg) {
    if (!this.sessionId || msg.sessionId !== this.sessionId) {
      this.log('warn', `endSession for unknown session ${msg.sessionId}`);
      return;
    }
    this.log('info', `streamer ended session ${msg.sessionId}`);
    // Echo it, as gstwebrtc-api does, then stop.
    this.send({ type: 'endSession', sessionId: msg.sessionId });
    this.sessionId = null;
    this.closePeerConnection();
    this.setState(ClientState.ENDED, 'session ended by the streamer');
    this.closingByUs = true;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'session ended');
  }

  // --- peer connection -----------------------------------------------------

  /* The session's peer connection, made while the socket connects: a
   * browser's first RTCPeerConnection costs its page 7-40 ms at once and
   * its DTLS certificate more, in the background, which the signalling
   * round trips then hide (the page's first frame came that much sooner).
   * Nothing gathers or connects before the offer. */
  preparePeerConnection() {
    if (this.prepared) return;
    try {
      this.prepared = new RTCPeerConnection(this.rtcConfig);
    } catch (err) {
      // createPeerConnection tries again, and fails the session there.
      this.log('warn', `cannot prepare a peer connection: ${err.message}`);
    }
  }

  createPeerConnection() {
    const pc = this.prepared || new RTCPeerConnection(this.rtcConfig);
    this.prepared = null;
    this.pc = pc;
    this.stream = new MediaStream();

    pc.addEventListener('icecandidate', (ev) => {
      if (pc !== this.pc || !ev.candidate || !ev.candidate.candidate) return;
      const c = ev.candidate;
      this.send({
        type: 'peer',
        sessionId: this.sessionId,
        ice: {
          candidate: c.candidate,
          sdpMLineIndex: c.sdpMLineIndex,
          sdpMid: c.sdpMid,
          usernameFragment: c.usernameFragment,
        },
      });
    });

    pc.addEventListener('track', (ev) => {
      if (pc !== this.pc) return;
      this.log('info', `${ev.track.kind} track received`);
      this.stream.addTrack(ev.track);
      this.emit('track', { track: ev.track, streams: ev.streams, stream: this.stream });
    });

    pc.addEventListener('datachannel', (ev) => {
      if (pc !== this.pc) return;
      this.addDataChannel(ev.channel);
    });

    pc.addEventListener('connectionstatechange', () => {
      if (pc !== this.pc) return;
      const s = pc.connectionState;
      this.log('info', `peer connection ${s}`);
      if (s === 'connected') this.setState(ClientState.CONNECTED);
      else if (s === 'failed') this.fail('peer connection failed (ICE or DTLS)');
      else if (s === 'disconnected') this.log('warn', 'peer connection disconnected, waiting for it to recover');
    });
  }

  addDataChannel(channel) {
    const label = channel.label;
    this.channels.set(label, channel);
    const report = () => this.emit('channel', { label, state: channel.readyState });
    channel.addEventListener('open', () => { this.log('info', `data channel "${label}" open`); report(); });
    channel.addEventListener('close', report);
    channel.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return;
      let reply;
      try {
        reply = JSON.parse(ev.data);
      } catch {
        this.log('warn', `non-JSON data on "${label}": ${ev.data.slice(0, 80)}`);
        return;
      }
      this.remember(this.replies, reply);
      if (reply && reply.error) this.log('warn', `request ${reply.id} (${reply.type}) failed: ${reply.error}`);
      this.emit('reply', { reply, label });
    });
    report();
  }

  closePeerConnection() {
    if (this.prepared) {
      this.prepared.close();
      this.prepared = null;
    }
    for (const channel of this.channels.values()) {
      try { channel.close(); } catch { /* already closed */ }
    }
    this.channels.clear();
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      pc.close();
    }
    if (this.stream) {
      for (const t of this.stream.getTracks()) t.stop();
    }
  }

  resetSession() {
    this.peerId = null;
    this.producerId = null;
    this.sessionId = null;
    this.pendingRemoteIce = [];
  }

  // --- helpers -------------------------------------------------------------

  setState(state, reason = '') {
    if (this.state === state) return;
    this.state = state;
    this.stateReason = reason;
    this.emit('statechange', { state, reason });
  }

  fail(reason) {
    this.log('error', reason);
    this.closePeerConnection();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    this.setState(ClientState.FAILED, reason);
  }

  remember(list, item) {
    list.push(item);
    if (list.length > MAX_KEPT_MESSAGES) list.splice(0, list.length - MAX_KEPT_MESSAGES);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  log(level, message) {
    this.emit('log', { level, message });
  }
}

// ---------------------------------------------------------------------------
// Navigation: DOM events to GstNavigation events
// ---------------------------------------------------------------------------

/**
 * Maps a point in CSS pixels (client coordinates) to video pixels, taking the
 * element's content box and object-fit (contain/cover/fill/none/scale-down)
 * into account. Returns null when the video size is not known yet. Points in
 * letterbox bars are clamped to the picture's edge.
 */
export function clientToVideo(video, clientX, clientY) {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return null;

  const rect = video.getBoundingClientRect();
  const cs = getComputedStyle(video);
  const px = (v) => parseFloat(v) || 0;
  const left = rect.left + px(cs.borderLeftWidth) + px(cs.paddingLeft);
  const top = rect.top + px(cs.borderTopWidth) + px(cs.paddingTop);
  const boxW = rect.width - px(cs.borderLeftWidth) - px(cs.borderRightWidth) - px(cs.paddingLeft) - px(cs.paddingRight);
  const boxH = rect.height - px(cs.borderTopWidth) - px(cs.borderBottomWidth) - px(cs.paddingTop) - px(cs.paddingBottom);
  if (boxW <= 0 || boxH <= 0) return null;

  let sx; let sy;
  switch (cs.objectFit) {
    case 'fill':
      sx = boxW / vw; sy = boxH / vh;
      break;
    case 'cover':
      sx = sy = Math.max(boxW / vw, boxH / vh);
      break;
    case 'none':
      sx = sy = 1;
      break;
    case 'scale-down':
      sx = sy = Math.min(1, boxW / vw, boxH / vh);
      break;
    default: // contain, the <video> default
      sx = sy = Math.min(boxW / vw, boxH / vh);
  }
  // object-position is assumed centred (the default).
  const offX = (boxW - vw * sx) / 2;
  const offY = (boxH - vh * sy) / 2;
  const x = (clientX - left - offX) / sx;
  const y = (clientY - top - offY) / sy;
  const clamp = (v, max) => Math.min(Math.max(v, 0), max);
  const round = (v) => Math.round(v * 100) / 100;
  return { x: round(clamp(x, vw)), y: round(clamp(y, vh)) };
}

// DOM MouseEvent.buttons bits -> GstNavigationModifierType nicks. DOM bit 1 is
// the secondary (right) button = X button 3, bit 2 the middle = X button 2.
const BUTTON_MASKS = [
  [1, 'button1-mask'],
  [4, 'button2-mask'],
  [2, 'button3-mask'],
  [8, 'button4-mask'],
  [16, 'button5-mask'],
];

/** modifier_state string ("shift-mask+control-mask") for a DOM event. */
export function modifierState(ev) {
  const m = [];
  if (ev.shiftKey) m.push('shift-mask');
  if (ev.getModifierState && ev.getModifierState('CapsLock')) m.push('lock-mask');
  if (ev.ctrlKey) m.push('control-mask');
  if (ev.altKey) m.push('mod1-mask');
  if (ev.metaKey) m.push('meta-mask');
  if (typeof ev.buttons === 'number') {
    for (const [bit, nick] of BUTTON_MASKS) if (ev.buttons & bit) m.push(nick);
  }
  return m.join('+');
}

// DOM KeyboardEvent.key (named keys) -> X keysym names.
const NAMED_KEYSYMS = Object.freeze({
  Enter: 'Return', Tab: 'Tab', ' ': 'space', Backspace: 'BackSpace', Escape: 'Escape',
  Delete: 'Delete', Insert: 'Insert', Home: 'Home', End: 'End', PageUp: 'Prior', PageDown: 'Next',
  ArrowLeft: 'Left', ArrowRight: 'Right', ArrowUp: 'Up', ArrowDown: 'Down',
  CapsLock: 'Caps_Lock', NumLock: 'Num_Lock', ScrollLock: 'Scroll_Lock', Pause: 'Pause',
  PrintScreen: 'Print', ContextMenu: 'Menu', Clear: 'Clear', Help: 'Help', Cancel: 'Cancel',
  AltGraph: 'ISO_Level3_Shift', Compose: 'Multi_key', Select: 'Select', Execute: 'Execute',
  Undo: 'Undo', Redo: 'Redo', Find: 'Find',
  AudioVolumeUp: 'XF86AudioRaiseVolume', AudioVolumeDown: 'XF86AudioLowerVolume',
  AudioVolumeMute: 'XF86AudioMute', MediaPlayPause: 'XF86AudioPlay', MediaStop: 'XF86AudioStop',
  MediaTrackNext: 'XF86AudioNext', MediaTrackPrevious: 'XF86AudioPrev',
  BrowserBack: 'XF86Back', BrowserForward: 'XF86Forward', BrowserRefresh: 'XF86Refresh',
  BrowserHome: 'XF86HomePage', BrowserSearch: 'XF86Search',
});

// Keys whose keysym depends on the side (KeyboardEvent.code ends in Left/Right).
const SIDED_KEYSYMS = Object.freeze({
  Shift: 'Shift', Control: 'Control', Alt: 'Alt', Meta: 'Super', OS: 'Super', Super: 'Super', Hyper: 'Hyper',
});

// Printable ASCII punctuation -> X keysym names.
const ASCII_KEYSYMS = Object.freeze({
  ' ': 'space', '!': 'exclam', '"': 'quotedbl', '#': 'numbersign', $: 'dollar', '%': 'percent',
  '&': 'ampersand', "'": 'apostrophe', '(': 'parenleft', ')': 'parenright', '*': 'asterisk',
  '+': 'plus', ',': 'comma', '-': 'minus', '.': 'period', '/': 'slash', ':': 'colon',
  ';': 'semicolon', '<': 'less', '=': 'equal', '>': 'greater', '?': 'question', '@': 'at',
  '[': 'bracketleft', '\\': 'backslash', ']': 'bracketright', '^': 'asciicircum',
  _: 'underscore', '`': 'grave', '{': 'braceleft', '|': 'bar', '}': 'braceright', '~': 'asciitilde',
});

// Latin-1 keysym names for U+00A0..U+00FF (keysymdef.h), in code point order.
const LATIN1_KEYSYMS = [
  'nobreakspace exclamdown cent sterling currency yen brokenbar section',
  'diaeresis copyright ordfeminine guillemotleft notsign hyphen registered macron',
  'degree plusminus twosuperior threesuperior acute mu paragraph periodcentered',
  'cedilla onesuperior masculine guillemotright onequarter onehalf threequarters questiondown',
  'Agrave Aacute Acircumflex Atilde Adiaeresis Aring AE Ccedilla',
  'Egrave Eacute Ecircumflex Ediaeresis Igrave Iacute Icircumflex Idiaeresis',
  'ETH Ntilde Ograve Oacute Ocircumflex Otilde Odiaeresis multiply',
  'Oslash Ugrave Uacute Ucircumflex Udiaeresis Yacute THORN ssharp',
  'agrave aacute acircumflex atilde adiaeresis aring ae ccedilla',
  'egrave eacute ecircumflex ediaeresis igrave iacute icircumflex idiaeresis',
  'eth ntilde ograve oacute ocircumflex otilde odiaeresis division',
  'oslash ugrave uacute ucircumflex udiaeresis yacute thorn ydiaeresis',
].join(' ').split(' ');

// Numeric keypad by KeyboardEvent.code.
const KEYPAD_KEYSYMS = Object.freeze({
  NumpadDecimal: 'KP_Decimal', NumpadComma: 'KP_Separator', NumpadAdd: 'KP_Add',
  NumpadSubtract: 'KP_Subtract', NumpadMultiply: 'KP_Multiply', NumpadDivide: 'KP_Divide',
  NumpadEnter: 'KP_Enter', NumpadEqual: 'KP_Equal',
});

// Keypad keys with NumLock off: KeyboardEvent.key is a named key.
const KEYPAD_NAVIGATION_KEYSYMS = Object.freeze({
  Home: 'KP_Home', End: 'KP_End', PageUp: 'KP_Prior', PageDown: 'KP_Next',
  ArrowLeft: 'KP_Left', ArrowRight: 'KP_Right', ArrowUp: 'KP_Up', ArrowDown: 'KP_Down',
  Insert: 'KP_Insert', Delete: 'KP_Delete', Clear: 'KP_Begin',
});

/**
 * X keysym name for a KeyboardEvent (key, code), e.g. "a", "A", "Return",
 * "Shift_L", "F1", "KP_5", "U20AC" for characters without a Latin-1 name.
 * Returns null for keys that cannot be named (Dead, Unidentified, IME).
 */
export function keysymName(key, code = '') {
  if (!key || key === 'Unidentified' || key === 'Dead' || key === 'Process') return null;

  if (code.startsWith('Numpad')) {
    if (KEYPAD_KEYSYMS[code]) return KEYPAD_KEYSYMS[code];
    if (/^Numpad[0-9]$/.test(code) && /^[0-9]$/.test(key)) return `KP_${key}`;
    if (KEYPAD_NAVIGATION_KEYSYMS[key]) return KEYPAD_NAVIGATION_KEYSYMS[key];
  }
  if (SIDED_KEYSYMS[key]) {
    return `${SIDED_KEYSYMS[key]}_${code.endsWith('Right') ? 'R' : 'L'}`;
  }
  if (NAMED_KEYSYMS[key]) return NAMED_KEYSYMS[key];
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(key)) return key;

  const chars = Array.from(key);
  if (chars.length !== 1) return null; // another named key without an X name
  const cp = key.codePointAt(0);
  if (ASCII_KEYSYMS[key]) return ASCII_KEYSYMS[key];
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return key;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return null;
  if (cp <= 0xff) return LATIN1_KEYSYMS[cp - 0xa0];
  // Beyond Latin-1: XStringToKeysym("U20AC") gives the Unicode keysym
  // (0x01000000 + code point).
  return `U${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Wires mouse, wheel, touch and keyboard input of a <video> element to a
 * send(event) function. Returns a function that removes the listeners.
 * Keyboard input is taken while the element has focus (it gets tabindex=0).
 *
 * Wheel deltas are sent in wheel notches (about one per click on a mouse
 * wheel), positive meaning up/left, as GStreamer's own sinks do.
 */
export function attachNavigation(video, send) {
  if (!video.hasAttribute('tabindex')) video.setAttribute('tabindex', '0');

  const at = (ev) => clientToVideo(video, ev.clientX, ev.clientY);
  const heldKeys = new Map(); // code -> keysym, to release what was pressed

  const handlers = {
    mousemove(ev) {
      const p = at(ev);
      if (p) send({ event: 'MouseMove', x: p.x, y: p.y, modifier_state: modifierState(ev) });
    },
    mousedown(ev) {
      ev.preventDefault(); // no text selection, no drag
      video.focus({ preventScroll: true });
      const p = at(ev);
      if (p) send({ event: 'MouseButtonPress', button: ev.button + 1, x: p.x, y: p.y, modifier_state: modifierState(ev) });
    },
    mouseup(ev) {
      ev.preventDefault();
      const p = at(ev);
      if (p) send({ event: 'MouseButtonRelease', button: ev.button + 1, x: p.x, y: p.y, modifier_state: modifierState(ev) });
    },
    wheel(ev) {
      ev.preventDefault(); // no page scroll, no pinch zoom
      const p = at(ev);
      if (!p) return;
      // deltaMode: 0 pixels (about 100 per notch), 1 lines (3 per notch), 2 pages.
      const scale = ev.deltaMode === 0 ? 1 / 100 : ev.deltaMode === 1 ? 1 / 3 : 1;
      const r = (v) => Math.round(-v * scale * 1000) / 1000 || 0;
      send({ event: 'MouseScroll', x: p.x, y: p.y, delta_x: r(ev.deltaX), delta_y: r(ev.deltaY), modifier_state: modifierState(ev) });
    },
    contextmenu(ev) { ev.preventDefault(); },
    dragstart(ev) { ev.preventDefault(); },
    dblclick(ev) { ev.preventDefault(); }, // no native fullscreen toggle
    keydown(ev) {
      const key = keysymName(ev.key, ev.code);
      ev.preventDefault(); // Tab, Space, arrows, shortcuts stay with the stream
      ev.stopPropagation();
      if (!key) return;
      heldKeys.set(ev.code || ev.key, key);
      send({ event: 'KeyPress', key, modifier_state: modifierState(ev) });
    },
    keyup(ev) {
      ev.preventDefault();
      ev.stopPropagation();
      // Release the keysym that was pressed, even if Shift changed meanwhile
      // ("A" pressed, Shift released, "a" let go).
      const key = heldKeys.get(ev.code || ev.key) ?? keysymName(ev.key, ev.code);
      heldKeys.delete(ev.code || ev.key);
      if (key) send({ event: 'KeyRelease', key, modifier_state: modifierState(ev) });
    },
    blur(ev) {
      // Keys held when focus leaves would stay down on the streamer.
      for (const key of heldKeys.values()) send({ event: 'KeyRelease', key, modifier_state: modifierState(ev) });
      heldKeys.clear();
    },
  };

  const touchNames = { touchstart: 'TouchDown', touchmove: 'TouchMotion', touchend: 'TouchUp', touchcancel: 'TouchUp' };
  const onTouch = (ev) => {
    ev.preventDefault(); // no scrolling, zooming, or emulated mouse events
    const name = touchNames[ev.type];
    let sent = false;
    for (const t of ev.changedTouches) {
      const p = clientToVideo(video, t.clientX, t.clientY);
      if (!p) continue;
      const e = { event: name, identifier: t.identifier, x: p.x, y: p.y, modifier_state: modifierState(ev) };
      if (name !== 'TouchUp') e.pressure = typeof t.force === 'number' && t.force > 0 ? t.force : 1.0;
      send(e);
      sent = true;
    }
    if (sent) send({ event: 'TouchFrame', modifier_state: modifierState(ev) });
  };

  const opts = { passive: false };
  for (const [type, fn] of Object.entries(handlers)) video.addEventListener(type, fn, opts);
  for (const type of Object.keys(touchNames)) video.addEventListener(type, onTouch, opts);

  return () => {
    for (const [type, fn] of Object.entries(handlers)) video.removeEventListener(type, fn, opts);
    for (const type of Object.keys(touchNames)) video.removeEventListener(type, onTouch, opts);
  };
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/**
 * Whether an SDP has an active m-section of that kind: not inactive, and a
 * port other than 0 unless the section is bundle-only (max-bundle offers).
 */
export function sdpHasMedia(sdp, kind) {
  if (!sdp) return false;
  const sections = sdp.split(/\r?\nm=/).slice(1);
  return sections.some((s) => {
    if (!s.startsWith(`${kind} `)) return false;
    if (/\na=inactive\r?(\n|$)/.test(s)) return false;
    return !/^\S+ 0 /.test(s) || /\na=bundle-only\r?(\n|$)/.test(s);
  });
}

/**
 * Turns getStats() reports into one plain object. Rates (bitrate) need two
 * samples, so keep one sampler per peer connection and call sample() about
 * once a second.
 */
export class StatsSampler {
  constructor() {
    this.prev = null; // {timestamp, videoBytes, audioBytes}
  }

  /** @param {RTCPeerConnection|null} pc */
  async sample(pc) {
    const out = {
      connectionState: pc ? pc.connectionState : 'none',
      iceConnectionState: pc ? pc.iceConnectionState : 'none',
      sdpHasVideo: false,
      sdpHasAudio: false,
      videoCodec: null,
      audioCodec: null,
      width: 0,
      height: 0,
      framesDecoded: 0,
      framesDropped: 0,
      framesPerSecond: 0,
      keyFramesDecoded: 0,
      videoPacketsReceived: 0,
      videoPacketsLost: 0,
      videoRetransmittedPackets: 0,
      videoBytesReceived: 0,
      videoBitrateKbps: null, // null until a second sample gives a rate
      audioPacketsReceived: 0,
      audioPacketsLost: 0,
      audioBitrateKbps: null,
      decodeTimePerFrameMs: null,
      jitterBufferDelayMs: null,
      roundTripTimeMs: null,
      nackCount: 0,
      pliCount: 0,
      freezeCount: 0,
      decoderImplementation: null,
      candidatePair: null,
    };
    if (!pc) return out;
    const remoteSdp = pc.remoteDescription ? pc.remoteDescription.sdp : '';
    out.sdpHasVideo = sdpHasMedia(remoteSdp, 'video');
    out.sdpHasAudio = sdpHasMedia(remoteSdp, 'audio');

    const report = await pc.getStats();
    const byId = new Map();
    report.forEach((s) => byId.set(s.id, s));
    const codecName = (id) => {
      const c = id && byId.get(id);
      return c && c.mimeType ? c.mimeType.split('/')[1] : null;
    };

    let video = null;
    let audio = null;
    let pair = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && (!video || (s.bytesReceived || 0) > (video.bytesReceived || 0))) video = s;
      if (s.type === 'inbound-rtp' && s.kind === 'audio' && (!audio || (s.bytesReceived || 0) > (audio.bytesReceived || 0))) audio = s;
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId) || pair;
    });
    if (!pair) {
      report.forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
      });
    }

    if (video) {
      out.videoCodec = codecName(video.codecId);
      out.width = video.frameWidth || 0;
      out.height = video.frameHeight || 0;
      out.framesDecoded = video.framesDecoded || 0;
      out.framesDropped = video.framesDropped || 0;
      out.framesPerSecond = video.framesPerSecond || 0;
      out.keyFramesDecoded = video.keyFramesDecoded || 0;
      out.videoPacketsReceived = video.packetsReceived || 0;
      out.videoPacketsLost = video.packetsLost || 0;
      out.videoRetransmittedPackets = video.retransmittedPacketsReceived || 0;
      out.videoBytesReceived = video.bytesReceived || 0;
      out.nackCount = video.nackCount || 0;
      out.pliCount = video.pliCount || 0;
      out.freezeCount = video.freezeCount || 0;
      out.decoderImplementation = video.decoderImplementation || null;
      if (video.framesDecoded > 0 && typeof video.totalDecodeTime === 'number') {
        out.decodeTimePerFrameMs = round2((1000 * video.totalDecodeTime) / video.framesDecoded);
      }
      if (video.jitterBufferEmittedCount > 0 && typeof video.jitterBufferDelay === 'number') {
        out.jitterBufferDelayMs = round2((1000 * video.jitterBufferDelay) / video.jitterBufferEmittedCount);
      }
    }
    if (audio) {
      out.audioCodec = codecName(audio.codecId);
      out.audioPacketsReceived = audio.packetsReceived || 0;
      out.audioPacketsLost = audio.packetsLost || 0;
    }
    if (pair) {
      if (typeof pair.currentRoundTripTime === 'number') out.roundTripTimeMs = round2(1000 * pair.currentRoundTripTime);
      const local = byId.get(pair.localCandidateId) || {};
      const remote = byId.get(pair.remoteCandidateId) || {};
      out.candidatePair = {
        local: `${local.candidateType || '?'} ${local.address || local.ip || '?'}:${local.port || '?'}/${local.protocol || '?'}`,
        remote: `${remote.candidateType || '?'} ${remote.address || remote.ip || '?'}:${remote.port || '?'}/${remote.protocol || '?'}`,
      };
    }

    const now = performance.now();
    const cur = { timestamp: now, videoBytes: out.videoBytesReceived, audioBytes: audio ? audio.bytesReceived || 0 : 0 };
    if (this.prev && now > this.prev.timestamp) {
      const ms = now - this.prev.timestamp;
      out.videoBitrateKbps = Math.max(0, Math.round((8 * (cur.videoBytes - this.prev.videoBytes)) / ms));
      out.audioBitrateKbps = Math.max(0, Math.round((8 * (cur.audioBytes - this.prev.audioBytes)) / ms));
    }
    this.prev = cur;
    return out;
  }
}

function round2(v) {
  return Math.round(v * 100) / 100;
}
