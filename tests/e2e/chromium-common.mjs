// chromium-common.mjs: what the headless Chromium drivers share: the browser
// flags that let WebRTC run on 127.0.0.1 only (docs/machine-notes.md), a
// static file server on loopback, and the browser launch.

import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Serves the files under root on 127.0.0.1:<any port>; resolves to the server. */
export function serveStatic(root, log) {
  return new Promise((resolve, reject) => {
    const srv = http.createServer((req, res) => {
      let rel;
      try {
        rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.resolve(root, `.${rel}`);
      if (!file.startsWith(root + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      fs.readFile(file, (err, data) => {
        if (err) {
          log(`HTTP 404 ${req.url}`);
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        res.writeHead(200, {
          'content-type': MIME[path.extname(file)] || 'application/octet-stream',
          'cache-control': 'no-store',
        }).end(data);
      });
    });
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

/**
 * Starts headless Chromium with a fresh profile in a temporary directory
 * (Playwright refuses --user-data-dir). Resolves to { context, page,
 * userDataDir }; the caller removes userDataDir after closing the context.
 */
export async function launchChromium(executablePath, prefix) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30000,
    // Signals are handled by the driver (it closes the browser and still
    // prints its JSON line); Playwright's own handlers would exit first.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const page = context.pages()[0] || await context.newPage();
  return { context, page, userDataDir };
}

/** Closes the browser and the server, removes the profile; never throws. */
export async function closeAll({ context, server, userDataDir }) {
  if (context) {
    // Playwright kills the browser itself when this process exits, so a hung
    // close is not fatal.
    await Promise.race([context.close().catch(() => {}), sleep(5000)]);
  }
  if (server) {
    server.closeAllConnections?.();
    server.close();
  }
  if (userDataDir) {
    try { fs.rmSync(userDataDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

/**
 * The drivers' main: parse the arguments (a bad one prints the usage, a
 * JSON result and exits 2), bound the whole run by limitSeconds(opts) + 30 s,
 * end on signals and unhandled rejections, and report through finish(ok,
 * error), which prints the result line and exits.
 */
export function runDriver({ parseArgs, usage, result, run, finish, log, limitSeconds }) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n${usage}\n`);
    result.error = `bad arguments: ${err.message}`;
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(2);
  }

  // Hard limit over everything: browser start, the waits, shutdown.
  const hardLimitMs = (limitSeconds(opts) + 30) * 1000;
  setTimeout(() => {
    log('hard timeout');
    finish(false, `hard timeout after ${hardLimitMs / 1000} s${result.error ? ` (${result.error})` : ''}`);
    setTimeout(() => process.exit(1), 8000).unref();
  }, hardLimitMs);

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => finish(false, `interrupted by ${sig}`));
  }
  process.on('unhandledRejection', (err) => finish(false, `unhandled rejection: ${err && err.message}`));

  run(opts).then(
    () => finish(true),
    async (err) => {
      log(`error: ${err.message}`);
      await finish(false, err.message);
    },
  );
}
