// Namespaces: the list (by kind), create (name, kind, parent, settings), and one namespace's
// page: its settings — whitelisted application domains, default key prefix, default
// resources — and its name (PATCH), links to its keys and groups, delete.
import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api.js';
import { refreshDirectory, useDirectory } from '../lib/directory.js';
import { Form, useAction, useForm } from '../lib/form.js';
import { formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useObject, usePagedList } from '../lib/list.js';
import { notify } from '../lib/notify.js';
import { href, navigate } from '../lib/router.js';
import { ConfirmDialog, Dialog } from '../components/dialog.js';
import { Chips, Empty, ErrorBox, Facts, Field, ListInput, Loading, MoreButton, PageHead } from '../components/ui.js';

const KINDS = ['organization', 'application', 'workspace', 'project', 'user_group'];
const PREFIX_RE = /^[a-z][a-z0-9_]{0,15}$/;

function SettingsFields({ s, set }) {
  return html`
    <${ListInput} label="Whitelisted application domains" value=${s.appDomains}
      onChange=${(v) => set({ appDomains: v })} placeholder="e.g. dashboard.example.com or *.example.com"
      hint="Browser pages on these hosts may call the management API for this namespace (CORS)." />
    <div class="grid two">
      <${Field} label="Default key prefix" hint=${html`Keys created here start with <code>${s.prefix || 'lk'}_</code>. Empty: <code>lk</code>.`}>
        ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.prefix} maxlength="16"
          spellcheck=${false} onInput=${(e) => set({ prefix: e.currentTarget.value })} />`}
      <//>
    </div>
    <${ListInput} label="Default resources" value=${s.resources} onChange=${(v) => set({ resources: v })}
      placeholder="e.g. algo://*" hint=${html`The resources of keys created here without any. Empty: <code>*</code>, every resource.`} />`;
}

function settingsProblem(s) {
  if (s.prefix && !PREFIX_RE.test(s.prefix)) {
    return { message: 'a prefix is a lowercase letter, then up to 15 lowercase letters, digits or _',
             field: 'settings.default_key_prefix' };
  }
  return null;
}

function CreateNamespaceDialog({ onClose, onDone }) {
  const dir = useDirectory();
  const [s, set, ref] = useForm({ name: '', kind: 'project', parent: '', appDomains: [], prefix: '', resources: [] });
  const action = useAction();
  const submit = async () => {
    const f = ref.current;
    const problem = settingsProblem(f);
    if (problem) {
      action.setError(problem);
      return;
    }
    const body = { name: f.name.trim(), kind: f.kind,
                   settings: { app_domains: f.appDomains, default_key_prefix: f.prefix, default_resources: f.resources } };
    if (f.parent) body.parent_id = f.parent;
    const done = await action.run(() => api.post('/v1/namespaces', body));
    if (done.ok) onDone(done.result);
  };
  return html`
    <${Dialog} title="Create namespace" size="wide" onClose=${onClose} onSubmit=${submit}
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button primary" disabled=${action.busy}>${action.busy ? 'Working…' : 'Create namespace'}</button>`}>
      <div class="grid three">
        <${Field} label="Name" hint="Unique among its siblings.">
          ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.name} maxlength="128" data-autofocus
            onInput=${(e) => set({ name: e.currentTarget.value })} />`}
        <//>
        <${Field} label="Kind">
          ${(id) => html`<select id=${id} value=${s.kind} onChange=${(e) => set({ kind: e.currentTarget.value })}>
            ${KINDS.map((k) => html`<option value=${k}>${k.replace('_', ' ')}</option>`)}</select>`}
        <//>
        <${Field} label="Parent" hint="Empty: top level (superusers only).">
          ${(id, hint) => html`<select id=${id} aria-describedby=${hint} value=${s.parent}
                                onChange=${(e) => set({ parent: e.currentTarget.value })}>
            <option value="">None (top level)</option>
            ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name} (${n.kind})</option>`)}</select>`}
        <//>
      </div>
      <p class="hint">Namespaces are not hierarchical: rights in a parent say nothing about its children.</p>
      <${SettingsFields} s=${s} set=${set} />
      <${ErrorBox} error=${action.error} />
    <//>`;
}

