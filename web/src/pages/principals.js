// Service accounts and users: the list (by kind, namespace and status), create (a user with an
// optional password and the default key), and one principal's page: their keys ("Generate new
// key" with the owner filled in), their groups, disable/enable, set a password, delete.
import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api.js';
import { refreshDirectory, useDirectory } from '../lib/directory.js';
import { useAction, useForm } from '../lib/form.js';
import { formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useObject, usePagedList } from '../lib/list.js';
import { notify } from '../lib/notify.js';
import { href, navigate } from '../lib/router.js';
import { ConfirmDialog, Dialog } from '../components/dialog.js';
import { Badge, Chips, Empty, ErrorBox, Facts, Field, Loading, MoreButton, PageHead } from '../components/ui.js';
import { KeyTable, useKeyCreation } from './keys.js';
import { SecretDialog } from './key_dialogs.js';

const KIND_TEXT = { service_account: 'Service account', user: 'User' };
const PASSWORD_MIN = 12;

function passwordProblem(password, repeat) {
  if (password.length < PASSWORD_MIN) return `a password needs at least ${PASSWORD_MIN} characters`;
  if (password.length > 1024) return 'a password has at most 1024 characters';
  if (password !== repeat) return 'the two passwords differ';
  return '';
}

function CreatePrincipalDialog({ kind, onClose, onDone }) {
  const dir = useDirectory();
  const [s, set, ref] = useForm({ name: '', kind, namespace: '', email: '', password: '',
                                  repeat: '', defaultKey: false });
  const action = useAction();
  const submit = async () => {
    const f = ref.current;
    const body = { name: f.name.trim(), kind: f.kind };
    if (f.namespace) body.namespace = f.namespace;
    if (f.kind === 'user') {
      if (f.email.trim()) body.email = f.email.trim();
      if (f.password || f.repeat) {
        const problem = passwordProblem(f.password, f.repeat);
        if (problem) {
          action.setError({ message: problem, field: 'password' });
          return;
        }
        body.password = f.password;
      }
      body.default_key = f.defaultKey;
    }
    const done = await action.run(() => api.post('/v1/principals', body));
    if (done.ok) onDone(done.result);
  };
  const user = s.kind === 'user';
  return html`
    <${Dialog} title=${user ? 'Create user' : 'Create service account'} onClose=${onClose} onSubmit=${submit}
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button primary" disabled=${action.busy}>${action.busy ? 'Working…' : 'Create'}</button>`}>
      <${Field} label="Name" hint=${user ? 'Used to sign in (with the e-mail address). Unique.'
                                         : 'Unique. Say what it is for, e.g. extractor-sap.'}>
        ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.name} maxlength="128" required
          data-autofocus onInput=${(e) => set({ name: e.currentTarget.value })} />`}
      <//>
      <${Field} label="Kind">
        ${(id) => html`
          <select id=${id} value=${s.kind} onChange=${(e) => set({ kind: e.currentTarget.value })}>
            <option value="service_account">Service account (a program)</option>
            <option value="user">User (a person)</option>
          </select>`}
      <//>
      <${Field} label="Home namespace" hint="Empty: the root organization.">
        ${(id, hint) => html`
          <select id=${id} aria-describedby=${hint} value=${s.namespace}
                  onChange=${(e) => set({ namespace: e.currentTarget.value })}>
            <option value="">Root organization</option>
            ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name} (${n.kind})</option>`)}
          </select>`}
      <//>
      ${user && html`
        <${Field} label="E-mail">
          ${(id) => html`<input id=${id} type="email" value=${s.email} autocomplete="off"
            onInput=${(e) => set({ email: e.currentTarget.value })} />`}
        <//>
        <div class="grid two">
          <${Field} label="Password" hint=${`Optional: lets the user sign in here. ${PASSWORD_MIN} characters or more.`}>
            ${(id, hint) => html`<input id=${id} type="password" aria-describedby=${hint} value=${s.password}
              autocomplete="new-password" onInput=${(e) => set({ password: e.currentTarget.value })} />`}
          <//>
          <${Field} label="Repeat password">
            ${(id) => html`<input id=${id} type="password" value=${s.repeat} autocomplete="new-password"
              onInput=${(e) => set({ repeat: e.currentTarget.value })} />`}
          <//>
        </div>
        <label class="check"><input type="checkbox" checked=${s.defaultKey}
          onChange=${(e) => set({ defaultKey: e.currentTarget.checked })} />
          Also create the user's <code>default-key</code> (its secret is shown once)</label>`}
      <p class="hint">Give ${user ? 'the user' : 'the service account'} capabilities by adding it to groups.</p>
      <${ErrorBox} error=${action.error} />
    <//>`;
}

