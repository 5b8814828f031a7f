// The browser test of the web console (docs/console.md, issue 6): a real Chromium signs in to
// the console that `latchkey serve` serves at "/" and does the work of the product documents —
// Access Management → Service Accounts → create one, give it a group, Generate new key, copy it —
// then checks each result through the HTTP API, as a client of the key would.
//
// It starts `latchkey serve` ($LATCHKEY_BIN, else the newest build/*/src/latchkey) on 127.0.0.1
// port 0 with a temporary data directory and reads its port and admin token from stdout. With
// $LATCHKEY_CONSOLE_DIR the server serves that directory (`--console-dir`, e.g. web/dist);
// without it, the copy embedded in the binary. With the admin token it creates a project
// namespace and a user with a password who holds `*` there (a group), and `groups:*` only in a
// second namespace. Then, in headless Chromium (Debian's, driven by playwright-core):
//
//   1. sign in: a wrong password shows the server's "wrong name or password"; the right one
//      (by e-mail) gives an HttpOnly, SameSite=Strict session cookie; a state-changing call
//      with that cookie but without the X-CSRF-Token header is refused (403 csrf_failed);
//   2. keyboard: Tab reaches the skip link, the navigation, "Sign out", "Generate new key" and
//      the filters, with a visible focus ring; the create-key dialog keeps the focus inside on
//      Tab and closes on Escape, giving the focus back to its button;
//   3. create a service account, then a group with two typed capabilities, one from the
//      management-permission helper, and the service account as member; creating a group that
//      grants more than the user holds shows the server's 403 privilege_escalation;
//   4. on the service account's page, "Generate new key" with the owner filled in: scopes,
//      browser referrer, IP allow-list and a rate limit; the secret dialog's Copy button puts
//      the secret on the clipboard; POST /v1/keys/verify answers VALID (and IP_NOT_ALLOWED /
//      ORIGIN_NOT_ALLOWED outside the restrictions, and the rate limit in the answer);
//   5. revoke it in the console (confirm dialog): verify answers REVOKED;
//   6. the key's page shows the usage chart with VALID and REVOKED bars;
//   7. the audit log shows sessions.create, principals.create, groups.create, keys.create and
//      keys.revoke; the "keys." filter narrows it; the namespace settings save;
//   8. the keys page at phone width (390×844) has no horizontal scrolling;
//   9. the admin (password set through the API) signs in and "Verify chain" says intact;
//  10. sign out; the old cookie no longer works; repeated wrong passwords end in the
//      throttling message (429).
//
// A screenshot of each page and dialog is saved in $BROWSER_TEST_OUT (else a new directory
// under the system's temp directory); the path is printed. Every wait is for an event and has a
// deadline; a watchdog ends the whole run. Every process started here is stopped on the way
// out, on failure too. Exit status 0 = passed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CHROMIUM, HOST, httpCall, launchChromium, makeLog, runTest, startLatchkey,
} from './common.mjs';

const CONSOLE_DIR = process.env.LATCHKEY_CONSOLE_DIR || '';

// This test's deadlines (the others are in common.mjs), generous enough for a Debug+ASan server
// on 2 busy cores.
const PAGE_TIMEOUT_MS = 30_000;
const WATCHDOG_MS = 420_000;

const USER = { name: 'olivia', email: 'olivia@example.com', password: 'correct horse battery staple' };
const ADMIN_PASSWORD = 'admin password for the browser test';
const SERVICE_ACCOUNT = 'extractor-sap';
const KEY_NAME = 'extractor-sap-prod';
const KEY_IP = '10.1.2.3';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const log = makeLog('console-test');

// ---- the latchkey server ---------------------------------------------------------------------

/** A management call with the admin token that must answer `want`; resolves the JSON body. */
async function adminCall(lk, method, urlPath, body, want) {
  const resp = await httpCall(lk.port, method, urlPath, { body, token: lk.adminToken });
  assert.equal(resp.status, want, `${method} ${urlPath}: ${resp.text}`);
  return resp.json;
}

