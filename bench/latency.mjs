// bench/latency.mjs: glass-to-glass latency and time to first frame, the
// streamer against the baseline sender, sessions interleaved in one run
// (these machines are noisy: only ratios from one run mean anything).
//   node bench/latency.mjs --ours ws://127.0.0.1:P/sign_in --baseline ws://127.0.0.1:Q/
//        [--column NAME=ws://...]... [--sessions 3] [--frames 150] [--warmup 30]
//        [--steady SECONDS] [--label 720p30] [--out FILE]
//        [--start NAME=COMMAND --ready NAME=URL]...
// --column: another streamer (our protocol), another column: e.g. the sink
// with playout-delay=false, the effect of one setting measured in the same
// run. --steady S: sessions last S seconds more, and the last --frames
// frames are measured again as "steady": Chromium's timing settles over
// tens of seconds, and the first seconds after a viewer joins differ.
// --start NAME=COMMAND (sh) starts the sender of column NAME (ours, baseline
// or a --column) before each of its sessions, which begins once --ready
// NAME=URL answers 200, and stops it after: a streamer encodes with no
// viewer, so streamers left running would take the cores from the sender
// being measured, and skew its figures by how many columns there are.
// Each session is a fresh page of headless Chromium (bench/page.html). It
// prints a table and writes the figures as JSON (--out).

import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, serveStatic } from '../tests/e2e/chromium-common.mjs';
import { sleep } from './proc.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = { sessions: 3, frames: 150, warmup: 30, steady: 0, label: '', out: '', chromium: '/usr/bin/chromium' };
const columns = [];
const starts = {};
const readyUrls = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  const value = argv[++i];
  if (key === 'column' && /^[\w-]+=/.test(value || '')) {
    const name = value.slice(0, value.indexOf('='));
    columns.push(name);
    opts[name] = value.slice(name.length + 1);
    continue;
  }
  if ((key === 'start' || key === 'ready') && /^[\w-]+=/.test(value || '')) {
    const name = value.slice(0, value.indexOf('='));
    (key === 'start' ? starts : readyUrls)[name] = value.slice(name.length + 1);
    continue;
  }
  if (!(key in opts) && !['ours', 'baseline'].includes(key)) {
    console.error(`latency.mjs: unknown option --${key}`);
    process.exit(2);
  }
  opts[key] = ['sessions', 'frames', 'warmup', 'steady'].includes(key) ? Number(value) : value;
}
if (!opts.ours || !opts.baseline) {
  console.error('latency.mjs: --ours and --baseline are required');
  process.exit(2);
}
for (const name of Object.keys(starts)) {
  if (!readyUrls[name]) {
    console.error(`latency.mjs: --start ${name}=... needs --ready ${name}=URL`);
    process.exit(2);
  }
}

// Chromium's own per-frame figures (bench/page.mjs receiverStats), medians
// over sessions.
const RECEIVER = ['jitterBuffer', 'jitterBufferTarget', 'decode', 'processing'];
const PHASES = ['wsOpen', 'welcome', 'sessionStarted', 'offer', 'iceConnected', 'dtlsConnected', 'firstFrame'];

function quantile(values, q) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (v) => quantile(v, 0.5);

// Starts a column's sender (its own process group, so that the stop reaches
// whatever the shell started) and waits for its readiness.
async function startSender(mode) {
  const child = spawn('sh', ['-c', starts[mode]], { detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone already */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(timer);
  };
  let gone = false;
  exited.then(() => { gone = true; });
  for (const deadline = Date.now() + 30000; Date.now() < deadline && !gone; await sleep(50)) {
    try {
      if ((await fetch(readyUrls[mode])).status === 200) return stop;
    } catch { /* not listening yet */ }
  }
  await stop();
  throw new Error(`${mode}: ${gone ? 'sender exited' : 'not ready after 30 s'} (${starts[mode]})`);
}

async function session(context, base, mode) {
  let stop = null;
  if (starts[mode]) {
    try {
      stop = await startSender(mode);
    } catch (err) {
      return { mode, error: String(err), phases: {}, frames: [], unreadable: 0 };
    }
  }
  try {
    return await measure(context, base, mode);
  } finally {
    if (stop) await stop();
  }
}

async function measure(context, base, mode) {
  const page = await context.newPage();
  const url = opts[mode];
  const protocol = mode === 'baseline' ? 'baseline' : 'ours';
  try {
    await page.goto(`${base}/bench/page.html?mode=${protocol}&frames=${opts.frames + opts.warmup + opts.steady * 30}` +
      `&url=${encodeURIComponent(url)}`);
    await page.waitForFunction(() => window.benchResult, null, { timeout: 90000, polling: 100 });
    return await page.evaluate(() => window.benchResult);
  } catch (err) {
    return { mode, error: String(err), phases: {}, frames: [], unreadable: 0 };
  } finally {
    await page.close().catch(() => {});
  }
}

function summarize(results) {
  const ok = results.filter((r) => !r.error);
  const start = (r) => r.frames.slice(opts.warmup, opts.warmup + opts.frames);
  const frames = ok.flatMap(start);
  const out = {
    sessions: results.length,
    failed: results.length - ok.length,
    errors: results.filter((r) => r.error).map((r) => r.error),
    frames: frames.length,
    unreadable: ok.reduce((n, r) => n + r.unreadable, 0),
    mispaired: ok.reduce((n, r) => n + (r.mispaired || 0), 0),
    received: {}, display: {}, phases: {},
    // The header extensions Chromium agreed to in any session (URIs).
    extensions: [...new Set(ok.flatMap((r) => (r.extmap || []).map((l) => l.split(' ')[1])))],
  };
  for (const [key, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]]) {
    out.received[key] = quantile(frames.map((f) => f.received), q);
    out.display[key] = quantile(frames.map((f) => f.display), q);
  }
  out.received.min = frames.length ? Math.min(...frames.map((f) => f.received)) : null;
  // The issue's headline figure: the median over sessions of each one's p50.
  out.display.sessionMedianP50 = median(ok.map((r) => median(start(r).map((f) => f.display))));
  if (opts.steady) {
    const steady = ok.map((r) => r.frames.slice(-opts.frames));
    const all = steady.flat();
    out.steady = {
      received: { p50: quantile(all.map((f) => f.received), 0.5), p95: quantile(all.map((f) => f.received), 0.95) },
      display: { p50: quantile(all.map((f) => f.display), 0.5), p95: quantile(all.map((f) => f.display), 0.95),
        sessionMedianP50: median(steady.map((f) => median(f.map((x) => x.display)))) },
    };
  }
  // Each session's own p50s: the display wait after receipt is where the
  // compositor's vsync phase shows.
  out.perSession = ok.map((r) => {
    const f = start(r);
    return {
      receivedP50: median(f.map((x) => x.received)), displayP50: median(f.map((x) => x.display)),
      displayAfterReceiptP50: median(f.map((x) => x.display - x.received)),
      presentedAfterReceiptP50: median(f.map((x) => x.presented - x.received)),
      callbackAfterReceiptP50: median(f.map((x) => x.callback - x.received)),
    };
  });
  for (const p of PHASES) out.phases[p] = median(ok.map((r) => r.phases[p]).filter((v) => v !== undefined));
  // The issue's first-frame figure: from the socket's open event, per
  // session (the phases count from the page's new WebSocket).
  out.firstFrameAfterOpen = median(ok.filter((r) => r.phases.firstFrame !== undefined && r.phases.wsOpen !== undefined)
    .map((r) => r.phases.firstFrame - r.phases.wsOpen));
  out.receiver = {};
  for (const key of RECEIVER) {
    out.receiver[key] = median(ok.map((r) => (r.receiver || {})[key]).filter((v) => typeof v === 'number'));
  }
  return out;
}

