#!/usr/bin/env node
// gstwebrtc-api-viewer.mjs: watch a streamer in headless Chromium through the
// unmodified gstwebrtc-api library (npm package, its published browser
// bundle), and report what arrived as one JSON line on stdout.
//
//   node gstwebrtc-api-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
//        [--frames 30] [--timeout 20] [--input] [--expect-codec H264|VP8]
//        [--screenshot FILE] [--chromium PATH]
//
// The page (gstwebrtc-api-viewer.html) waits for the producer the library
// announces, opens a consumer session and shows its stream. --input then
// moves the mouse to the video centre and presses "a" on the video element,
// which the library's RemoteController turns into navigation requests on the
// "control" data channel; every request must be answered (controlResponse)
// without error. Exit status 0 only when ok. Diagnostics go to stderr.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, runDriver, serveStatic, sleep } from './chromium-common.mjs';
import { parseOptions } from './cli.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LIBRARY = path.join(HERE, 'node_modules/gstwebrtc-api');

const USAGE = `usage: node gstwebrtc-api-viewer.mjs --signalling ws://127.0.0.1:PORT/sign_in
  [--frames N=30] [--timeout S=20] [--input] [--expect-codec H264|VP8]
  [--screenshot FILE.png] [--chromium /usr/bin/chromium]`;

function parseArgs(argv) {
  const opts = {
    signalling: null,
    frames: 30,
    timeout: 20,
    input: false,
    expectCodec: null,
    screenshot: null,
    chromium: '/usr/bin/chromium',
  };
  parseOptions(argv, opts, USAGE, (name, arg) => {
    switch (name) {
      case '--signalling': opts.signalling = arg.take(); return true;
      case '--frames': opts.frames = arg.number(); return true;
      case '--timeout': opts.timeout = arg.number(); return true;
      case '--input': opts.input = true; return true;
      case '--expect-codec': opts.expectCodec = arg.take(); return true;
      case '--screenshot': opts.screenshot = arg.take(); return true;
      case '--chromium': opts.chromium = arg.take(); return true;
      default: return false;
    }
  });
  return opts;
}

// --- result and exit ---------------------------------------------------------

const result = {
  ok: false,
  library: null,
  producers: [],
  framesDecoded: 0,
  audioPackets: 0,
  audioInSdp: false,
  codec: null,
  width: 0,
  height: 0,
  inputSent: [],
  controlResponses: [],
  error: null,
  connectionState: null,
  candidatePair: null,
  libraryErrors: [],
  pageErrors: [],
  elapsedMs: 0,
};

const started = Date.now();
let context = null;
let page = null;
let server = null;
let userDataDir = null;
let screenshotPath = null;
let finished = false;

const log = (...args) => process.stderr.write(`[gstwebrtc-api-viewer] ${args.join(' ')}\n`);

async function cleanup() {
  if (page && screenshotPath) {
    await Promise.race([
      page.screenshot({ path: screenshotPath }).then(() => log(`screenshot in ${screenshotPath}`), (err) => log(`screenshot: ${err.message}`)),
      sleep(5000),
    ]);
  }
  if (page) {
    // End the session through the library (endSession), so the streamer
    // frees it at once.
    await Promise.race([page.evaluate(() => window.viewer && window.viewer.close()).catch(() => {}), sleep(2000)]);
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
  result.ok = ok && result.pageErrors.length === 0 && result.libraryErrors.length === 0;
  if (ok && !result.ok) {
    error = `errors on the page: ${[...result.pageErrors, ...result.libraryErrors].join(' | ')}`;
  }
  result.error = result.ok ? null : error || 'failed';
  result.elapsedMs = Date.now() - started;
  await cleanup();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.ok ? 0 : 1);
}

// --- the run -----------------------------------------------------------------

async function snapshot() {
  const s = await page.evaluate(async () => {
    const v = window.viewer;
    if (!v) return null;
    const st = await v.stats();
    const pc = v.session && v.session.rtcPeerConnection;
    st.audioInSdp = !!(pc && pc.remoteDescription && /\nm=audio /.test(pc.remoteDescription.sdp));
    st.errors = v.errors.slice();
    st.producers = v.producers.map((p) => ({ id: p.id, meta: p.meta }));
    return st;
  });
  if (!s) return null;
  result.connectionState = s.connectionState;
  result.producers = s.producers;
  result.libraryErrors = s.errors;
  // Once the session closes its counters read 0: keep the last ones.
  if (s.connectionState !== 'none' || result.framesDecoded === 0) {
    result.framesDecoded = s.framesDecoded;
    result.audioPackets = s.audioPackets;
    result.audioInSdp = s.audioInSdp;
    result.codec = s.codec;
    result.width = s.width;
    result.height = s.height;
    result.candidatePair = s.candidatePair;
  }
  return s;
}