/**
 * What the console user starts with, made with the admin token: the project "plant-data" where
 * the user holds `*` (a group), a "sandbox" namespace where the user holds only groups:* and
 * namespaces:read, and the user with a password. Resolves {project, sandbox, user, admin}.
 */
async function seed(lk) {
  const project = await adminCall(lk, 'POST', '/v1/namespaces',
                                  { name: 'plant-data', kind: 'project' }, 201);
  const sandbox = await adminCall(lk, 'POST', '/v1/namespaces',
                                  { name: 'sandbox', kind: 'project' }, 201);
  const user = await adminCall(lk, 'POST', '/v1/principals', {
    name: USER.name, kind: 'user', email: USER.email, namespace: project.id,
    password: USER.password, default_key: false,
  }, 201);
  assert.equal(user.has_password, true, `the new user has no password: ${JSON.stringify(user)}`);
  await adminCall(lk, 'POST', '/v1/groups', {
    namespace: project.id, name: 'plant-data-admins', capabilities: ['*'], members: [user.id],
  }, 201);
  await adminCall(lk, 'POST', '/v1/groups', {
    namespace: sandbox.id, name: 'sandbox-editors', capabilities: ['groups:*', 'namespaces:read'],
    members: [user.id],
  }, 201);
  const whoami = await adminCall(lk, 'GET', '/v1/whoami', undefined, 200);
  await adminCall(lk, 'PUT', `/v1/principals/${whoami.principal.id}/password`,
                  { password: ADMIN_PASSWORD }, 204);
  return { project, sandbox, user, admin: whoami.principal };
}

/** POST /v1/keys/verify with `body`; resolves the answer (always 200). */
async function verify(lk, body) {
  const resp = await httpCall(lk.port, 'POST', '/v1/keys/verify', { body });
  assert.equal(resp.status, 200, `verify: ${resp.text}`);
  return resp.json;
}

// ---- the browser -----------------------------------------------------------------------------