function PrincipalTable({ principals, kind }) {
  const dir = useDirectory();
  const user = kind === 'user';
  return html`
    <div class="table-wrap">
      <table class="data responsive">
        <thead><tr>
          <th scope="col">Name</th><th scope="col">Status</th>
          ${user && html`<th scope="col">E-mail</th><th scope="col">Can sign in</th>`}
          <th scope="col">Home namespace</th><th scope="col">Created</th>
        </tr></thead>
        <tbody>
          ${principals.map((p) => html`
            <tr>
              <td data-label="Name"><a class="strong" href=${href(`/principals/${p.id}`)}>${p.name}</a>
                ${p.superuser && html` <${Badge} value="superuser" kind="info" />`}</td>
              <td data-label="Status"><${Badge} value=${p.status} /></td>
              ${user && html`
                <td data-label="E-mail">${p.email || html`<span class="muted">—</span>`}</td>
                <td data-label="Can sign in">${p.has_password === undefined ? html`<span class="muted">—</span>`
                                                : p.has_password ? 'yes (password set)' : html`<span class="muted">no password</span>`}</td>`}
              <td data-label="Home namespace">${dir.nsName(p.namespace)}</td>
              <td data-label="Created" title=${p.created_at}>${formatTime(p.created_at)}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>`;
}

export function PrincipalsPage({ query }) {
  const kind = query.get('kind') === 'user' ? 'user' : 'service_account';
  const status = query.get('status') || '';
  const list = usePagedList('/v1/principals', { kind, status: status || undefined });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState(null);
  const noun = kind === 'user' ? 'user' : 'service account';
  return html`
    <${PageHead} title=${kind === 'user' ? 'Users' : 'Service accounts'}
      subtitle=${kind === 'user' ? 'People who sign in here or use personal access tokens.'
                                 : 'Programs — extractors, models, integrations — that call your APIs with their own keys. Give each one only the capabilities it needs.'}
      actions=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>
        ${kind === 'user' ? 'Create user' : 'Create service account'}</button>`} />
    <div class="tabs" role="group" aria-label="Kind of principal">
      <a href=${href('/principals', { status })} aria-current=${kind === 'service_account' ? 'page' : undefined}>Service accounts</a>
      <a href=${href('/principals', { kind: 'user', status })} aria-current=${kind === 'user' ? 'page' : undefined}>Users</a>
    </div>
    <div class="filters">
      <div class="field">
        <label for="principal-status">Status</label>
        <select id="principal-status" value=${status}
                onChange=${(e) => navigate('/principals', { kind: kind === 'user' ? 'user' : '', status: e.currentTarget.value })}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
        </select>
      </div>
    </div>
    <${ErrorBox} error=${list.error} title="Could not list principals" />
    ${list.loading && list.items.length === 0 ? html`<${Loading} />`
      : list.items.length === 0 && !list.error ? html`
        <${Empty} title=${`No ${noun}s${status ? ` that are ${status}` : ''}.`}
          action=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>Create ${noun}</button>`}>
          ${kind === 'user' ? 'Users sign in with a password and own personal access tokens.'
                            : 'Create one service account per program, then generate its key.'}
        <//>`
      : html`<${PrincipalTable} principals=${list.items} kind=${kind} />`}
    <${MoreButton} cursor=${list.cursor} onMore=${list.loadMore} busy=${list.loading} />
    ${creating && html`<${CreatePrincipalDialog} kind=${kind} onClose=${() => setCreating(false)}
      onDone=${(p) => {
        setCreating(false);
        refreshDirectory();
        notify(`${KIND_TEXT[p.kind]} ${p.name} created.`);
        if (p.default_key?.secret) setSecret({ ...p.default_key, principalId: p.id });
        else navigate(`/principals/${p.id}`);
      }} />`}
    ${secret && html`<${SecretDialog} created=${secret} title="The user's default key"
      onClose=${() => { const id = secret.principalId; setSecret(null); navigate(`/principals/${id}`); }} />`}`;
}

function PasswordDialog({ principal, onClose, onDone }) {
  const [s, set, ref] = useForm({ password: '', repeat: '' });
  const action = useAction();
  const submit = async () => {
    const problem = passwordProblem(ref.current.password, ref.current.repeat);
    if (problem) {
      action.setError({ message: problem, field: 'password' });
      return;
    }
    const done = await action.run(() => api.put(`/v1/principals/${seg(principal.id)}/password`,
                                                { password: ref.current.password }));
    if (done.ok) onDone();
  };
  return html`
    <${Dialog} title=${`Set the password of ${principal.name}`} onClose=${onClose} onSubmit=${submit} size="narrow"
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button primary" disabled=${action.busy}>${action.busy ? 'Working…' : 'Set password'}</button>`}>
      <${Field} label="New password" hint=${`${PASSWORD_MIN} to 1024 characters.`}>
        ${(id, hint) => html`<input id=${id} type="password" aria-describedby=${hint} value=${s.password}
          autocomplete="new-password" data-autofocus onInput=${(e) => set({ password: e.currentTarget.value })} />`}
      <//>
      <${Field} label="Repeat new password">
        ${(id) => html`<input id=${id} type="password" value=${s.repeat} autocomplete="new-password"
          onInput=${(e) => set({ repeat: e.currentTarget.value })} />`}
      <//>
      <p class="hint">Setting someone's password lets you act as them: you need every capability they hold.</p>
      <${ErrorBox} error=${action.error} />
    <//>`;
}