/** Polls until pred(snapshot) holds; throws on a library error or timeout. */
async function waitFor(deadline, pred, what) {
  for (;;) {
    const s = await snapshot();
    if (s && s.errors.length) throw new Error(`gstwebrtc-api reported: ${s.errors.join(' | ')}`);
    if (s && pred(s)) return s;
    if (s && s.state === 'closed') throw new Error(`the session closed while waiting for ${what}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (page ${s ? s.state : 'not loaded'}, ` +
        `peer connection ${s ? s.connectionState : '?'}, ${result.framesDecoded} frames decoded)`);
    }
    await sleep(200);
  }
}

async function sendInput(deadline) {
  await waitFor(deadline, (s) => s.controllerOpen && s.width > 0, 'the remote controller and the video size');
  const video = page.locator('#video');
  const box = await video.boundingBox();
  if (!box) throw new Error('video element has no box');
  const size = await page.evaluate(() => {
    const v = document.getElementById('video');
    return { w: v.videoWidth, h: v.videoHeight };
  });

  // Real DOM events on the element the library's RemoteController listens
  // to; its own handlers build and send the requests. The element's centre
  // is the picture's centre under object-fit: contain.
  const from = await page.evaluate(() => window.viewer.controlSent.length);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await video.focus();
  await page.keyboard.press('a');

  const sent = await page.evaluate((n) => window.viewer.controlSent.slice(n), from);
  result.inputSent = sent;
  const events = sent.map((m) => (m && m.request && m.request.event) || {});
  const names = events.map((e) => e.event);
  for (const want of ['MouseMove', 'KeyPress', 'KeyRelease']) {
    if (!names.includes(want)) throw new Error(`the library sent no ${want} (sent: ${names.join(', ') || 'nothing'})`);
  }
  const move = events.find((e) => e.event === 'MouseMove');
  const scale = Math.min(box.width / size.w, box.height / size.h);
  const tolerance = Math.max(2, 1.5 / scale);
  if (Math.abs(move.x - size.w / 2) > tolerance || Math.abs(move.y - size.h / 2) > tolerance) {
    throw new Error(`MouseMove at (${move.x}, ${move.y}), expected the video centre (${size.w / 2}, ${size.h / 2})`);
  }
  const ids = sent.map((m) => m.id);
  log(`input sent: ${names.join(', ')} (ids ${ids.join(', ')}); waiting for the controlResponse events`);

  // The library raises controlResponse only for webrtcsink's answer shape
  // ({"type":"ControlResponseMessage","id":n,"error":null}).
  for (;;) {
    const all = await page.evaluate(() => window.viewer.controlResponses.slice());
    const mine = all.filter((r) => r && ids.includes(r.id));
    result.controlResponses = mine;
    if (ids.every((id) => mine.some((r) => r.id === id))) break;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for controlResponse events: got ids [${mine.map((r) => r.id)}] of [${ids}]`);
    }
    await sleep(100);
  }
  const bad = result.controlResponses.filter((r) => r.error !== null && r.error !== undefined);
  if (bad.length) throw new Error(`requests refused: ${bad.map((r) => `#${r.id}: ${r.error}`).join('; ')}`);
}

async function run(opts) {
  const pkg = JSON.parse(fs.readFileSync(path.join(LIBRARY, 'package.json'), 'utf8'));
  result.library = `${pkg.name} ${pkg.version}`;
  // The published browser bundle ("main"), served as is from node_modules.
  const bundle = `/${path.relative(HERE, path.join(LIBRARY, pkg.main)).split(path.sep).join('/')}`;
  if (!fs.existsSync(path.join(HERE, bundle))) throw new Error(`no bundle at ${bundle}`);

  server = await serveStatic(HERE, log);
  const { port } = server.address();
  const query = new URLSearchParams({ signalling: opts.signalling, bundle });
  const url = `http://127.0.0.1:${port}/gstwebrtc-api-viewer.html?${query}`;
  log(`${result.library}: serving ${HERE} on 127.0.0.1:${port}`);

  ({ context, page, userDataDir } = await launchChromium(opts.chromium, 'nvcf-gstwebrtc-api-'));
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

  await waitFor(deadline, (s) => s.producers.length > 0, 'a producer announced by the library');
  await waitFor(deadline, (s) => s.framesDecoded >= opts.frames, `${opts.frames} decoded frames`);
  log(`${result.framesDecoded} frames decoded, codec ${result.codec}, ${result.width}x${result.height}`);
  if (result.audioInSdp) await waitFor(deadline, (s) => s.audioPackets > 0, 'audio packets (the offer has audio)');
  if (opts.expectCodec && String(result.codec).toUpperCase() !== opts.expectCodec.toUpperCase()) {
    throw new Error(`codec ${result.codec}, expected ${opts.expectCodec}`);
  }
  if (opts.input) await sendInput(deadline);
  await snapshot();
  if (result.libraryErrors.length) throw new Error(`gstwebrtc-api reported: ${result.libraryErrors.join(' | ')}`);
}

// --- main --------------------------------------------------------------------

runDriver({ parseArgs, usage: USAGE, result, run, finish, log, limitSeconds: (o) => o.timeout });
