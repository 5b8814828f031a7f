// The dialogs of keys: create (every field of POST /v1/keys) or edit (the mutable fields, sent
// with PATCH /v1/keys/{id}), the one-time secret with its copy button, and roll.
import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api.js';
import { useDirectory } from '../lib/directory.js';
import { useAction, useForm } from '../lib/form.js';
import { dateToLocalInput, formatTime, localInputToIso } from '../lib/format.js';
import { html } from '../lib/html.js';
import { MANAGEMENT_PERMISSIONS, permissionProblem } from '../lib/permissions.js';
import { Dialog } from '../components/dialog.js';
import { ErrorBox, Field, ListInput } from '../components/ui.js';

const WINDOWS = [[1000, 'second'], [60000, 'minute'], [3600000, 'hour'], [86400000, 'day']];
const EXPIRY_PRESETS = [['30 days', 30], ['90 days', 90], ['1 year', 365]];

function initialState(key, preset) {
  if (!key) {
    return {
      name: '', description: '', type: 'standard', owner: preset.owner || '',
      namespace: preset.namespace || '', scopes: ['*'], expires: '', prefix: '',
      resources: [], dataAccess: 'none', native: true, browser: false, referrers: [],
      allowedIps: [], rateOn: false, rateLimit: '100', rateWindow: '60000', quotaOn: false,
      quotaRemaining: '1000', refill: '', refillAmount: '1000', meta: '',
    };
  }
  const windowKnown = key.rate_limit && WINDOWS.some(([ms]) => ms === key.rate_limit.window_ms);
  return {
    name: key.name, description: key.description || '', type: key.type, owner: key.owner,
    namespace: key.namespace || '', scopes: key.scopes || [], expires: '', prefix: key.prefix,
    resources: key.resources || [], dataAccess: key.data_access || 'none',
    native: key.origins?.native ?? true, browser: key.origins?.browser ?? false,
    referrers: key.origins?.referrers || [], allowedIps: key.allowed_ips || [],
    rateOn: !!key.rate_limit, rateLimit: String(key.rate_limit?.limit ?? 100),
    rateWindow: String(windowKnown ? key.rate_limit.window_ms : key.rate_limit?.window_ms ?? 60000),
    quotaOn: !!key.quota, quotaRemaining: String(key.quota?.remaining ?? 1000),
    refill: key.quota?.refill?.interval || '', refillAmount: String(key.quota?.refill?.amount ?? 1000),
    meta: key.meta && Object.keys(key.meta).length ? JSON.stringify(key.meta, null, 2) : '',
  };
}

class FormError extends Error {
  constructor(message, field) {
    super(message);
    this.code = 'invalid_input';
    this.field = field;
  }
}

function wholeNumber(text, field) {
  const n = Number(text);
  if (text === '' || !Number.isInteger(n) || n < 0) throw new FormError('must be a whole number of 0 or more', field);
  return n;
}

/** The request fields the form stands for (create: every set field; edit: see diffForPatch). */
function requestFields(s, creating) {
  const body = { name: s.name.trim() };
  if (s.description.trim() || !creating) body.description = s.description.trim();
  body.scopes = s.scopes;
  // Creating with no entries takes the namespace's default; editing to none allows none.
  if (!creating || s.resources.length) body.resources = s.resources;
  body.data_access = s.dataAccess;
  body.origins = { native: s.native, browser: s.browser, referrers: s.browser ? s.referrers : [] };
  body.allowed_ips = s.allowedIps;
  body.rate_limit = s.rateOn
    ? { limit: wholeNumber(s.rateLimit, 'rate_limit.limit'), window_ms: wholeNumber(s.rateWindow, 'rate_limit.window_ms') }
    : null;
  if (s.quotaOn) {
    body.quota = { remaining: wholeNumber(s.quotaRemaining, 'quota.remaining') };
    if (s.refill) body.quota.refill = { interval: s.refill, amount: wholeNumber(s.refillAmount, 'quota.refill.amount') };
  } else {
    body.quota = null;
  }
  if (s.meta.trim()) {
    try {
      body.meta = JSON.parse(s.meta);
    } catch (e) {
      throw new FormError(`not valid JSON (${e.message})`, 'meta');
    }
  } else {
    body.meta = {};
  }
  return body;
}