export function NamespacesPage({ query }) {
  const dir = useDirectory();
  const kind = query.get('kind') || '';
  const list = usePagedList('/v1/namespaces', { kind: kind || undefined });
  const [creating, setCreating] = useState(false);
  return html`
    <${PageHead} title="Namespaces"
      subtitle="Tenant boundaries: organizations, applications, workspaces, projects, user groups. Every standard key belongs to one."
      actions=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>Create namespace</button>`} />
    <div class="filters">
      <div class="field">
        <label for="namespaces-kind">Kind</label>
        <select id="namespaces-kind" value=${kind} onChange=${(e) => navigate('/namespaces', { kind: e.currentTarget.value })}>
          <option value="">Any kind</option>
          ${KINDS.map((k) => html`<option value=${k}>${k.replace('_', ' ')}</option>`)}
        </select>
      </div>
    </div>
    <${ErrorBox} error=${list.error} title="Could not list namespaces" />
    ${list.loading && list.items.length === 0 ? html`<${Loading} what="namespaces" />`
      : list.items.length === 0 && !list.error ? html`<${Empty} title="No namespaces you may see."
          action=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>Create namespace</button>`} />`
      : html`
        <div class="table-wrap">
          <table class="data responsive">
            <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Parent</th>
              <th scope="col">Application domains</th><th scope="col">Key prefix</th><th scope="col">Created</th></tr></thead>
            <tbody>
              ${list.items.map((n) => html`
                <tr>
                  <td data-label="Name"><a class="strong" href=${href(`/namespaces/${n.id}`)}>${n.name}</a></td>
                  <td data-label="Kind">${n.kind.replace('_', ' ')}</td>
                  <td data-label="Parent">${n.parent_id ? dir.nsName(n.parent_id) : html`<span class="muted">—</span>`}</td>
                  <td data-label="Application domains"><${Chips} items=${n.settings?.app_domains} max=${3} empty="none" /></td>
                  <td data-label="Key prefix"><code>${n.settings?.default_key_prefix || 'lk'}</code></td>
                  <td data-label="Created">${formatTime(n.created_at)}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>`}
    <${MoreButton} cursor=${list.cursor} onMore=${list.loadMore} busy=${list.loading} />
    ${creating && html`<${CreateNamespaceDialog} onClose=${() => setCreating(false)}
      onDone=${(n) => { setCreating(false); refreshDirectory(); notify(`Namespace ${n.name} created.`); navigate(`/namespaces/${n.id}`); }} />`}`;
}

function SettingsForm({ ns, onSaved }) {
  const initial = { name: ns.name, appDomains: ns.settings?.app_domains || [],
                    prefix: ns.settings?.default_key_prefix || '', resources: ns.settings?.default_resources || [] };
  const [s, set, ref] = useForm(initial);
  const action = useAction();
  const save = async (e) => {
    e.preventDefault();
    const f = ref.current;
    const problem = settingsProblem(f);
    if (problem) {
      action.setError(problem);
      return;
    }
    const body = { settings: { app_domains: f.appDomains, default_key_prefix: f.prefix, default_resources: f.resources } };
    if (f.name.trim() !== ns.name) body.name = f.name.trim();
    const done = await action.run(() => api.patch(`/v1/namespaces/${seg(ns.id)}`, body));
    if (done.ok) onSaved(done.result);
  };
  const dirty = JSON.stringify(s) !== JSON.stringify(initial);
  return html`
    <${Form} class="card" onSubmit=${save} aria-labelledby="ns-settings-title">
      <h2 id="ns-settings-title">Settings</h2>
      <${Field} label="Namespace name">
        ${(id) => html`<input id=${id} value=${s.name} maxlength="128" onInput=${(e) => set({ name: e.currentTarget.value })} />`}
      <//>
      <${SettingsFields} s=${s} set=${set} />
      <${ErrorBox} error=${action.error} />
      <div class="form-actions">
        <button type="submit" class="button primary" disabled=${action.busy || !dirty}>${action.busy ? 'Saving…' : 'Save settings'}</button>
      </div>
    <//>`;
}

export function NamespaceDetailPage({ id }) {
  const dir = useDirectory();
  const ns = useObject(`/v1/namespaces/${seg(id)}`);
  const [deleting, setDeleting] = useState(false);
  if (ns.loading && !ns.value) return html`<${Loading} what="namespace" />`;
  if (!ns.value) {
    return html`<${PageHead} title="Namespace" back=${{ href: '#/namespaces', label: 'Namespaces' }} />
      <${ErrorBox} error=${ns.error} title="Could not load the namespace" />`;
  }
  const n = ns.value;
  return html`
    <${PageHead} title=${n.name} back=${{ href: '#/namespaces', label: 'Namespaces' }}
      subtitle=${`${n.kind.replace('_', ' ')}${n.parent_id ? ` in ${dir.nsName(n.parent_id)}` : ''}`}
      actions=${html`
        <a class="button" href=${href('/keys', { namespace: n.id })}>Keys</a>
        <a class="button" href=${href('/groups', { namespace: n.id })}>Groups</a>
        <button type="button" class="button danger-outline" onClick=${() => setDeleting(true)}>Delete…</button>`} />
    <div class="detail-grid wide-first">
      <${SettingsForm} key=${n.updated_at} ns=${n}
        onSaved=${(v) => { ns.set(v); refreshDirectory(); notify('Settings saved.'); }} />
      <section class="card">
        <h2>About</h2>
        <${Facts} rows=${[
          ['Id', html`<code>${n.id}</code>`], ['Kind', n.kind.replace('_', ' ')],
          ['Parent', n.parent_id ? html`<a href=${href(`/namespaces/${n.parent_id}`)}>${dir.nsName(n.parent_id)}</a>` : 'none'],
          ['Created', formatTime(n.created_at)], ['Updated', formatTime(n.updated_at)],
          ['Audit', html`<a href=${href('/audit', { namespace: n.id })}>Events in this namespace</a>`],
        ]} />
      </section>
    </div>
    ${deleting && html`
      <${ConfirmDialog} title=${`Delete namespace ${n.name}?`} confirmLabel="Delete namespace"
        action=${() => api.del(`/v1/namespaces/${seg(n.id)}`)} onClose=${() => setDeleting(false)}
        onDone=${() => { refreshDirectory(); notify(`Namespace ${n.name} deleted.`); navigate('/namespaces'); }}>
        <p>Only an empty namespace can be deleted: move or delete its principals, keys and groups first.</p>
      <//>`}`;
}
