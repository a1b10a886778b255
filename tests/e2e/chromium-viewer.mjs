#!/usr/bin/env node
// chromium-viewer.mjs: watch a streamer in headless Chromium through the web
// client (../../web), and report what arrived as one JSON line on stdout.
//
//   node chromium-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
//        [--frames 30] [--timeout 20] [--input] [--ice JSON]
//        [--expect-codec H264|VP8] [--hold-seconds N] [--subprotocol a,b]
//        [--allow-input-errors] [--screenshot FILE] [--chromium PATH]
//
// --hold-seconds samples the stats every --sample-ms (1000) and reports the
// longest time framesDecoded stood still (longestGapMs), a once-a-second
// timeline, and the recovery counters (nack, pli, freezes, drops, losses).
//
// Exit status 0 only when ok. Diagnostics go to stderr.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, runDriver, serveStatic, sleep } from './chromium-common.mjs';
import { parseOptions } from './cli.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB_ROOT = path.resolve(HERE, '../../web');

const USAGE = `usage: node chromium-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
  [--frames N=30] [--timeout S=20] [--input] [--ice JSON]
  [--expect-codec H264|VP8] [--hold-seconds N=0] [--sample-ms N=1000] [--drop] [--send-data TEXT --expect-data SUBSTRING] [--subprotocol a,b]
  [--allow-input-errors] [--screenshot FILE.png] [--chromium /usr/bin/chromium]`;

// --- command line ------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    signalling: null,
    frames: 30,
    timeout: 20,
    input: false,
    ice: null,
    expectCodec: null,
    holdSeconds: 0,
    sampleMs: 1000,
    drop: false,
    sendData: null,
    expectData: null,
    subprotocol: null,
    allowInputErrors: false,
    screenshot: null,
    chromium: '/usr/bin/chromium',
  };
  parseOptions(argv, opts, USAGE, (name, arg) => {
    switch (name) {
      case '--signalling': opts.signalling = arg.take(); return true;
      case '--frames': opts.frames = arg.number(); return true;
      case '--timeout': opts.timeout = arg.number(); return true;
      case '--input': opts.input = true; return true;
      case '--ice': opts.ice = arg.take(); return true;
      case '--expect-codec': opts.expectCodec = arg.take(); return true;
      case '--hold-seconds': opts.holdSeconds = arg.number(); return true;
      case '--sample-ms': opts.sampleMs = arg.number(); return true;
      case '--drop': opts.drop = true; return true;
      case '--send-data': opts.sendData = arg.take(); return true;
      case '--expect-data': opts.expectData = arg.take(); return true;
      case '--subprotocol': opts.subprotocol = arg.take(); return true;
      case '--allow-input-errors': opts.allowInputErrors = true; return true;
      case '--screenshot': opts.screenshot = arg.take(); return true;
      case '--chromium': opts.chromium = arg.take(); return true;
      default: return false;
    }
  });
  if (opts.ice !== null) JSON.parse(opts.ice); // fail early on bad JSON
  return opts;
}

// --- the statistics panel ----------------------------------------------------

async function readPanel(page) {
  return page.evaluate(() => {
    const out = {};
    for (const dt of document.querySelectorAll('#stats dt')) {
      const dd = dt.nextElementSibling;
      out[dt.textContent] = dd ? dd.textContent : null;
    }
    return out;
  });
}