function createBody(s) {
  if (!s.name.trim()) throw new FormError('a key needs a name', 'name');
  const body = { ...requestFields(s, true), type: s.type };
  if (s.owner) body.owner = s.owner;
  if (s.type !== 'personal') {
    if (!s.namespace) throw new FormError('choose the namespace the key is for', 'namespace');
    body.namespace = s.namespace;
  }
  const expires = localInputToIso(s.expires);
  if (s.expires && !expires) throw new FormError('not a date and time', 'expires_at');
  if (expires) body.expires_at = expires;
  if (s.prefix.trim()) body.prefix = s.prefix.trim();
  if (body.rate_limit === null) delete body.rate_limit;
  if (body.quota === null) delete body.quota;
  if (Object.keys(body.meta).length === 0) delete body.meta;
  if (body.allowed_ips.length === 0) delete body.allowed_ips;
  return body;
}

/** Only the fields that differ from the key as loaded (PATCH changes exactly those). */
function patchBody(key, s) {
  const wanted = requestFields(s, false);
  const current = {
    name: key.name, description: key.description || '', scopes: key.scopes, resources: key.resources,
    data_access: key.data_access, origins: key.origins, allowed_ips: key.allowed_ips,
    rate_limit: key.rate_limit ?? null, quota: key.quota ?? null, meta: key.meta || {},
  };
  const body = {};
  for (const [field, value] of Object.entries(wanted)) {
    if (field === 'quota' && value && current.quota &&
        JSON.stringify({ remaining: current.quota.remaining, refill: current.quota.refill ?? undefined }) ===
        JSON.stringify(value)) continue;
    if (JSON.stringify(value) !== JSON.stringify(current[field])) body[field] = value;
  }
  return body;
}

function principalLabel(p) {
  return `${p.name} (${p.kind === 'user' ? 'user' : 'service account'})`;
}

/**
 * Create a key (`key` absent) or edit one. `preset`: {owner, namespace} filled in (the
 * "Generate new key" of a service account). onDone(key) gets the answer (with `secret` when
 * created).
 */
