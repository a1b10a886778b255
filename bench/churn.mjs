// bench/churn.mjs: sessions one after another (a werift viewer connects,
// receives for a second and leaves), alternating between the streamer and
// the baseline sender: failures, and what each sender holds afterwards
// against what it held after the first few (RSS, open fds, UDP sockets,
// threads).
//   node bench/churn.mjs --ours ws://127.0.0.1:P/sign_in --ours-pid PID
//        --baseline ws://127.0.0.1:Q/ --baseline-pid PID
//        [--sessions 500] [--seconds 1] [--warmup 5] [--label L] [--out FILE]
// --sessions counts each sender's sessions. The first --warmup of each are
// not counted in the growth: allocators and caches settle there.

import fs from 'node:fs';
import { fmt, parseArgs, printTable, resources, sleep, viewer } from './proc.mjs';

const opts = parseArgs(process.argv.slice(2), {
  ours: '', 'ours-pid': 0, baseline: '', 'baseline-pid': 0,
  sessions: 500, seconds: 1, warmup: 5, label: '', out: '',
}, 'churn.mjs');
if (!opts.ours || !opts.baseline || !opts['ours-pid'] || !opts['baseline-pid']) {
  console.error('churn.mjs: --ours, --ours-pid, --baseline and --baseline-pid are required');
  process.exit(2);
}
// At least one counted session.
opts.warmup = Math.max(0, Math.min(opts.warmup, opts.sessions - 1));
const MODES = ['ours', 'baseline'];
// A leaving viewer's session ends within this (webrtcbin teardown).
const SETTLE_MS = 3000;

async function main() {
  const state = Object.fromEntries(MODES.map((m) => [m, { failures: [], firstVideoMs: [], before: null }]));
  const started = Date.now();
  for (let i = 0; i < opts.sessions; i++) {
    if (i === opts.warmup) {
      await sleep(SETTLE_MS);
      for (const m of MODES) state[m].before = resources(opts[`${m}-pid`]);
    }
    for (const m of i % 2 ? [...MODES].reverse() : MODES) {
      const r = await viewer(opts[m], m, opts.seconds, opts.seconds + 20);
      if (!r.ok) state[m].failures.push(`session ${i + 1}: ${r.error}`);
      else state[m].firstVideoMs.push(r.firstVideoMs);
    }
    if ((i + 1) % 50 === 0) {
      process.stderr.write(`churn.mjs: ${i + 1}/${opts.sessions} sessions each, ` +
        `${MODES.map((m) => `${m} ${state[m].failures.length} failed`).join(', ')}, ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
  }
  await sleep(SETTLE_MS);
  const results = {};
  for (const m of MODES) {
    const s = state[m];
    const before = s.before || resources(opts[`${m}-pid`]);
    const after = resources(opts[`${m}-pid`]);
    const sorted = [...s.firstVideoMs].sort((a, b) => a - b);
    results[m] = {
      sessions: opts.sessions, failed: s.failures.length, failures: s.failures.slice(0, 20), before, after,
      rssGrowthMiB: (after.rssKiB - before.rssKiB) / 1024,
      firstVideoP50Ms: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null,
    };
  }
  const row = (name, get) => [name, ...MODES.map((m) => get(results[m]))];
  printTable(`${opts.label || 'churn'}: ${opts.sessions} sessions each of ${opts.seconds} s, ` +
    `growth after the first ${opts.warmup}`, ['figure', ...MODES], [
    row('failed sessions', (r) => r.failed),
    row('RSS growth', (r) => `${fmt(r.rssGrowthMiB)} MiB`),
    row('RSS after', (r) => `${fmt(r.after.rssKiB / 1024)} MiB`),
    row('open fds (before -> after)', (r) => `${r.before.fds} -> ${r.after.fds}`),
    row('UDP sockets (before -> after)', (r) => `${r.before.udpSockets} -> ${r.after.udpSockets}`),
    row('threads (before -> after)', (r) => `${r.before.threads} -> ${r.after.threads}`),
    row('first video packet p50', (r) => `${fmt(r.firstVideoP50Ms, 0)} ms`),
  ]);
  for (const m of MODES) for (const f of results[m].failures) process.stderr.write(`churn.mjs: ${m} ${f}\n`);
  const report = { label: opts.label, date: new Date().toISOString(), options: opts, ...results };
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(MODES.some((m) => results[m].failed) ? 1 : 0);
}

main().catch((err) => {
  console.error(`churn.mjs: ${err.stack || err}`);
  process.exit(1);
});