/** Screenshots, numbered in the order taken. */
function screenshotter(page, outDir) {
  let n = 0;
  const taken = [];
  const shoot = async (name, { fullPage = true } = {}) => {
    n += 1;
    const file = path.join(outDir, `${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage, timeout: PAGE_TIMEOUT_MS, animations: 'disabled' });
    taken.push(file);
  };
  return { shoot, taken };
}

/** Resolves once the current page's <h1> reads `title`. */
async function onPage(page, title) {
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
}

async function navTo(page, label, title = label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await onPage(page, title);
}

async function signIn(page, name, password) {
  await onPage(page, 'Sign in');
  await page.getByLabel('Name or e-mail', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await onPage(page, 'Sign in');
}

/** What the focused element is called: its label, aria-label or text. */
function focusedName(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const name = el.getAttribute('aria-label') || (label && label.textContent) || el.textContent || '';
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return `${name.trim().replace(/\s+/g, ' ')}${ring ? '' : ' [no focus ring]'}`;
  });
}

// ---- the steps -------------------------------------------------------------------------------

async function stepSignIn(ctx) {
  const { page, lk, shoot, base } = ctx;
  const root = await httpCall(lk.port, 'GET', '/');
  assert.equal(root.status, 200, `GET / must serve the console: ${root.status} ${root.text.slice(0, 200)}`);
  assert.match(String(root.headers['content-type']), /^text\/html/, 'GET / content type');
  assert.ok(!root.text.includes('built without its web console'),
            'this latchkey was built without the console (its placeholder page answers /): build ' +
            'it with npm (scripts/install-deps.sh), or set LATCHKEY_CONSOLE_DIR=web/dist');

  await page.goto(`${base}/`);
  await onPage(page, 'Sign in');
  await signIn(page, USER.name, 'not the password at all');
  const refusal = page.getByTestId('signin-error');
  await refusal.getByText('wrong name or password').waitFor();
  await refusal.getByText('unauthenticated').waitFor();
  await shoot('sign-in-refused');

  await signIn(page, USER.email, USER.password);
  await onPage(page, 'API keys');
  await page.getByText(/No API keys yet/).waitFor();
  await shoot('keys-empty');

  const cookies = await page.context().cookies(base);
  const session = cookies.find((c) => c.name === 'latchkey_session');
  assert.ok(session, `no latchkey_session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Strict', 'the session cookie is SameSite=Strict');
  ctx.cookie = `latchkey_session=${session.value}`;
  const noCsrf = await httpCall(lk.port, 'POST', '/v1/namespaces', {
    cookie: ctx.cookie, body: { name: 'csrf-probe', kind: 'project', parent_id: ctx.seed.project.id },
  });
  assert.equal(noCsrf.status, 403, `a cookie call without X-CSRF-Token: ${noCsrf.text}`);
  assert.equal(noCsrf.json?.error?.code, 'csrf_failed', noCsrf.text);
  log('signed in: wrong password refused, HttpOnly SameSite=Strict cookie, CSRF enforced');
}

async function stepKeyboard(ctx) {
  const { page } = ctx;
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const reached = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    reached.push(await focusedName(page));
  }
  for (const want of ['Skip to content', 'Sign out', 'API keys', 'Service accounts', 'Users',
                      'Groups', 'Namespaces', 'Audit log', 'Generate new key', 'Namespace',
                      'Owner', 'Status']) {
    assert.ok(reached.includes(want), `Tab does not reach "${want}": ${JSON.stringify(reached)}`);
  }

  const opener = page.getByRole('button', { name: 'Generate new key' }).first();
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Generate new API key' });
  await dialog.waitFor();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const inside = await dialog.evaluate((d) => d.contains(document.activeElement));
    assert.ok(inside, `Tab ${i + 1} left the dialog for ${await focusedName(page)}`);
  }
  await page.keyboard.press('Shift+Tab');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Shift+Tab left the dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Generate new key',
                             null, { timeout: PAGE_TIMEOUT_MS })
    .catch(async () => assert.fail(`the focus did not go back to the opener: ${await focusedName(page)}`));
  assert.equal(await focusedName(page), 'Generate new key', 'the opener has a focus ring');
  log(`keyboard: ${reached.length} Tabs reach the main controls, each with a focus ring; the dialog traps Tab, Escape closes it`);
}