export function KeyFormDialog({ keyObj, preset = {}, me, onClose, onDone }) {
  const key = keyObj;
  const creating = !key;
  const dir = useDirectory();
  const [s, set, ref] = useForm(() => initialState(key, preset));
  const action = useAction();
  const [localError, setLocalError] = useState(null);

  const submit = async () => {
    setLocalError(null);
    let body;
    try {
      body = creating ? createBody(ref.current) : patchBody(key, ref.current);
    } catch (e) {
      setLocalError(e);
      return;
    }
    if (!creating && Object.keys(body).length === 0) {
      onClose();
      return;
    }
    const done = await action.run(() => (creating ? api.post('/v1/keys', body)
                                                  : api.patch(`/v1/keys/${seg(key.id)}`, body)));
    if (done.ok) onDone(done.result);
  };

  const owners = dir.principals.filter((p) => p.id !== me?.id);
  const serviceAccounts = owners.filter((p) => p.kind === 'service_account');
  const users = owners.filter((p) => p.kind === 'user');
  const ownerKnown = !s.owner || s.owner === me?.id || owners.some((p) => p.id === s.owner);
  const scopeSuggestions = ['*', ...MANAGEMENT_PERMISSIONS.map((p) => p.value)];
  const setExpiry = (days) => {
    const d = new Date(Date.now() + days * 86400000);
    set({ expires: dateToLocalInput(d) });
  };

  return html`
    <${Dialog} title=${creating ? 'Generate new API key' : `Edit key ${key.name}`} size="wide"
      onClose=${onClose} onSubmit=${submit} testId="key-form"
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button primary" disabled=${action.busy}>
          ${action.busy ? 'Working…' : creating ? 'Generate key' : 'Save changes'}
        </button>`}>
      <fieldset class="section">
        <legend>Key</legend>
        <div class="grid two">
          <${Field} label="Name" hint="Unique per owner, e.g. the service that will use it.">
            ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.name} required
              maxlength="128" data-autofocus onInput=${(e) => set({ name: e.currentTarget.value })} />`}
          <//>
          <${Field} label="Type">
            ${(id) => html`
              <select id=${id} value=${s.type} disabled=${!creating}
                      onChange=${(e) => set({ type: e.currentTarget.value })}>
                <option value="standard">Standard — for calling your APIs</option>
                <option value="management">Management — may call latchkey's management API</option>
                <option value="personal">Personal access token — user-wide</option>
              </select>`}
          <//>
          <${Field} label="Owner" hint=${creating ? 'The principal the key acts for.' : 'Cannot be changed.'}>
            ${(id, hint) => html`
              <select id=${id} aria-describedby=${hint} value=${s.owner} disabled=${!creating}
                      onChange=${(e) => set({ owner: e.currentTarget.value })}>
                <option value="">${me ? `Me (${me.name})` : 'Me'}</option>
                ${!ownerKnown && html`<option value=${s.owner}>${dir.prName(s.owner)}</option>`}
                ${serviceAccounts.length > 0 && html`
                  <optgroup label="Service accounts">
                    ${serviceAccounts.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
                  </optgroup>`}
                ${users.length > 0 && html`
                  <optgroup label="Users">
                    ${users.map((p) => html`<option value=${p.id}>${principalLabel(p)}</option>`)}
                  </optgroup>`}
              </select>`}
          <//>
          <${Field} label="Namespace"
                    hint=${s.type === 'personal' ? 'A personal access token has no namespace: it acts wherever its owner holds capabilities.'
                          : creating ? 'The key works only in this namespace.' : 'Cannot be changed.'}>
            ${(id, hint) => html`
              <select id=${id} aria-describedby=${hint} value=${s.type === 'personal' ? '' : s.namespace}
                      disabled=${!creating || s.type === 'personal'}
                      onChange=${(e) => set({ namespace: e.currentTarget.value })}>
                <option value="">${s.type === 'personal' ? '— none —' : 'Choose a namespace…'}</option>
                ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name} (${n.kind})</option>`)}
                ${s.namespace && !dir.namespace(s.namespace) && html`<option value=${s.namespace}>${s.namespace}</option>`}
              </select>`}
          <//>
        </div>
        <${Field} label="Description">
          ${(id) => html`<input id=${id} value=${s.description} maxlength="1024"
            onInput=${(e) => set({ description: e.currentTarget.value })} />`}
        <//>
        ${creating ? html`
          <div class="field">
            <label for="key-expires">Expires</label>
            <div class="inline">
              <input id="key-expires" type="datetime-local" value=${s.expires}
                     aria-describedby="key-expires-hint"
                     onInput=${(e) => set({ expires: e.currentTarget.value })} />
              ${EXPIRY_PRESETS.map(([label, days]) => html`
                <button type="button" class="button small" onClick=${() => setExpiry(days)}>${label}</button>`)}
              <button type="button" class="button small" onClick=${() => set({ expires: '' })}>Never</button>
            </div>
            <p class="hint" id="key-expires-hint">
              ${s.expires ? 'In your local time. ' : 'Empty: the key never expires. '}
              An expiry cannot be changed after creation.
            </p>
          </div>`
        : html`<p class="hint">Expires: ${key.expires_at ? formatTime(key.expires_at) : 'never'} (cannot be changed).</p>`}
      </fieldset>

      <fieldset class="section">
        <legend>Permissions</legend>
        <${ListInput} label="Scopes" value=${s.scopes} onChange=${(v) => set({ scopes: v })}
          placeholder="e.g. raw:read:db1/t1" suggestions=${scopeSuggestions} warn=${permissionProblem}
          hint=${html`Permission strings <code>resource:action[:target]</code>. <code>*</code> = whatever the owner holds in the namespace, now and later. A key never has more than its owner (and you) hold.`} />
      </fieldset>

      <fieldset class="section">
        <legend>Restrictions</legend>
        <${ListInput} label="Resources" value=${s.resources} onChange=${(v) => set({ resources: v })}
          placeholder="e.g. algo://demos/*"
          hint=${creating ? html`Empty: the namespace's default (usually <code>*</code>, every resource). Remove the wildcard to allow only the listed ones.`
                          : html`<code>*</code> = every resource; an empty list allows none.`} />
        <${Field} label="Data access">
          ${(id) => html`
            <select id=${id} value=${s.dataAccess} onChange=${(e) => set({ dataAccess: e.currentTarget.value })}>
              <option value="none">No access</option>
              <option value="read">Read only</option>
              <option value="read_write">Read and write</option>
            </select>`}
        <//>
        <fieldset class="subsection">
          <legend>Caller origin</legend>
          <label class="check"><input type="checkbox" checked=${s.native}
            onChange=${(e) => set({ native: e.currentTarget.checked })} /> Native clients (servers, scripts, apps)</label>
          <label class="check"><input type="checkbox" checked=${s.browser}
            onChange=${(e) => set({ browser: e.currentTarget.checked })} /> Web browsers (CORS)</label>
          ${s.browser && html`
            <${ListInput} label="Referrer hosts" value=${s.referrers} onChange=${(v) => set({ referrers: v })}
              placeholder="e.g. app.example.com or *.example.com"
              hint="Empty: any page may use the key from a browser. Otherwise only pages on these hosts." />`}
        </fieldset>
        <${ListInput} label="Allowed IP addresses" value=${s.allowedIps} onChange=${(v) => set({ allowedIps: v })}
          placeholder="e.g. 203.0.113.7 or 10.0.0.0/8"
          hint="Addresses and CIDR ranges. Empty: any address." />
      </fieldset>

      <fieldset class="section">
        <legend>Usage limits</legend>
        <label class="check"><input type="checkbox" checked=${s.rateOn}
          onChange=${(e) => set({ rateOn: e.currentTarget.checked })} /> Rate limit</label>
        ${s.rateOn && html`
          <div class="grid two indent">
            <${Field} label="Requests">
              ${(id) => html`<input id=${id} type="number" min="0" inputmode="numeric" value=${s.rateLimit}
                onInput=${(e) => set({ rateLimit: e.currentTarget.value })} />`}
            <//>
            <${Field} label="Per">
              ${(id) => html`
                <select id=${id} value=${s.rateWindow} onChange=${(e) => set({ rateWindow: e.currentTarget.value })}>
                  ${WINDOWS.map(([ms, name]) => html`<option value=${String(ms)}>${name}</option>`)}
                  ${!WINDOWS.some(([ms]) => String(ms) === s.rateWindow) && html`
                    <option value=${s.rateWindow}>${s.rateWindow} ms</option>`}
                </select>`}
            <//>
          </div>`}
        <label class="check"><input type="checkbox" checked=${s.quotaOn}
          onChange=${(e) => set({ quotaOn: e.currentTarget.checked })} /> Quota</label>
        ${s.quotaOn && html`
          <div class="grid three indent">
            <${Field} label="Units remaining">
              ${(id) => html`<input id=${id} type="number" min="0" inputmode="numeric" value=${s.quotaRemaining}
                onInput=${(e) => set({ quotaRemaining: e.currentTarget.value })} />`}
            <//>
            <${Field} label="Refill">
              ${(id) => html`
                <select id=${id} value=${s.refill} onChange=${(e) => set({ refill: e.currentTarget.value })}>
                  <option value="">Never</option>
                  <option value="daily">Daily (UTC)</option>
                  <option value="monthly">Monthly (UTC)</option>
                </select>`}
            <//>
            ${s.refill && html`
              <${Field} label="Refill to">
                ${(id) => html`<input id=${id} type="number" min="0" inputmode="numeric" value=${s.refillAmount}
                  onInput=${(e) => set({ refillAmount: e.currentTarget.value })} />`}
              <//>`}
          </div>`}
      </fieldset>

      <details class="section advanced" open=${!!(s.meta || (creating && s.prefix))}>
        <summary>Advanced</summary>
        ${creating && html`
          <${Field} label="Prefix" hint="Empty: the namespace's default key prefix, else lk.">
            ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.prefix} maxlength="16"
              pattern="[a-z][a-z0-9_]{0,15}" onInput=${(e) => set({ prefix: e.currentTarget.value })} />`}
          <//>`}
        <${Field} label="Metadata (JSON)" hint="Returned by verify with the key. Up to 16 KiB.">
          ${(id, hint) => html`<textarea id=${id} aria-describedby=${hint} rows="3" spellcheck=${false}
            placeholder='{"team": "data"}' value=${s.meta}
            onInput=${(e) => set({ meta: e.currentTarget.value })}></textarea>`}
        <//>
      </details>
      <${ErrorBox} error=${localError || action.error} />
    <//>`;
}

