// What the browser tests (cors_test.mjs, console_test.mjs) share: the deadlines, finding the
// latchkey binary, one-shot HTTP calls, starting and stopping `latchkey serve`, launching
// headless Chromium, and runTest(), which runs a test's main() under a watchdog and the signal
// handlers, stops whatever it started (on failure too) and sets the exit status.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HOST = '127.0.0.1';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// Deadlines, generous enough for a Debug+ASan server on 2 busy cores. Each test sets its own
// page deadline and watchdog.
export const START_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 30_000;
export const HTTP_TIMEOUT_MS = 30_000;

const LISTENING_RE = /^latchkey: listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/;
const TOKEN_RE = /^admin personal access token \(shown once, store it now\): (\S+)\s*$/;

// ---- small helpers ---------------------------------------------------------------------------

/** A log() that prints its arguments after "`prefix`:". */
export function makeLog(prefix) {
  return (...args) => console.log(`${prefix}:`, ...args);
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export function withDeadline(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The latchkey binary under test: $LATCHKEY_BIN, else the newest build/<dir>/src/latchkey. */
export function findBinary() {
  const given = process.env.LATCHKEY_BIN;
  if (given) {
    try {
      fs.accessSync(given, fs.constants.X_OK);
    } catch {
      throw new Error(`LATCHKEY_BIN=${given} is not an executable file`);
    }
    return given;
  }
  const buildDir = path.join(REPO_ROOT, 'build');
  const candidates = (fs.existsSync(buildDir) ? fs.readdirSync(buildDir) : [])
    .map((dir) => path.join(buildDir, dir, 'src', 'latchkey'))
    .filter((file) => fs.existsSync(file))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (candidates.length === 0) throw new Error('no latchkey binary: set LATCHKEY_BIN');
  return candidates[0];
}

/**
 * One HTTP request on a new connection: {status, headers, json, text}. `body` is JSON-encoded;
 * `token` goes in Authorization: Bearer, `cookie` in Cookie.
 */
export function httpCall(port, method, urlPath, { body, token, cookie, headers = {} } = {}) {
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const hdrs = { Connection: 'close', ...headers };
  if (token) hdrs.Authorization = `Bearer ${token}`;
  if (cookie) hdrs.Cookie = cookie;
  if (raw) {
    hdrs['Content-Type'] = 'application/json';
    hdrs['Content-Length'] = raw.length;
  }
  const call = new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path: urlPath, headers: hdrs,
                               agent: false }, (resp) => {
      const chunks = [];
      resp.on('data', (chunk) => chunks.push(chunk));
      resp.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: json stays null */ }
        resolve({ status: resp.statusCode, headers: resp.headers, json, text });
      });
      resp.on('error', reject);
    });
    req.on('error', reject);
    req.end(raw);
  });
  return withDeadline(call, HTTP_TIMEOUT_MS, `${method} ${urlPath}`);
}

// ---- the latchkey server ---------------------------------------------------------------------

/**
 * Starts `latchkey serve` on 127.0.0.1:0 with `dataDir` and `extraArgs` after the others, its
 * stderr written to `logPath` (the command line logged first with `log`, when given); resolves
 * {port, adminToken, logPath, stop()} once it answers. stop() resolves the exit code.
 */
export async function startLatchkey(dataDir, logPath, extraArgs = [], log = null) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')));
  const args = ['serve', '--data', dataDir, '--listen', `${HOST}:0`, ...extraArgs];
  const logFd = fs.openSync(logPath, 'w');
  const binary = findBinary();
  log?.(`${binary} ${args.join(' ')}`);
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', logFd], env });
  fs.closeSync(logFd);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) =>
    resolve(code ?? `signal ${signal}`)));

  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill('SIGTERM');
    try {
      return await withDeadline(exited, STOP_TIMEOUT_MS, 'latchkey stop');
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
  };

  let adminToken = null;
  const listening = new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      let m;
      if ((m = TOKEN_RE.exec(line))) adminToken = m[1];
      else if ((m = LISTENING_RE.exec(line))) resolve(Number(m[1]));
    });
    exited.then((code) => reject(new Error(`latchkey serve exited (${code}) before listening; ` +
                                           `log: ${logPath}`)));
  });
  let port;
  try {
    port = await withDeadline(listening, START_TIMEOUT_MS, 'latchkey "listening on" line');
    // One answer first: the server's signal handlers are installed (see harness.py).
    const health = await httpCall(port, 'GET', '/healthz');
    assert.equal(health.status, 200, `GET /healthz: ${health.text}`);
    assert.ok(adminToken, 'latchkey printed no admin token on its first start');
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return { port, adminToken, logPath, stop };
}

// ---- the browser -----------------------------------------------------------------------------

/** Headless Debian Chromium with a new empty profile (playwright-core makes one). */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: START_TIMEOUT_MS,
    // runTest()'s own signal handlers close it along with everything else.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Root needs --no-sandbox; the rest keeps Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// ---- running a test --------------------------------------------------------------------------

/** Runs `cleanups` last one first, each with a deadline; resolves the errors they threw. */
export async function runCleanups(cleanups) {
  const errors = [];
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await withDeadline(Promise.resolve().then(cleanup), STOP_TIMEOUT_MS, 'cleanup');
    } catch (e) {
      errors.push(e);
    }
  }
  return errors;
}

/**
 * Runs `main(cleanups)`, then the cleanups it pushed, and prints "`prefix`: passed" or, exit
 * status 1, "`prefix`: FAILED: …" (the first error: main's, else a cleanup's). A watchdog after
 * `watchdogMs` and SIGINT, SIGTERM and SIGHUP abandon the run: the cleanups run, then exit 1.
 */
export async function runTest(prefix, watchdogMs, main) {
  const cleanups = [];
  function abandon(reason) {
    console.error(`${prefix}: FAILED: ${reason}`);
    runCleanups(cleanups).finally(() => process.exit(1));
  }
  const watchdog = setTimeout(() => abandon(`no result within ${watchdogMs} ms`), watchdogMs);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => abandon(`stopped by ${signal}`));
  }

  let failure = null;
  try {
    await main(cleanups);
  } catch (e) {
    failure = e;
  }
  const cleanupErrors = await runCleanups(cleanups);
  clearTimeout(watchdog);
  failure ??= cleanupErrors[0];
  if (failure) {
    console.error(`${prefix}: FAILED:`, failure.stack || failure);
    process.exit(1);
  }
  console.log(`${prefix}:`, 'passed');
}
