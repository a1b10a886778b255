// bench/viewers.mjs: the cost per viewer. 0, 1, 2, 4 and 8 werift viewers at
// once of the streamer (one shared encode) and of the baseline sender (one
// pipeline per viewer), interleaved: the sender's CPU (% of one core) and
// RSS over a window while they watch, and the frames each viewer missed.
//   node bench/viewers.mjs --ours ws://127.0.0.1:P/sign_in --ours-pid PID
//        --baseline ws://127.0.0.1:Q/ --baseline-pid PID
//        [--counts 0,1,2,4,8] [--window 10] [--rounds 1] [--fps 30] [--label L]
//        [--out FILE]
// --rounds N: the whole sequence N times, each count's CPU the median of its
// rounds: one window's CPU moves by a few points between runs on these
// machines, as much as a viewer's cost, so one 1-then-8 pass can mislead;
// RSS is the first round's, the worst miss of any round.
// werift does not decode, so the viewers cost the machine little; a frame is
// missed when it did not arrive whole (fps x the RTP time a viewer's frames
// span, expected).

import fs from 'node:fs';
import { cpuMeter, fmt, median, parseArgs, printTable, ratio, resources, sleep, viewer } from './proc.mjs';

const opts = parseArgs(process.argv.slice(2), {
  ours: '', 'ours-pid': 0, baseline: '', 'baseline-pid': 0,
  counts: '0,1,2,4,8', window: 10, rounds: 1, fps: 30, label: '', out: '',
}, 'viewers.mjs');
if (!opts.ours || !opts.baseline || !opts['ours-pid'] || !opts['baseline-pid']) {
  console.error('viewers.mjs: --ours, --ours-pid, --baseline and --baseline-pid are required');
  process.exit(2);
}
const counts = opts.counts.split(',').map(Number);
// Viewers connect and settle before the window opens, and outlast it.
const SETTLE_MS = 4000;

async function measure(mode, count) {
  const url = opts[mode];
  const pid = opts[`${mode}-pid`];
  const viewers = Array.from({ length: count }, () =>
    viewer(url, mode, SETTLE_MS / 1000 + opts.window + 2));
  await sleep(count ? SETTLE_MS : 1000);
  const meter = cpuMeter(pid);
  await sleep(opts.window * 1000);
  const cpu = meter.stop();
  const split = mode === 'ours' ? meter.stopSplit() : { session: null, shared: null };
  const res = resources(pid);
  const reports = await Promise.all(viewers);
  const failed = reports.filter((r) => !r.ok);
  // Per viewer: the share of the frames it should have had that it missed.
  const missed = reports.filter((r) => r.ok && r.frames).map((r) => {
    // Frames the sender made over the span this viewer saw, ends included.
    const expected = (opts.fps * r.frames.mediaMs) / 1000 + 1;
    return expected > 0 ? Math.max(0, expected - r.frames.complete) / expected * 100 : 100;
  });
  return {
    mode, viewers: count, cpuPercent: cpu, sessionCpuPercent: split.session, sharedCpuPercent: split.shared,
    rssMiB: res.rssKiB / 1024, threads: res.threads,
    failed: failed.length, errors: failed.map((r) => r.error),
    missedPercent: missed.length ? Math.max(...missed) : null,
    missedPercentMean: missed.length ? missed.reduce((a, b) => a + b, 0) / missed.length : null,
  };
}

/** One row per mode and count over the rounds: medians, the worst miss. */
function summarize(rounds, mode, count) {
  const rs = rounds.map((results) => results.find((r) => r.mode === mode && r.viewers === count));
  const pick = (key) => median(rs.map((r) => r[key]));
  const missed = rs.map((r) => r.missedPercent).filter((x) => x !== null);
  return {
    mode, viewers: count, cpuPercent: pick('cpuPercent'), sessionCpuPercent: pick('sessionCpuPercent'),
    sharedCpuPercent: pick('sharedCpuPercent'),
    // The first round's: later rounds start from the memory the 8 viewers
    // left the allocator holding, which is not a count's own cost.
    rssMiB: rs[0].rssMiB, rssMiBRounds: rs.map((r) => r.rssMiB),
    cpuPercentRounds: rs.map((r) => r.cpuPercent),
    failed: rs.reduce((n, r) => n + r.failed, 0), missedPercent: missed.length ? Math.max(...missed) : null,
  };
}

async function main() {
  const rounds = [];
  for (let round = 0; round < opts.rounds; round++) {
    const results = [];
    for (const [i, count] of counts.entries()) {
      // The order alternates by count and by round, so neither sender is
      // always measured right after the other's load.
      for (const mode of (i + round) % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) {
        const r = await measure(mode, count);
        results.push(r);
        process.stderr.write(`viewers.mjs: round ${round + 1}: ${mode} ${count} viewers: CPU ${fmt(r.cpuPercent)}%, ` +
          `RSS ${fmt(r.rssMiB)} MiB, missed ${fmt(r.missedPercent)}%` +
          `${r.failed ? `, ${r.failed} FAILED: ${r.errors.join('; ')}` : ''}\n`);
      }
    }
    rounds.push(results);
  }
  const summary = counts.flatMap((n) => ['ours', 'baseline'].map((mode) => summarize(rounds, mode, n)));
  const get = (mode, count) => summary.find((r) => r.mode === mode && r.viewers === count);
  const one = get('ours', 1);
  const over = opts.rounds > 1 ? `, the median of ${opts.rounds} rounds` : '';
  printTable(`${opts.label || 'viewers'}: sender CPU (% of one core) and RSS over ${opts.window} s${over}; ` +
    'ours sessions = its per-session threads, ours shared = the rest (source, encode, servers); ' +
    'missed = worst viewer\'s frames not received whole', [
    'viewers', 'ours CPU', 'baseline CPU', 'ratio', 'ours/1 viewer', 'ours sessions', 'ours shared',
    'ours RSS', 'baseline RSS', 'ours missed', 'baseline missed'],
  counts.map((n) => {
    const o = get('ours', n);
    const b = get('baseline', n);
    return [n, `${fmt(o.cpuPercent)}%`, `${fmt(b.cpuPercent)}%`, ratio(o.cpuPercent, b.cpuPercent),
      one ? ratio(o.cpuPercent, one.cpuPercent) : '-', `${fmt(o.sessionCpuPercent)}%`,
      `${fmt(o.sharedCpuPercent)}%`, `${fmt(o.rssMiB)} MiB`, `${fmt(b.rssMiB)} MiB`,
      n ? `${fmt(o.missedPercent)}%` : '-', n ? `${fmt(b.missedPercent)}%` : '-'];
  }));
  if (opts.rounds > 1) {
    printTable('ours CPU in each round', ['viewers', ...rounds.map((_, i) => `round ${i + 1}`)],
      counts.map((n) => [n, ...get('ours', n).cpuPercentRounds.map((c) => `${fmt(c)}%`)]));
  }
  const report = { label: opts.label, date: new Date().toISOString(), options: opts, results: summary, rounds };
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(summary.some((r) => r.failed) ? 1 : 0);
}

main().catch((err) => {
  console.error(`viewers.mjs: ${err.stack || err}`);
  process.exit(1);
});