/** The new key's secret, once: copy button, and the warning that it is never shown again. */
export function SecretDialog({ created, onClose, title = 'Your new API key' }) {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('Copied to the clipboard.');
    } catch {
      const field = document.getElementById('new-key-secret');
      field?.select();
      setCopied('Copying was refused by the browser: the secret is selected, press Ctrl+C (⌘C).');
    }
  };
  return html`
    <${Dialog} title=${title} onClose=${onClose} testId="secret-dialog"
      footer=${html`<button type="button" class="button primary" onClick=${onClose}>I have stored it — close</button>`}>
      <div class="alert warn" role="note">
        <strong>Copy the secret now. You will not see this again.</strong>${' '}
        latchkey stores only a hash of it. Share it with a secure method (a password manager,
        a one-time secret link), never by e-mail or chat.
      </div>
      <dl class="facts">
        <div class="fact"><dt>Name</dt><dd>${created.name}</dd></div>
        <div class="fact"><dt>Key id</dt><dd><code>${created.id}</code></dd></div>
      </dl>
      <div class="field">
        <label for="new-key-secret">Secret</label>
        <div class="secret-row">
          <input id="new-key-secret" class="secret" readonly value=${created.secret}
                 spellcheck=${false} onFocus=${(e) => e.currentTarget.select()} />
          <button type="button" class="button primary" onClick=${copy} data-autofocus>Copy</button>
        </div>
        <p class="hint" role="status">${copied}</p>
      </div>
    <//>`;
}

