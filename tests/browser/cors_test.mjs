// The browser test of docs/restrictions.md ("CORS on verify"): a real Chromium, two pages on
// two loopback origins, one key that allows browser calls from the first origin only.
//
// It starts `latchkey serve` ($LATCHKEY_BIN, else the newest build/*/src/latchkey) on
// 127.0.0.1 port 0 with a temporary data directory, reads its port and admin token from stdout,
// and creates a namespace and a key with {"native": false, "browser": true, "referrers":
// ["127.0.0.1:PORT_A"]}. Two static servers (origin A on PORT_A, origin B on PORT_B) serve a
// page whose script calls POST /v1/keys/verify cross-origin twice: once with the key in the
// body (a simple request, no preflight) and once with `Authorization: Bearer` (preflighted),
// and writes each outcome into the page. Headless Chromium, driven by playwright-core, opens
// both pages. Page A must read VALID both times; page B's fetches must fail with the browser's
// CORS error (the preflight passes, the answer carries no Access-Control-Allow-Origin), and the
// answer the server gives that origin must be ORIGIN_NOT_ALLOWED (asked directly, with an
// `Origin: http://127.0.0.1:PORT_B` header). A screenshot of each page is saved in
// $BROWSER_TEST_OUT (else a new directory under the system's temp directory); the path is
// printed.
//
// Every wait is for an event and has a deadline; a watchdog ends the whole run. Every process
// and server started here is stopped on the way out, on failure too. Exit status 0 = passed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  CHROMIUM, HOST, HTTP_TIMEOUT_MS, httpCall, launchChromium, makeLog, runTest, startLatchkey,
  withDeadline,
} from './common.mjs';

// This test's deadlines (the others are in common.mjs), generous enough for a Debug+ASan server
// on 2 busy cores.
const PAGE_TIMEOUT_MS = 60_000;
const WATCHDOG_MS = 240_000;

const CORS_REFUSAL = "No 'Access-Control-Allow-Origin' header is present on the requested resource";

const log = makeLog('browser-test');

// ---- the latchkey server ---------------------------------------------------------------------

/** Creates a namespace and a key for browser calls from `allowedHost` only; returns the secret. */
async function createBrowserKey(lk, allowedHost) {
  const created = async (urlPath, body) => {
    const resp = await httpCall(lk.port, 'POST', urlPath, { body, token: lk.adminToken });
    assert.equal(resp.status, 201, `POST ${urlPath}: ${resp.text}`);
    return resp.json;
  };
  const ns = await created('/v1/namespaces', { name: `browser-${process.pid}`,
                                               kind: 'application' });
  const key = await created('/v1/keys', {
    name: 'page-a-only', namespace: ns.id,
    origins: { native: false, browser: true, referrers: [allowedHost] },
  });
  return key.secret;
}

// ---- the two pages ---------------------------------------------------------------------------