const fmt = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
const ratio = (a, b) => (a === null || b === null || !b ? '-' : (a / b).toFixed(2));

async function main() {
  const server = await serveStatic(root, () => {});
  const base = `http://127.0.0.1:${server.address().port}`;
  const { context, userDataDir } = await launchChromium(opts.chromium, 'nvcf-bench-');
  const modes = ['ours', 'baseline', ...columns];
  const results = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (let i = 0; i < opts.sessions; i++) {
      // Interleaved, alternating which goes first.
      const order = i % 2 ? [...modes].reverse() : modes;
      for (const mode of order) {
        const r = await session(context, base, mode);
        results[mode].push(r);
        process.stderr.write(`latency.mjs: ${opts.label} ${mode} session ${i + 1}: ` +
          `${r.error ? `FAILED ${r.error}` : `${r.frames.length} frames (${r.mispaired} mispaired, ` +
            `${r.unreadable} unreadable), first frame ${fmt(r.phases.firstFrame)} ms; ` +
            `answered extensions: ${(r.extmap || []).join(' ') || 'none'}`}\n`);
      }
    }
  } finally {
    await closeAll({ context, server, userDataDir });
  }
  const summary = Object.fromEntries(modes.map((m) => [m, summarize(results[m])]));
  const figures = [
    ['received p50 (ms)', (r) => r.received.p50], ['received p95', (r) => r.received.p95],
    ['received p99', (r) => r.received.p99], ['received min', (r) => r.received.min],
    ['display p50', (r) => r.display.p50], ['display p95', (r) => r.display.p95],
    ['display p99', (r) => r.display.p99],
    ['display p50, median of sessions', (r) => r.display.sessionMedianP50],
    ...(opts.steady ? [
      [`steady: received p50`, (r) => r.steady.received.p50], ['steady: received p95', (r) => r.steady.received.p95],
      ['steady: display p50', (r) => r.steady.display.p50], ['steady: display p95', (r) => r.steady.display.p95],
      ['steady: display p50, median of sessions', (r) => r.steady.display.sessionMedianP50],
    ] : []),
    ...RECEIVER.map((k) => [`receiver ${k} (ms/frame)`, (r) => r.receiver[k]]),
    ...PHASES.map((p) => [`${p} (ms after new WebSocket)`, (r) => r.phases[p]]),
    ['first frame after socket open', (r) => r.firstFrameAfterOpen],
  ];
  console.log(`\n${opts.label || 'latency'}: ${opts.sessions} sessions each, ${opts.frames} frames ` +
    `after ${opts.warmup} warm-up${opts.steady ? ` and the last ${opts.frames} of ${opts.steady} s more (steady)` : ''}; ` +
    'ratio = ours / baseline');
  const others = modes.filter((m) => m !== 'ours' && m !== 'baseline');
  console.log(`${'figure'.padEnd(42)}${'ours'.padStart(9)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}` +
    others.map((m) => m.padStart(m.length + 3)).join(''));
  for (const [name, get] of figures) {
    const a = get(summary.ours);
    const b = get(summary.baseline);
    console.log(`${name.padEnd(42)}${fmt(a).padStart(9)}${fmt(b).padStart(10)}${ratio(a, b).padStart(8)}` +
      others.map((m) => fmt(get(summary[m])).padStart(m.length + 3)).join(''));
  }
  const report = { label: opts.label, date: new Date().toISOString(), options: opts, ...summary };
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(modes.some((m) => summary[m].failed) ? 1 : 0);
}

main().catch((err) => {
  console.error(`latency.mjs: ${err.stack || err}`);
  process.exit(1);
});