function PrincipalGroups({ principalId }) {
  const dir = useDirectory();
  const list = usePagedList('/v1/groups', { member: principalId });
  if (list.error) return html`<${ErrorBox} error=${list.error} title="Could not list groups" />`;
  if (list.loading && list.items.length === 0) return html`<${Loading} what="groups" />`;
  if (list.items.length === 0) {
    return html`<p class="muted">Not in any group: holds no capabilities, so its keys can do nothing.${' '}
      <a href="#/groups">Add it to a group</a>.</p>`;
  }
  return html`
    <ul class="plain-list">
      ${list.items.map((g) => html`
        <li><a class="strong" href=${href(`/groups/${g.id}`)}>${g.name}</a>
          <span class="muted"> in ${dir.nsName(g.namespace)}</span> <${Chips} items=${g.capabilities} max=${4} /></li>`)}
    </ul>`;
}

export function PrincipalDetailPage({ id, me }) {
  const principal = useObject(`/v1/principals/${seg(id)}`);
  const dir = useDirectory();
  const [dialog, setDialog] = useState(null);
  const keys = usePagedList('/v1/keys', { owner: id });
  const creation = useKeyCreation({ me, onCreated: () => keys.reload() });
  if (principal.loading && !principal.value) return html`<${Loading} />`;
  if (!principal.value) {
    return html`<${PageHead} title="Principal" back=${{ href: '#/principals', label: 'Service accounts' }} />
      <${ErrorBox} error=${principal.error} title="Could not load the principal" />`;
  }
  const p = principal.value;
  const user = p.kind === 'user';
  const close = () => setDialog(null);
  const setStatus = (status) => () => api.patch(`/v1/principals/${seg(p.id)}`, { status });
  const back = user ? { href: '#/principals?kind=user', label: 'Users' }
                    : { href: '#/principals', label: 'Service accounts' };
  return html`
    <${PageHead} title=${p.name} back=${back}
      subtitle=${html`${KIND_TEXT[p.kind]} <${Badge} value=${p.status} />${p.superuser ? html` <${Badge} value="superuser" kind="info" />` : ''}`}
      actions=${html`
        <button type="button" class="button primary" disabled=${p.status !== 'active'}
                onClick=${() => creation.open({ owner: p.id, namespace: p.namespace })}>Generate new key</button>
        ${user && html`<button type="button" class="button" onClick=${() => setDialog('password')}>Set password…</button>`}
        ${p.status === 'active'
          ? html`<button type="button" class="button" onClick=${() => setDialog('disable')}>Disable…</button>`
          : html`<button type="button" class="button" onClick=${() => setDialog('enable')}>Enable</button>`}
        <button type="button" class="button danger-outline" onClick=${() => setDialog('delete')}>Delete…</button>`} />
    <div class="detail-grid">
      <section class="card" aria-labelledby="principal-facts">
        <h2 id="principal-facts">Details</h2>
        <${Facts} rows=${[
          ['Id', html`<code>${p.id}</code>`],
          ['Kind', KIND_TEXT[p.kind] || p.kind],
          user && ['E-mail', p.email || '—'],
          user && ['Password', p.has_password === undefined ? '—' : p.has_password ? 'set (can sign in)' : 'not set'],
          ['Home namespace', html`<a href=${href(`/namespaces/${p.namespace}`)}>${dir.nsName(p.namespace)}</a>`],
          ['Created', formatTime(p.created_at)],
          ['Audit', html`<a href=${href('/audit', { target: p.id })}>Events about</a> · <a href=${href('/audit', { actor: p.id })}>events by</a>`],
        ]} />
      </section>
      <section class="card" aria-labelledby="principal-groups">
        <h2 id="principal-groups">Groups</h2>
        <${PrincipalGroups} principalId=${p.id} />
      </section>
    </div>
    <section class="card" aria-labelledby="principal-keys">
      <div class="card-head">
        <h2 id="principal-keys">API keys of ${p.name}</h2>
      </div>
      <${ErrorBox} error=${keys.error} title="Could not list keys" />
      ${keys.loading && keys.items.length === 0 ? html`<${Loading} what="keys" />`
        : keys.items.length === 0 && !keys.error ? html`
          <${Empty} title="No keys yet."
            action=${p.status === 'active' && html`<button type="button" class="button primary"
              onClick=${() => creation.open({ owner: p.id, namespace: p.namespace })}>Generate new key</button>`} />`
        : html`<${KeyTable} keys=${keys.items} showOwner=${false} caption=${`Keys of ${p.name}`} />`}
      <${MoreButton} cursor=${keys.cursor} onMore=${keys.loadMore} busy=${keys.loading} />
    </section>
    ${creation.dialogs}
    ${dialog === 'password' && html`<${PasswordDialog} principal=${p} onClose=${close}
      onDone=${() => { close(); principal.reload(); notify('Password set.'); }} />`}
    ${dialog === 'disable' && html`
      <${ConfirmDialog} title=${`Disable ${p.name}?`} confirmLabel="Disable" action=${setStatus('disabled')}
        onClose=${close} onDone=${(v) => { close(); principal.set(v); refreshDirectory(); notify(`${p.name} disabled.`); }}>
        <p>Every key ${p.name} owns stops working at once (<code>DISABLED</code>)${user ? ', and their sessions end' : ''}.
           Enable it again to restore them.</p>
      <//>`}
    ${dialog === 'enable' && html`
      <${ConfirmDialog} title=${`Enable ${p.name}?`} confirmLabel="Enable" danger=${false} action=${setStatus('active')}
        onClose=${close} onDone=${(v) => { close(); principal.set(v); refreshDirectory(); notify(`${p.name} enabled.`); }}>
        <p>Its keys work again (except revoked, disabled or expired ones).</p>
      <//>`}
    ${dialog === 'delete' && html`
      <${ConfirmDialog} title=${`Delete ${p.name}?`} confirmLabel=${`Delete ${user ? 'user' : 'service account'}`}
        action=${() => api.del(`/v1/principals/${seg(p.id)}`)} onClose=${close}
        onDone=${() => { close(); refreshDirectory(); notify(`${p.name} deleted.`); navigate('/principals', user ? { kind: 'user' } : {}); }}>
        <p>Deletes ${p.name} <strong>and all ${keys.items.length || ''} of its keys</strong>. This cannot be undone.</p>
      <//>`}`;
}