/** The page: calls verify cross-origin both ways and writes each outcome into #body / #bearer. */
function pageHtml(label, verifyUrl, key) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${label}</title>
<style>
  body { font: 16px sans-serif; margin: 24px; }
  td, th { padding: 6px 14px; text-align: left; border-bottom: 1px solid #ccc; }
  .VALID { color: #070; font-weight: bold; } .refused { color: #b00; font-weight: bold; }
</style></head>
<body data-done="0">
<h1>${label}</h1>
<p>This page's origin: <code id="origin"></code><br>Calls: <code>POST ${verifyUrl}</code></p>
<table>
  <tr><th>how the key is sent</th><th>what this page could read</th></tr>
  <tr><td>{"key": &hellip;} in the body (simple request)</td><td id="body">&hellip;</td></tr>
  <tr><td>Authorization: Bearer (preflighted)</td><td id="bearer">&hellip;</td></tr>
</table>
<script>
const verifyUrl = ${JSON.stringify(verifyUrl)};
const key = ${JSON.stringify(key)};
async function attempt(init) {
  try {
    const resp = await fetch(verifyUrl, { method: 'POST', ...init });
    return (await resp.json()).code;
  } catch (e) {
    return 'refused: ' + e.name + ': ' + e.message;
  }
}
function show(id, outcome) {
  const cell = document.getElementById(id);
  cell.textContent = outcome;
  cell.className = outcome.startsWith('refused') ? 'refused' : outcome;
}
(async () => {
  document.getElementById('origin').textContent = location.origin;
  show('body', await attempt({ body: JSON.stringify({ key }) }));
  show('bearer', await attempt({ headers: { 'Authorization': 'Bearer ' + key,
                                            'Content-Type': 'application/json' },
                                 body: '{}' }));
  document.body.dataset.done = '1';
})();
</script>
</body></html>
`;
}

/** A static server on 127.0.0.1:0 serving `render()` at "/"; resolves {port, close()}. */
async function startPageServer(render) {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(render());
  });
  await withDeadline(new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  }), HTTP_TIMEOUT_MS, 'page server listen');
  const close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return { port: server.address().port, close };
}

/** Opens `url` in a new page; resolves the two outcomes and the page's console messages. */
async function visit(browser, url, screenshotPath) {
  const page = await browser.newPage();
  const consoleMessages = [];
  page.on('console', (msg) => consoleMessages.push(msg.text()));
  await page.goto(url, { timeout: PAGE_TIMEOUT_MS });
  await page.waitForFunction(() => document.body.dataset.done === '1', null,
                             { timeout: PAGE_TIMEOUT_MS });
  const outcome = {
    body: await page.textContent('#body'),
    bearer: await page.textContent('#bearer'),
    consoleMessages,
  };
  await page.screenshot({ path: screenshotPath, fullPage: true, timeout: PAGE_TIMEOUT_MS });
  await page.close();
  return outcome;
}

// ---- the test --------------------------------------------------------------------------------

async function main(cleanups) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-browser-'));
  cleanups.push(() => fs.rmSync(workDir, { recursive: true, force: true }));
  // The screenshots outlive the work directory.
  const outDir = process.env.BROWSER_TEST_OUT ||
                 fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-browser-out-'));
  fs.mkdirSync(outDir, { recursive: true });
  log(`output (screenshots, server.log) in ${outDir}`);

  const lk = await startLatchkey(path.join(workDir, 'data'), path.join(outDir, 'server.log'));
  cleanups.push(async () => {
    const code = await lk.stop();
    // An ASan build reports leaks and errors through the exit code.
    assert.equal(code, 0, `latchkey exited with ${code} on SIGTERM; log: ${lk.logPath}`);
  });
  const verifyUrl = `http://${HOST}:${lk.port}/v1/keys/verify`;
  log(`latchkey on ${HOST}:${lk.port}`);

  let key = null;
  const pageA = await startPageServer(() => pageHtml('Page A', verifyUrl, key));
  cleanups.push(pageA.close);
  const pageB = await startPageServer(() => pageHtml('Page B', verifyUrl, key));
  cleanups.push(pageB.close);
  const originA = `http://${HOST}:${pageA.port}`;
  const originB = `http://${HOST}:${pageB.port}`;
  key = await createBrowserKey(lk, `${HOST}:${pageA.port}`);
  log(`key allows ${originA} only; the other page is ${originB}`);

  await checkServerAnswers(lk.port, key, originA, originB);

  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  log(`chromium ${browser.version()} (${CHROMIUM})`);

  const shotA = path.join(outDir, 'page-a-allowed.png');
  const shotB = path.join(outDir, 'page-b-refused.png');
  const a = await visit(browser, `${originA}/`, shotA);
  const b = await visit(browser, `${originB}/`, shotB);
  log(`page A read: body=${a.body} bearer=${a.bearer}`);
  log(`page B read: body=${b.body} bearer=${b.bearer}`);
  log(`screenshots: ${shotA} ${shotB}`);

  assert.equal(a.body, 'VALID', 'page A, key in the body');
  assert.equal(a.bearer, 'VALID', 'page A, Authorization: Bearer');
  for (const [how, outcome] of [['key in the body', b.body], ['Bearer', b.bearer]]) {
    assert.match(outcome, /^refused: TypeError: /, `page B, ${how}: the fetch must fail`);
  }
  // Both failures are the browser's CORS check on the answer (not a network error, and not the
  // preflight, which verify answers for any origin).
  const refusals = b.consoleMessages.filter((text) => text.includes(CORS_REFUSAL) &&
                                                      text.includes(`from origin '${originB}'`));
  assert.equal(refusals.length, 2, `page B's console: ${JSON.stringify(b.consoleMessages)}`);
  assert.ok(!a.consoleMessages.some((text) => text.includes('CORS')),
            `page A's console: ${JSON.stringify(a.consoleMessages)}`);
}

/** What latchkey itself answers each origin, asked directly (no browser in between). */
async function checkServerAnswers(port, key, originA, originB) {
  for (const [origin, code] of [[originA, 'VALID'], [originB, 'ORIGIN_NOT_ALLOWED']]) {
    for (const how of ['body', 'bearer']) {
      const request = how === 'body' ? { body: { key } } : { body: {}, token: key };
      const resp = await httpCall(port, 'POST', '/v1/keys/verify',
                                  { ...request, headers: { Origin: origin } });
      assert.equal(resp.status, 200, resp.text);
      assert.equal(resp.json.code, code, `${origin} (${how}): ${resp.text}`);
      const allowed = resp.headers['access-control-allow-origin'];
      assert.equal(allowed, code === 'VALID' ? origin : undefined, `${origin} (${how}) ACAO`);
    }
    const preflight = await httpCall(port, 'OPTIONS', '/v1/keys/verify', {
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST',
                 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204, `preflight for ${origin}: ${preflight.text}`);
    assert.equal(preflight.headers['access-control-allow-origin'], origin);
  }
  log(`server answers ${originA} VALID and ${originB} ORIGIN_NOT_ALLOWED (no CORS header)`);
}

await runTest('browser-test', WATCHDOG_MS, main);