/** Waits until each wanted row of the panel shows a figure, not '–'. */
async function waitForPanel(page, deadline, wanted) {
  for (;;) {
    result.statsPanel = await readPanel(page);
    const missing = wanted.filter((k) => !result.statsPanel[k] || result.statsPanel[k] === '–');
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the statistics panel shows no ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// --- result and exit ---------------------------------------------------------

const result = {
  ok: false,
  framesDecoded: 0,
  audioPackets: 0,
  audioInSdp: false,
  codec: null,
  width: 0,
  height: 0,
  replies: [],
  inputSent: [],
  error: null,
  connectionState: null,
  candidatePair: null,
  nackCount: 0,
  pliCount: 0,
  freezeCount: 0,
  framesDropped: 0,
  packetsLost: 0,
  retransmittedPackets: 0,
  keyFramesDecoded: 0,
  roundTripTimeMs: null,
  longestGapMs: null,
  timeline: [],
  statsPanel: null,
  pageErrors: [],
  elapsedMs: 0,
};

const started = Date.now();
let context = null;
let page = null;
let screenshotPath = null;
let userDataDir = null;
let server = null;
let finished = false;

const log = (...args) => process.stderr.write(`[chromium-viewer] ${args.join(' ')}\n`);

async function cleanup() {
  if (page && screenshotPath) {
    // Taken on every exit path: the page's status line and log say most.
    await Promise.race([
      page.screenshot({ path: screenshotPath }).then(() => log(`screenshot in ${screenshotPath}`), (err) => log(`screenshot: ${err.message}`)),
      sleep(5000),
    ]);
  }
  if (page) {
    // End the session cleanly (endSession) so the streamer frees it at once.
    await Promise.race([
      page.evaluate(() => window.nvcf && window.nvcf.disconnect()).catch(() => {}),
      sleep(2000),
    ]);
    await sleep(200);
  }
  page = null;
  const all = { context, server, userDataDir };
  context = null;
  server = null;
  userDataDir = null;
  await closeAll(all);
}

async function finish(ok, error = null) {
  if (finished) return;
  finished = true;
  result.ok = ok && result.pageErrors.length === 0;
  if (ok && !result.ok) error = `JavaScript errors on the page: ${result.pageErrors.join(' | ')}`;
  result.error = result.ok ? null : error || 'failed';
  result.elapsedMs = Date.now() - started;
  await cleanup();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.ok ? 0 : 1);
}

// --- the run -----------------------------------------------------------------

async function stats(page) {
  return page.evaluate(() => (window.nvcf ? window.nvcf.stats() : null));
}

function absorb(s) {
  if (!s) return;
  result.connectionState = s.connectionState;
  // Once the peer connection is gone its counters read 0: keep the last ones.
  if (s.connectionState === 'none' && result.framesDecoded > 0) return;
  result.framesDecoded = s.framesDecoded;
  result.audioPackets = s.audioPacketsReceived;
  result.audioInSdp = s.sdpHasAudio;
  result.codec = s.videoCodec;
  result.width = s.width;
  result.height = s.height;
  result.candidatePair = s.candidatePair;
  result.nackCount = s.nackCount;
  result.pliCount = s.pliCount;
  result.freezeCount = s.freezeCount;
  result.framesDropped = s.framesDropped;
  result.packetsLost = s.videoPacketsLost;
  result.keyFramesDecoded = s.keyFramesDecoded;
  result.retransmittedPackets = s.videoRetransmittedPackets;
  if (s.roundTripTimeMs !== null) result.roundTripTimeMs = s.roundTripTimeMs;
}

/** Polls stats until pred(stats) holds; returns the last stats or throws. */
async function waitFor(page, deadline, pred, what) {
  let s = null;
  for (;;) {
    s = await stats(page);
    absorb(s);
    if (s && pred(s)) return s;
    if (s && ['failed', 'ended'].includes(s.clientState)) {
      throw new Error(`client ${s.clientState} (${s.clientReason || 'no reason'}) while waiting for ${what}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (client ${s ? s.clientState : 'not loaded'}, ` +
        `peer connection ${s ? s.connectionState : '?'}, ${result.framesDecoded} frames decoded)`);
    }
    await sleep(200);
  }
}

async function sendInput(page, deadline, opts) {
  await waitFor(page, deadline, (s) => s.inputReady && s.videoElementWidth > 0, 'the control data channel and the video size');
  const video = page.locator('#video');
  const box = await video.boundingBox();
  const size = await page.evaluate(() => ({ w: window.nvcf.video.videoWidth, h: window.nvcf.video.videoHeight }));
  if (!box) throw new Error('video element has no box');

  // The centre of the element is the centre of the picture under object-fit:
  // contain, so it maps to (videoWidth/2, videoHeight/2).
  const firstSent = await page.evaluate(() => window.nvcf.inputSent.length);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await video.focus();
  await page.keyboard.press('a');

  const sent = await page.evaluate((from) => window.nvcf.inputSent.slice(from), firstSent);
  result.inputSent = sent;
  const ids = sent.map((e) => e.id).filter((id) => id > 0);
  const names = sent.map((e) => e.event.event);
  for (const want of ['MouseMove', 'KeyPress', 'KeyRelease']) {
    if (!names.includes(want)) throw new Error(`no ${want} was sent (sent: ${names.join(', ') || 'nothing'})`);
  }
  const move = sent.find((e) => e.event.event === 'MouseMove').event;
  // Chromium rounds MouseEvent client coordinates to whole CSS pixels; one
  // CSS pixel is 1/scale video pixels.
  const scale = Math.min(box.width / size.w, box.height / size.h);
  const tolerance = Math.max(2, 1.5 / scale);
  if (Math.abs(move.x - size.w / 2) > tolerance || Math.abs(move.y - size.h / 2) > tolerance) {
    throw new Error(`MouseMove at (${move.x}, ${move.y}), expected the video centre (${size.w / 2}, ${size.h / 2})`);
  }
  const press = sent.find((e) => e.event.event === 'KeyPress').event;
  if (press.key !== 'a') throw new Error(`KeyPress key "${press.key}", expected "a"`);

  log(`input sent: ${names.join(', ')}; waiting for ${ids.length} replies`);
  const replies = await (async () => {
    for (;;) {
      const all = await page.evaluate(() => window.nvcf.lastReplies.slice());
      const mine = all.filter((r) => r && ids.includes(r.id));
      if (mine.length >= ids.length) return mine;
      if (Date.now() > deadline) {
        result.replies = mine;
        throw new Error(`timed out waiting for data-channel replies: got ids [${mine.map((r) => r.id)}] of [${ids}]`);
      }
      await sleep(100);
    }
  })();
  result.replies = replies;
  const bad = replies.filter((r) => r.error !== null && r.error !== undefined);
  if (bad.length && !opts.allowInputErrors) {
    throw new Error(`input requests failed: ${bad.map((r) => `#${r.id}: ${r.error}`).join('; ')}`);
  }
  // webrtcsink's answer shape, which gstwebrtc-api's RemoteController expects.
  const wrongType = replies.filter((r) => r.type !== 'ControlResponseMessage');
  if (wrongType.length) throw new Error(`replies of unexpected type: ${JSON.stringify(wrongType)}`);
}

async function run(opts) {
  server = await serveStatic(WEB_ROOT, log);
  const { port } = server.address();
  const query = new URLSearchParams({ signalling: opts.signalling });
  if (opts.ice) query.set('ice', opts.ice);
  if (opts.subprotocol) query.set('subprotocol', opts.subprotocol);
  const url = `http://127.0.0.1:${port}/index.html?${query}`;
  log(`serving ${WEB_ROOT} on 127.0.0.1:${port}`);

  ({ context, page, userDataDir } = await launchChromium(opts.chromium, 'nvcf-chromium-'));
  screenshotPath = opts.screenshot;
  page.on('console', (msg) => log(`console.${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => {
    log(`page error: ${err.message}`);
    result.pageErrors.push(err.message);
  });
  page.on('crash', () => { result.pageErrors.push('page crashed'); });

  const deadline = started + opts.timeout * 1000;
  log(`opening ${url}`);
  await page.goto(url, { waitUntil: 'load', timeout: Math.max(1000, deadline - Date.now()) });
  await page.waitForFunction(() => !!window.nvcf, null, { timeout: Math.max(1000, deadline - Date.now()) });

  await waitFor(page, deadline, (s) => s.framesDecoded >= opts.frames, `${opts.frames} decoded frames`);
  log(`${result.framesDecoded} frames decoded, codec ${result.codec}, ${result.width}x${result.height}`);

  if (result.audioInSdp) {
    await waitFor(page, deadline, (s) => s.audioPacketsReceived > 0, 'audio packets (the offer has audio)');
  }
  // The page's statistics panel shows the live figures a person watches.
  const wanted = ['Frame rate', 'Video bitrate', 'Round-trip time', 'Decode time'];
  await waitForPanel(page, deadline, wanted);

  if (opts.expectCodec && String(result.codec).toUpperCase() !== opts.expectCodec.toUpperCase()) {
    throw new Error(`codec ${result.codec}, expected ${opts.expectCodec}`);
  }
  if (opts.input) await sendInput(page, deadline, opts);

  if (opts.sendData !== null) {
    // Application data on the control channel; the streamer's application
    // answers with send-data, which lands among the channel's messages.
    await page.waitForFunction(() => window.nvcf.client.channels.get('control')?.readyState === 'open', null,
      { timeout: Math.max(1000, deadline - Date.now()) });
    await page.evaluate((t) => window.nvcf.client.channels.get('control').send(t), opts.sendData);
    log(`data sent: ${opts.sendData}`);
    if (opts.expectData !== null) {
      const got = await page.waitForFunction((want) =>
        window.nvcf.lastReplies.map((r) => JSON.stringify(r)).find((t) => t.includes(want)),
      opts.expectData, { timeout: Math.max(1000, deadline - Date.now()) });
      result.dataReceived = await got.jsonValue();
      log(`data received: ${result.dataReceived}`);
    }
  }

  if (opts.drop) {
    // Drop the WebSocket as a network failure would; the page reconnects
    // with its request id and the streamer resumes the same session.
    const before = await page.evaluate(() => window.nvcf.client.sessionId);
    log(`dropping the WebSocket of session ${before}`);
    await page.evaluate(() => window.nvcf.dropConnection());
    await page.waitForFunction(() => window.nvcf.client.state !== 'connected', null,
      { timeout: Math.max(1000, deadline - Date.now()) });
    await waitFor(page, deadline, (s) => s.clientState === 'connected' && s.framesDecoded >= opts.frames,
      `${opts.frames} frames after resuming`);
    const after = await page.evaluate(() => window.nvcf.client.sessionId);
    result.sessionIds = [before, after];
    result.resumed = !!before && before === after;
    log(`resumed: session ${after}, ${result.framesDecoded} frames on the new connection`);
    if (!result.resumed) throw new Error(`session changed on reconnect: ${before} -> ${after}`);
  }

  if (opts.holdSeconds > 0) {
    log(`holding for ${opts.holdSeconds} s`);
    const holdStart = Date.now();
    const holdEnd = holdStart + opts.holdSeconds * 1000;
    let last = result.framesDecoded;
    let lastProgress = Date.now();
    let nextMark = holdStart;
    result.longestGapMs = 0;
    while (Date.now() < holdEnd) {
      await sleep(Math.min(opts.sampleMs, Math.max(0, holdEnd - Date.now())));
      const s = await stats(page);
      absorb(s);
      if (!s || ['failed', 'ended'].includes(s.clientState) || ['failed', 'closed'].includes(s.connectionState)) {
        throw new Error(`session lost while holding (client ${s && s.clientState}, peer connection ${s && s.connectionState})`);
      }
      const now = Date.now();
      // The gap: from one sample with new frames to the next, so it is
      // never below the sampling period.
      result.longestGapMs = Math.max(result.longestGapMs, now - lastProgress);
      if (s.framesDecoded > last) {
        last = s.framesDecoded;
        lastProgress = now;
      } else if (now - lastProgress > 3000) {
        throw new Error(`video stalled at ${s.framesDecoded} frames while holding`);
      }
      if (now >= nextMark) {
        // One point a second: what a person reading the report wants.
        result.timeline.push({ t: Math.round((now - holdStart) / 100) / 10, frames: s.framesDecoded,
          kbps: s.videoBitrateKbps, fps: s.framesPerSecond, freezes: s.freezeCount });
        nextMark += 1000;
      }
    }
  }

  absorb(await stats(page));
}

// --- main --------------------------------------------------------------------

runDriver({ parseArgs, usage: USAGE, result, run, finish, log, limitSeconds: (o) => o.timeout + o.holdSeconds });
