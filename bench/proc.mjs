// bench/proc.mjs: what the cost-per-viewer, churn and start-up benches share:
// a sender process's resources read from /proc, the werift viewer run as a
// child, and the table printer.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const viewerScript = path.join(root, 'tests', 'e2e', 'werift-viewer.mjs');
// USER_HZ: 100 on every Linux this runs on (sysconf is not reachable from node).
const TICKS = 100;

/** CPU ticks (user + system) in a /proc stat line; null when unreadable. */
function statTicks(file) {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // Fields after the command name, which may hold spaces: utime is the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU ticks of pid and its threads; null once it is gone. */
const cpuTicks = (pid) => statTicks(`/proc/${pid}/stat`);

/** CPU seconds a thread ran: schedstat's nanoseconds, or its stat ticks. */
function threadSeconds(pid, tid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    const ticks = statTicks(`/proc/${pid}/task/${tid}/stat`);
    return ticks === null ? null : ticks / TICKS;
  }
}

/**
 * CPU seconds of pid's per-session threads (named "session-…" by the sink:
 * each session's queue thread, which runs its payloader, webrtcbin's RTP
 * path and the send) and of all others (source, encoder, tee, servers).
 * In nanoseconds where the kernel has them: one viewer's session thread
 * at a small size runs under one 10 ms tick in a window, which ticks
 * read as none. Threads that ended since the last read are lost to both,
 * so this is read only while the viewers run.
 */
function threadCpu(pid) {
  const split = { session: 0, shared: 0 };
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return null; }
  for (const tid of tids) {
    let comm = '';
    try { comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'); } catch { continue; }
    const seconds = threadSeconds(pid, tid);
    if (seconds !== null) split[comm.startsWith('session-') ? 'session' : 'shared'] += seconds;
  }
  return split;
}

function statusField(pid, name) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : null;
}

/** Inodes of the UDP sockets open in this network namespace. */
function udpInodes() {
  const inodes = new Set();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** RSS (KiB), threads, open fds and UDP sockets of pid, now. */
export function resources(pid) {
  const links = fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; }
  });
  const udp = udpInodes();
  const sockets = links.map((l) => l.match(/^socket:\[(\d+)\]$/)).filter(Boolean).map((m) => m[1]);
  return {
    rssKiB: statusField(pid, 'VmRSS'),
    threads: statusField(pid, 'Threads'),
    fds: links.length,
    udpSockets: sockets.filter((inode) => udp.has(inode)).length,
  };
}

/**
 * Starts measuring pid's CPU; stop() gives % of one core since the start,
 * and stopSplit() the same for its per-session threads and the rest.
 */
export function cpuMeter(pid) {
  const t0 = process.hrtime.bigint();
  const c0 = cpuTicks(pid);
  const s0 = threadCpu(pid);
  const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const percent = (a, b, s) => (a === null || b === null || s <= 0 ? null : ((b - a) / TICKS / s) * 100);
  return {
    stop() {
      return percent(c0, cpuTicks(pid), seconds());
    },
    stopSplit() {
      const s1 = threadCpu(pid);
      const s = seconds();
      // A session thread that started inside the window counts from zero.
      if (!s0 || !s1) return { session: null, shared: null };
      const share = (a, b) => (s <= 0 ? null : ((b - a) / s) * 100);
      return { session: share(s0.session, s1.session), shared: share(s0.shared, s1.shared) };
    },
  };
}

/**
 * Where the werift viewers run: NVCF_BENCH_VIEWER_CPUS (a taskset list,
 * scripts/bench --pin) keeps them off the senders' core, so a sender's CPU
 * time is not inflated by the viewers' own load on a 2-core machine.
 */
const viewerCpus = process.env.NVCF_BENCH_VIEWER_CPUS || '';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One werift viewer (tests/e2e/werift-viewer.mjs --seconds) of url; resolves
 * with its JSON report ({ok, error, frames: {complete, incomplete, windowMs},
 * firstVideoMs, ...}). extra: more werift-viewer.mjs options (--ice JSON).
 */
export function viewer(url, protocol, seconds, timeout = seconds + 30, extra = []) {
  return new Promise((resolve) => {
    const args = [viewerScript, '--signalling', url, '--protocol', protocol,
      '--seconds', String(seconds), '--timeout', String(timeout), ...extra];
    const [cmd, argv] = viewerCpus ? ['taskset', ['-c', viewerCpus, process.execPath, ...args]]
      : [process.execPath, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        resolve({ ok: false, error: `viewer exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

/** Parses `--name value` options into opts (numbers where opts has one). */
export function parseArgs(argv, opts, script) {
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in opts)) {
      console.error(`${script}: unknown option ${argv[i]}`);
      process.exit(2);
    }
    const value = argv[++i];
    opts[key] = typeof opts[key] === 'number' ? Number(value) : value;
  }
  return opts;
}

/** The median of the values not null (an even count: the mean of the middle two); null if none. */
export function median(values) {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));
export const ratio = (a, b) => (a === null || b === null || a === undefined || b === undefined || !b ? '-' : (a / b).toFixed(2));

/** Prints rows [name, ...cells] under a header, first column left-aligned. */
export function printTable(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)) + (i ? 2 : 0));
  console.log(`\n${title}`);
  const line = (cells) => cells.map((c, i) => (i ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