/** Roll: a new secret for the same key; the old one keeps working for the grace period. */
export function RollDialog({ keyObj, onClose, onDone }) {
  const [grace, setGrace] = useState('3600');
  const action = useAction();
  const submit = async () => {
    const seconds = Number(grace);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 31536000) {
      action.setError(new FormError('a whole number of seconds from 0 to 31536000 (a year)', 'grace_seconds'));
      return;
    }
    const done = await action.run(() => api.post(`/v1/keys/${seg(keyObj.id)}/roll`, { grace_seconds: seconds }));
    if (done.ok) onDone(done.result);
  };
  return html`
    <${Dialog} title=${`Roll key ${keyObj.name}?`} onClose=${onClose} onSubmit=${submit} size="narrow"
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button danger" disabled=${action.busy}>${action.busy ? 'Working…' : 'Roll key'}</button>`}>
      <p>A new key with a new secret replaces this one, with the same owner, namespace, scopes,
         restrictions and expiry. The old secret keeps working for the grace period, then expires.</p>
      <${Field} label="Grace period" hint="How long the old secret still works.">
        ${(id, hint) => html`
          <select id=${id} aria-describedby=${hint} value=${grace} data-autofocus
                  onChange=${(e) => setGrace(e.currentTarget.value)}>
            <option value="0">None — the old secret stops at once</option>
            <option value="3600">1 hour</option>
            <option value="86400">1 day</option>
            <option value="604800">7 days</option>
            <option value="2592000">30 days</option>
          </select>`}
      <//>
      <${ErrorBox} error=${action.error} />
    <//>`;
}
