// bench/ready.mjs: launcher start to ready, and the process's first
// session. Starts `nvcf-streamer` (its default pipeline) again and again
// and times, from the exec: the control server answering at all, and GET
// /v1/streaming/ready answering 200 (media flowing, a session can start);
// then one werift viewer's first video packet after its socket opened (a
// process's first session is the one NVCF's exit policy serves). The
// baseline sender has no readiness: its ready is the WebSocket port
// accepting connections.
//   node bench/ready.mjs --streamer PATH --baseline-sender PATH --source 'GST...'
//        [--runs 5] [--label L] [--out FILE]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fmt, median, parseArgs, printTable, ratio, sleep, viewer } from './proc.mjs';

const opts = parseArgs(process.argv.slice(2), {
  streamer: '', 'baseline-sender': '', source: '', runs: 5, label: '', out: '',
}, 'ready.mjs');
if (!opts.streamer || !opts['baseline-sender'] || !opts.source) {
  console.error('ready.mjs: --streamer, --baseline-sender and --source are required');
  process.exit(2);
}
const POLL_MS = 2;
const LIMIT_MS = 20000;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Polls until check() is true; ms since t0, or null past the limit. */
async function until(t0, check) {
  while (msSince(t0) < LIMIT_MS) {
    if (await check()) return msSince(t0);
    await sleep(POLL_MS);
  }
  return null;
}

async function status(url) {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0; // not listening yet
  }
}

function connects(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(6000)]);
  child.kill('SIGKILL');
}

async function ours() {
  const [control, streaming] = [await freePort(), await freePort()];
  const t0 = process.hrtime.bigint();
  const child = spawn(opts.streamer, [], {
    stdio: 'ignore',
    env: { ...process.env, CONTROL_SERVER_PORT: String(control), STREAMING_SERVER_PORT: String(streaming),
      NVCF_ICE_ADDRESSES: '127.0.0.1' },
  });
  const url = `http://127.0.0.1:${control}/v1/streaming/ready`;
  const listening = await until(t0, async () => (await status(url)) !== 0);
  const ready = await until(t0, async () => (await status(url)) === 200);
  const first = ready === null ? null : await viewer(`ws://127.0.0.1:${streaming}/sign_in`, 'ours', 0.5);
  await stop(child);
  return { listening, ready, firstVideo: first && first.ok ? first.firstVideoMs : null };
}

async function baseline() {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(opts['baseline-sender'], [String(port), `${opts.source} ! rtph264pay`], { stdio: 'ignore' });
  const listening = await until(t0, () => connects(port));
  const first = listening === null ? null : await viewer(`ws://127.0.0.1:${port}/`, 'baseline', 0.5);
  await stop(child);
  return { listening, ready: listening, firstVideo: first && first.ok ? first.firstVideoMs : null };
}

async function main() {
  const runs = { ours: [], baseline: [] };
  for (let i = 0; i < opts.runs; i++) {
    runs.ours.push(await ours());
    runs.baseline.push(await baseline());
  }
  const summary = Object.fromEntries(Object.entries(runs).map(([m, r]) => [m, {
    listening: median(r.map((x) => x.listening)), ready: median(r.map((x) => x.ready)),
    firstVideo: median(r.map((x) => x.firstVideo)),
    failed: r.filter((x) => x.ready === null || x.firstVideo === null).length,
  }]));
  printTable(`${opts.label || 'start'}: ms from exec (first session: from its socket), median of ` +
    `${opts.runs}; the baseline's ready = listening`,
    ['figure', 'ours', 'baseline', 'ratio'], [
      ['listening', fmt(summary.ours.listening), fmt(summary.baseline.listening),
        ratio(summary.ours.listening, summary.baseline.listening)],
      ['ready 200', fmt(summary.ours.ready), fmt(summary.baseline.ready),
        ratio(summary.ours.ready, summary.baseline.ready)],
      ['first session: socket to video', fmt(summary.ours.firstVideo), fmt(summary.baseline.firstVideo),
        ratio(summary.ours.firstVideo, summary.baseline.firstVideo)],
    ]);
  const report = { label: opts.label, date: new Date().toISOString(), options: opts, runs, ...summary };
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(summary.ours.failed || summary.baseline.failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`ready.mjs: ${err.stack || err}`);
  process.exit(1);
});
