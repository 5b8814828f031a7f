// API keys: the filterable list (namespace, owner, status, type — kept in the URL), and
// "Generate new key". The table is shared with the principal and namespace pages.
import { useState } from 'preact/hooks';
import { refreshDirectory, useDirectory } from '../lib/directory.js';
import { formatAge, formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { usePagedList } from '../lib/list.js';
import { href, navigate } from '../lib/router.js';
import { Badge, Chips, Empty, ErrorBox, Loading, MoreButton, PageHead } from '../components/ui.js';
import { KeyFormDialog, SecretDialog } from './key_dialogs.js';

const TYPE_LABEL = { standard: 'standard', management: 'management', personal: 'personal token' };

export function KeyTable({ keys, showOwner = true, showNamespace = true, caption }) {
  const dir = useDirectory();
  const now = Date.now();
  return html`
    <div class="table-wrap">
      <table class="data responsive">
        ${caption && html`<caption class="visually-hidden">${caption}</caption>`}
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Key</th>
            <th scope="col">Type</th>
            ${showOwner && html`<th scope="col">Owner</th>`}
            ${showNamespace && html`<th scope="col">Namespace</th>`}
            <th scope="col">Scopes</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          ${keys.map((k) => {
            const expired = k.expires_at && new Date(k.expires_at).getTime() <= now;
            return html`
              <tr>
                <td data-label="Name"><a class="strong" href=${href(`/keys/${k.id}`)}>${k.name}</a></td>
                <td data-label="Status">
                  <${Badge} value=${k.status} />${expired && k.status === 'active' && html` <${Badge} value="expired" kind="bad" />`}
                </td>
                <td data-label="Key"><code class="hint-code">${k.hint}</code></td>
                <td data-label="Type">${TYPE_LABEL[k.type] || k.type}</td>
                ${showOwner && html`<td data-label="Owner">
                  <a href=${href(`/principals/${k.owner}`)}>${dir.prName(k.owner)}</a></td>`}
                ${showNamespace && html`<td data-label="Namespace">
                  ${k.namespace ? html`<a href=${href(`/namespaces/${k.namespace}`)}>${dir.nsName(k.namespace)}</a>`
                                : html`<span class="muted">— (all)</span>`}</td>`}
                <td data-label="Scopes"><${Chips} items=${k.scopes} max=${3} /></td>
                <td data-label="Expires" title=${k.expires_at || ''}>
                  ${k.expires_at ? formatTime(k.expires_at) : html`<span class="muted">never</span>`}
                </td>
                <td data-label="Last used" title=${k.last_used_at || ''}>
                  ${k.last_used_at ? formatAge(k.last_used_at, now) : html`<span class="muted">never</span>`}
                </td>
              </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

function Filters({ query, dir }) {
  const set = (name, value) => {
    const next = Object.fromEntries(query.entries());
    next[name] = value;
    navigate('/keys', next);
  };
  const active = ['namespace', 'owner', 'status', 'type'].some((n) => query.get(n));
  return html`
    <form class="filters" role="search" aria-label="Filter keys" onSubmit=${(e) => e.preventDefault()}>
      <div class="field">
        <label for="filter-namespace">Namespace</label>
        <select id="filter-namespace" value=${query.get('namespace') || ''}
                onChange=${(e) => set('namespace', e.currentTarget.value)}>
          <option value="">All namespaces</option>
          ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="filter-owner">Owner</label>
        <select id="filter-owner" value=${query.get('owner') || ''}
                onChange=${(e) => set('owner', e.currentTarget.value)}>
          <option value="">Anyone</option>
          ${dir.principals.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" value=${query.get('status') || ''}
                onChange=${(e) => set('status', e.currentTarget.value)}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
          <option value="revoked">Revoked</option>
        </select>
      </div>
      <div class="field">
        <label for="filter-type">Type</label>
        <select id="filter-type" value=${query.get('type') || ''}
                onChange=${(e) => set('type', e.currentTarget.value)}>
          <option value="">Any type</option>
          <option value="standard">Standard</option>
          <option value="management">Management</option>
          <option value="personal">Personal token</option>
        </select>
      </div>
      ${active && html`<a class="button link" href="#/keys">Clear filters</a>`}
    </form>`;
}

/** "Generate new key" and the secret afterwards, for any page. */
export function useKeyCreation({ me, onCreated }) {
  const [form, setForm] = useState(null);
  const [created, setCreated] = useState(null);
  const open = (preset = {}) => setForm(preset);
  const dialogs = html`
    ${form && html`<${KeyFormDialog} preset=${form} me=${me} onClose=${() => setForm(null)}
      onDone=${(key) => { setForm(null); setCreated(key); onCreated?.(key); }} />`}
    ${created && html`<${SecretDialog} created=${created} onClose=${() => setCreated(null)} />`}`;
  return { open, dialogs };
}

export function KeysPage({ query, me }) {
  const dir = useDirectory();
  const filter = {
    namespace: query.get('namespace') || undefined,
    owner: query.get('owner') || undefined,
    status: query.get('status') || undefined,
    type: query.get('type') || undefined,
  };
  const list = usePagedList('/v1/keys', filter);
  const creation = useKeyCreation({ me, onCreated: () => { list.reload(); refreshDirectory(); } });
  const filtered = Object.values(filter).some(Boolean);
  return html`
    <${PageHead} title="API keys"
      subtitle="Each key connects one service to one namespace. Give every service its own key, so that revoking one leaves the others alone."
      actions=${html`<button type="button" class="button primary"
        onClick=${() => creation.open({ namespace: filter.namespace, owner: filter.owner })}>Generate new key</button>`} />
    <${Filters} query=${query} dir=${dir} />
    <${ErrorBox} error=${list.error} title="Could not list keys" />
    ${list.loading && list.items.length === 0 ? html`<${Loading} what="keys" />`
      : list.items.length === 0 && !list.error ? html`
        <${Empty} title=${filtered ? 'No keys match these filters.' : 'No API keys yet.'}
          action=${!filtered && html`<button type="button" class="button primary"
                   onClick=${() => creation.open()}>Generate your first key</button>`}>
          ${filtered ? 'Try another namespace, owner or status.' : 'Keys you create, and keys of the principals you manage, are listed here.'}
        <//>`
      : html`<${KeyTable} keys=${list.items} caption="API keys" />`}
    <${MoreButton} cursor=${list.cursor} onMore=${list.loadMore} busy=${list.loading} />
    ${creation.dialogs}`;
}