async function stepServiceAccountAndGroup(ctx) {
  const { page, shoot } = ctx;
  await navTo(page, 'Service accounts');
  await page.getByText(/No service accounts/).waitFor();
  await page.getByRole('button', { name: 'Create service account' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create service account' });
  await create.getByLabel('Name', { exact: true }).fill(SERVICE_ACCOUNT);
  await create.getByLabel('Home namespace', { exact: true }).selectOption({ label: 'plant-data (project)' });
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  await onPage(page, SERVICE_ACCOUNT);
  ctx.serviceAccountId = page.url().split('/').pop();
  assert.match(ctx.serviceAccountId, /^pr_/, page.url());
  await navTo(page, 'Service accounts');
  await page.getByRole('link', { name: SERVICE_ACCOUNT, exact: true }).waitFor();
  await shoot('service-accounts');

  // No escalation: in "sandbox" the user holds groups:* but not keys:*.
  await navTo(page, 'Groups');
  await page.getByRole('button', { name: 'Create group' }).first().click();
  let dialog = page.getByRole('dialog', { name: 'Create group' });
  await dialog.getByLabel('Namespace', { exact: true }).selectOption({ label: 'sandbox (project)' });
  await dialog.getByLabel('Group name', { exact: true }).fill('key-admins');
  await dialog.getByLabel('Capabilities', { exact: true }).fill('keys:*');
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await dialog.getByRole('alert').getByText('privilege_escalation').waitFor();
  const refusal = await dialog.getByRole('alert').textContent();
  await shoot('create-group-refused', { fullPage: false });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  log(`escalation refused in the server's words: ${refusal.trim()}`);

  await page.getByRole('button', { name: 'Create group' }).first().click();
  dialog = page.getByRole('dialog', { name: 'Create group' });
  await dialog.getByLabel('Namespace', { exact: true }).selectOption({ label: 'plant-data (project)' });
  await dialog.getByLabel('Group name', { exact: true }).fill(SERVICE_ACCOUNT);
  await dialog.getByLabel('Description', { exact: true }).fill('The SAP extractor: tables t1 and t2 of db1');
  const capabilities = dialog.getByLabel('Capabilities', { exact: true });
  await capabilities.fill('raw:read:db1/t1');
  await capabilities.press('Enter');
  await capabilities.fill('raw:write:db1/t1');  // left in the field: counts on submit
  await dialog.getByText('Management permissions').click();
  await dialog.getByRole('button', { name: 'keys:read', exact: true }).click();
  await dialog.getByLabel('Members', { exact: true }).selectOption({ label: `${SERVICE_ACCOUNT} (service account)` });
  await dialog.getByRole('button', { name: 'Add member' }).click();
  await dialog.getByRole('button', { name: `Remove member ${SERVICE_ACCOUNT}` }).waitFor();
  await shoot('create-group-dialog', { fullPage: false });
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await onPage(page, SERVICE_ACCOUNT);
  const members = page.getByRole('region', { name: /Members/ });
  await members.getByRole('link', { name: SERVICE_ACCOUNT }).waitFor();
  ctx.groupId = page.url().split('/').pop();
  const group = await adminCall(ctx.lk, 'GET', `/v1/groups/${ctx.groupId}`, undefined, 200);
  assert.deepEqual([...group.capabilities].sort(), ['keys:read', 'raw:read:db1/t1', 'raw:write:db1/t1']);
  assert.deepEqual(group.members, [ctx.serviceAccountId]);
  await shoot('group');
  await navTo(page, 'Groups');
  await page.locator(`a[href="#/groups/${ctx.groupId}"]`).waitFor();
  await shoot('groups');
  log(`service account ${ctx.serviceAccountId} and group ${ctx.groupId} created`);
}

async function stepCreateKey(ctx) {
  const { page, shoot, lk } = ctx;
  await navTo(page, 'Service accounts');
  await page.getByRole('link', { name: SERVICE_ACCOUNT, exact: true }).click();
  await onPage(page, SERVICE_ACCOUNT);
  await page.getByText('No keys yet.').waitFor();
  await shoot('service-account');
  await page.getByRole('button', { name: 'Generate new key' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Generate new API key' });
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('Owner', { exact: true }).inputValue(), ctx.serviceAccountId, 'owner filled in');
  await dialog.getByLabel('Name', { exact: true }).fill(KEY_NAME);
  await dialog.getByLabel('Description', { exact: true }).fill('SAP extractor, production');
  await dialog.getByRole('button', { name: 'Remove *', exact: true }).click();
  const scopes = dialog.getByLabel('Scopes', { exact: true });
  await scopes.fill('raw:read:db1/t1');
  await scopes.press('Enter');
  await dialog.getByLabel('Web browsers (CORS)', { exact: true }).check();
  const referrers = dialog.getByLabel('Referrer hosts', { exact: true });
  await referrers.fill('app.example.com');
  await referrers.press('Enter');
  const ips = dialog.getByLabel('Allowed IP addresses', { exact: true });
  await ips.fill('10.0.0.0/8');
  await ips.press('Enter');
  await dialog.getByLabel('Rate limit', { exact: true }).check();
  await dialog.getByLabel('Requests', { exact: true }).fill('100');
  await dialog.getByLabel('Per', { exact: true }).selectOption('60000');
  await page.setViewportSize({ width: DESKTOP.width, height: 1500 });
  await dialog.locator('.dialog-body').evaluate((body) => { body.scrollTop = 0; });
  await shoot('create-key-dialog', { fullPage: false });
  await page.setViewportSize(DESKTOP);
  await dialog.getByRole('button', { name: 'Generate key' }).click();

  const secretDialog = page.getByRole('dialog', { name: 'Your new API key' });
  await secretDialog.getByText('You will not see this again.').waitFor();
  await secretDialog.getByRole('button', { name: 'Copy' }).click();
  await secretDialog.getByText('Copied to the clipboard.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await secretDialog.getByLabel('Secret', { exact: true }).inputValue();
  assert.equal(copied, shown, 'the clipboard holds the secret shown');
  assert.match(copied, /^lk_\S{20,}$/, 'a secret');
  await shoot('secret-dialog', { fullPage: false });
  await secretDialog.getByRole('button', { name: /I have stored it/ }).click();
  await secretDialog.waitFor({ state: 'hidden' });
  await page.getByRole('link', { name: KEY_NAME, exact: true }).waitFor();
  ctx.secret = copied;

  const valid = await verify(lk, { key: copied, ip: KEY_IP, scopes: ['raw:read:db1/t1'] });
  assert.equal(valid.code, 'VALID', JSON.stringify(valid));
  assert.equal(valid.key.owner, ctx.serviceAccountId);
  assert.equal(valid.ratelimit?.limit, 100, `rate limit in the answer: ${JSON.stringify(valid)}`);
  ctx.keyId = valid.key.id;
  const fromPage = await verify(lk, { key: copied, ip: KEY_IP, origin: 'https://app.example.com' });
  assert.equal(fromPage.code, 'VALID', JSON.stringify(fromPage));
  const outside = [
    [{ key: copied, ip: '192.0.2.1' }, 'IP_NOT_ALLOWED'],
    [{ key: copied, ip: KEY_IP, origin: 'https://elsewhere.example' }, 'ORIGIN_NOT_ALLOWED'],
    [{ key: copied, ip: KEY_IP, scopes: ['raw:write:db1/t1'] }, 'INSUFFICIENT_SCOPE'],
  ];
  for (const [body, code] of outside) {
    assert.equal((await verify(lk, body)).code, code, JSON.stringify(body));
  }
  log(`key ${ctx.keyId}: copied from the dialog, VALID within its restrictions, refused outside`);
}

async function stepRevoke(ctx) {
  const { page, shoot, lk } = ctx;
  await navTo(page, 'API keys');
  await page.getByRole('link', { name: KEY_NAME, exact: true }).waitFor();
  await shoot('keys');
  await page.getByLabel('Owner', { exact: true }).selectOption({ label: SERVICE_ACCOUNT });
  await page.waitForFunction(() => location.hash.includes('owner='));
  await page.getByRole('link', { name: KEY_NAME, exact: true }).click();
  await onPage(page, KEY_NAME);
  await page.getByRole('button', { name: 'Revoke…' }).click();
  const confirm = page.getByRole('dialog', { name: `Revoke key ${KEY_NAME}?` });
  await confirm.getByText('Revoking is final').waitFor();
  await shoot('revoke-confirm', { fullPage: false });
  await confirm.getByRole('button', { name: 'Revoke key' }).click();
  await confirm.waitFor({ state: 'hidden' });
  await page.locator('.page-head .badge', { hasText: 'revoked' }).waitFor();
  const revoked = await verify(lk, { key: ctx.secret, ip: KEY_IP });
  assert.equal(revoked.code, 'REVOKED', JSON.stringify(revoked));
  log('revoked in the console: verify answers REVOKED');
}

/** Resolves once GET /v1/keys/{id}/usage counts `code` in the last hour (a bounded poll). */
async function usageCounted(lk, keyId, code) {
  const deadline = Date.now() + PAGE_TIMEOUT_MS;
  for (;;) {
    const usage = await adminCall(lk, 'GET', `/v1/keys/${keyId}/usage`, undefined, 200);
    if ((usage.totals?.hour?.[code] || 0) > 0) return usage;
    if (Date.now() > deadline) throw new Error(`usage of ${keyId} never counted ${code}: ${JSON.stringify(usage.totals)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stepUsage(ctx) {
  const { page, shoot } = ctx;
  await usageCounted(ctx.lk, ctx.keyId, 'REVOKED');
  await page.getByRole('button', { name: 'Refresh' }).click();
  const chart = page.getByTestId('usage-chart');
  await chart.locator('rect.bar[data-code="REVOKED"]').first().waitFor();
  for (const code of ['VALID', 'IP_NOT_ALLOWED', 'ORIGIN_NOT_ALLOWED', 'INSUFFICIENT_SCOPE', 'REVOKED']) {
    assert.ok(await chart.locator(`rect.bar[data-code="${code}"]`).count() > 0, `a ${code} bar`);
  }
  const legend = (await page.getByRole('list', { name: 'Totals by outcome' }).getByRole('listitem')
    .allTextContents()).map((item) => item.replace(/\s+/g, ' ').trim()).join(', ');
  assert.match(legend, /(^|, )VALID 2(,|$)/, `legend: ${legend}`);
  await page.getByText('Remaining in the 1 minute window').waitFor();
  await shoot('key-usage');
  await page.getByRole('button', { name: 'Last day' }).click();
  await chart.locator('rect.bar[data-code="VALID"]').first().waitFor();
  await page.getByRole('button', { name: 'Last hour' }).click();
  log(`usage chart: ${legend}`);
}

async function stepAuditAndNamespaces(ctx) {
  const { page, shoot, lk } = ctx;
  await navTo(page, 'Audit log');
  const actions = page.locator('table.audit code.action');
  await actions.first().waitFor();
  const seen = await actions.allTextContents();
  for (const action of ['sessions.create', 'principals.create', 'groups.create', 'keys.create',
                        'keys.revoke']) {
    assert.ok(seen.includes(action), `audit log lacks ${action}: ${JSON.stringify(seen)}`);
  }
  await page.getByText('Verifying the chain: superusers only.').waitFor();
  await shoot('audit');
  await page.getByLabel('Action', { exact: true }).fill('keys.');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => location.hash.includes('action=keys.'));
  await page.waitForFunction(() => [...document.querySelectorAll('table.audit code.action')]
    .every((c) => c.textContent.startsWith('keys.')) &&
    document.querySelectorAll('table.audit code.action').length > 0);
  log(`audit log: ${seen.length} events incl. sessions.create, principals.create, groups.create, keys.create, keys.revoke`);

  await navTo(page, 'Namespaces');
  await page.getByRole('link', { name: 'plant-data', exact: true }).click();
  await onPage(page, 'plant-data');
  const domains = page.getByLabel('Whitelisted application domains', { exact: true });
  await domains.fill('dashboard.example.com');
  await page.getByLabel('Default key prefix', { exact: true }).fill('plant');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  const ns = await adminCall(lk, 'GET', `/v1/namespaces/${ctx.seed.project.id}`, undefined, 200);
  assert.deepEqual(ns.settings.app_domains, ['dashboard.example.com']);
  assert.equal(ns.settings.default_key_prefix, 'plant');
  await shoot('namespace-settings');
  await navTo(page, 'Namespaces');
  await shoot('namespaces');
  log('namespace settings saved (app domains, default key prefix)');
}

async function stepPhone(ctx) {
  const { page, shoot } = ctx;
  await page.setViewportSize(PHONE);
  await page.goto(`${ctx.base}/#/keys`);
  await onPage(page, 'API keys');
  await page.getByRole('link', { name: KEY_NAME, exact: true }).waitFor();
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth,
                                              client: document.documentElement.clientWidth }));
  assert.ok(widths.scroll <= widths.client, `horizontal scrolling at 390 px: ${JSON.stringify(widths)}`);
  await shoot('keys-phone');
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await onPage(page, 'Audit log');
  await page.setViewportSize(DESKTOP);
  log(`phone width: ${widths.scroll} px of ${widths.client}, no horizontal scrolling; the menu works`);
}

async function stepAdminVerifiesChain(ctx) {
  const { page, shoot } = ctx;
  await signOut(page);
  await signIn(page, 'admin', ADMIN_PASSWORD);
  // Signed in again, the console shows the page it showed when it was signed out.
  await onPage(page, 'Audit log');
  await page.getByText('Signed in as').waitFor();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const result = page.getByTestId('chain-result');
  await result.waitFor();
  const text = (await result.textContent()).replace(/\s+/g, ' ').trim();
  assert.match(text, /^Chain intact\. \d+ events checked/, text);
  await shoot('audit-chain-verified');
  log(`admin: ${text}`);
}

async function stepSignOutAndThrottle(ctx) {
  const { page, shoot, lk } = ctx;
  const before = await httpCall(lk.port, 'GET', '/v1/sessions/current', { cookie: ctx.cookie });
  assert.equal(before.status, 401, `the signed-out session's cookie still works: ${before.text}`);
  await signOut(page);
  await page.getByText('You have signed out.').waitFor();
  let attempts = 0;
  for (; attempts < 8; attempts++) {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' &&
                                                 new URL(r.url()).pathname === '/v1/sessions');
    await signIn(page, USER.name, `wrong password ${attempts}`);
    const status = (await answered).status();
    await page.getByTestId('signin-error').waitFor();
    if (status === 429) break;
    assert.equal(status, 401, 'a wrong password');
  }
  assert.ok(attempts < 8, 'no throttling after 8 wrong passwords');
  await page.getByTestId('signin-error').getByText('rate_limited').waitFor();
  await page.getByTestId('signin-error').getByText(/try again in \d+/i).waitFor();
  await shoot('sign-in-throttled');
  log(`throttled after ${attempts + 1} more wrong passwords: 429 shown`);
}

// ---- the test --------------------------------------------------------------------------------

async function main(cleanups) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-console-'));
  cleanups.push(() => fs.rmSync(workDir, { recursive: true, force: true }));
  const outDir = process.env.BROWSER_TEST_OUT ||
                 fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-console-out-'));
  fs.mkdirSync(outDir, { recursive: true });
  log(`output (screenshots, console-server.log) in ${outDir}`);
  log(CONSOLE_DIR ? `console files from ${path.resolve(CONSOLE_DIR)}` : 'console files embedded in the binary');

  const consoleArgs = CONSOLE_DIR ? ['--console-dir', path.resolve(CONSOLE_DIR)] : [];
  const lk = await startLatchkey(path.join(workDir, 'data'), path.join(outDir, 'console-server.log'),
                                 consoleArgs, log);
  cleanups.push(async () => {
    const code = await lk.stop();
    assert.equal(code, 0, `latchkey exited with ${code} on SIGTERM; log: ${lk.logPath}`);
  });
  const base = `http://${HOST}:${lk.port}`;
  log(`latchkey on ${base}`);
  const seeded = await seed(lk);

  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  log(`chromium ${browser.version()} (${CHROMIUM})`);
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (msg) => {  // the server's Content-Security-Policy must allow the console
    if (msg.text().includes('Content Security Policy')) pageErrors.push(msg.text());
  });
  const { shoot, taken } = screenshotter(page, outDir);
  const ctx = { page, lk, base, shoot, seed: seeded };

  const steps = [stepSignIn, stepKeyboard, stepServiceAccountAndGroup, stepCreateKey, stepRevoke,
                 stepUsage, stepAuditAndNamespaces, stepPhone, stepAdminVerifiesChain,
                 stepSignOutAndThrottle];
  try {
    for (const step of steps) {
      await step(ctx);
      assert.deepEqual(pageErrors, [], `errors in the page (uncaught, or CSP) during ${step.name}`);
    }
  } catch (e) {
    await page.screenshot({ path: path.join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
    log(`failure screenshot: ${path.join(outDir, 'failure.png')}`);
    throw e;
  } finally {
    log(`screenshots:\n  ${taken.join('\n  ')}`);
  }
}

await runTest('console-test', WATCHDOG_MS, main);
