// Groups: the list (by namespace), create in a namespace with capabilities and members, and one
// group's page: edit name, description and capabilities (PATCH), add and remove members, delete.
// Refusals (privilege_escalation …) are shown as the server words them.
import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api.js';
import { refreshDirectory, useDirectory } from '../lib/directory.js';
import { Form, useAction, useForm } from '../lib/form.js';
import { formatTime, plural } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useObject, usePagedList } from '../lib/list.js';
import { notify } from '../lib/notify.js';
import { href, navigate } from '../lib/router.js';
import { CapabilityEditor } from '../components/capabilities.js';
import { ConfirmDialog, Dialog } from '../components/dialog.js';
import { Badge, Chips, Empty, ErrorBox, Facts, Field, Loading, MoreButton, PageHead } from '../components/ui.js';

function principalOption(p) {
  return html`<option value=${p.id}>${p.name} (${p.kind === 'user' ? 'user' : 'service account'})</option>`;
}

function CreateGroupDialog({ namespace, onClose, onDone }) {
  const dir = useDirectory();
  const [s, set, ref] = useForm({ namespace: namespace || '', name: '', description: '',
                                  capabilities: [], members: [], pick: '' });
  const action = useAction();
  const submit = async () => {
    const f = ref.current;
    const body = { namespace: f.namespace, name: f.name.trim(), capabilities: f.capabilities };
    if (f.description.trim()) body.description = f.description.trim();
    if (f.members.length) body.members = f.members;
    const done = await action.run(() => api.post('/v1/groups', body));
    if (done.ok) onDone(done.result);
  };
  const addMember = () => {
    if (s.pick && !s.members.includes(s.pick)) set({ members: [...s.members, s.pick], pick: '' });
  };
  return html`
    <${Dialog} title="Create group" size="wide" onClose=${onClose} onSubmit=${submit} testId="group-form"
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="button primary" disabled=${action.busy}>${action.busy ? 'Working…' : 'Create group'}</button>`}>
      <div class="grid two">
        <${Field} label="Namespace" hint="Members get the capabilities in this namespace only.">
          ${(id, hint) => html`
            <select id=${id} aria-describedby=${hint} value=${s.namespace} data-autofocus
                    onChange=${(e) => set({ namespace: e.currentTarget.value })}>
              <option value="">Choose a namespace…</option>
              ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name} (${n.kind})</option>`)}
            </select>`}
        <//>
        <${Field} label="Group name" hint="Unique in the namespace, e.g. the service it serves.">
          ${(id, hint) => html`<input id=${id} aria-describedby=${hint} value=${s.name} maxlength="128"
            onInput=${(e) => set({ name: e.currentTarget.value })} />`}
        <//>
      </div>
      <${Field} label="Description">
        ${(id) => html`<input id=${id} value=${s.description}
          onInput=${(e) => set({ description: e.currentTarget.value })} />`}
      <//>
      <${CapabilityEditor} value=${s.capabilities} onChange=${(v) => set({ capabilities: v })} />
      <div class="field">
        <label for="new-group-member">Members</label>
        ${s.members.length > 0 && html`
          <ul class="chips editable" aria-label="Members: entries">
            ${s.members.map((m) => html`
              <li class="chip">${dir.prName(m)}
                <button type="button" class="chip-remove" aria-label=${`Remove member ${dir.prName(m)}`}
                        onClick=${() => set({ members: s.members.filter((x) => x !== m) })}>×</button></li>`)}
          </ul>`}
        <div class="list-input-row">
          <select id="new-group-member" value=${s.pick} onChange=${(e) => set({ pick: e.currentTarget.value })}>
            <option value="">Choose a user or service account…</option>
            ${dir.principals.filter((p) => !s.members.includes(p.id)).map(principalOption)}
          </select>
          <button type="button" class="button small" onClick=${addMember} disabled=${!s.pick}>Add member</button>
        </div>
        <p class="hint">Adding a member hands them every capability of the group: you need them all yourself.</p>
      </div>
      <${ErrorBox} error=${action.error} />
    <//>`;
}

export function GroupsPage({ query }) {
  const dir = useDirectory();
  const namespace = query.get('namespace') || '';
  const list = usePagedList('/v1/groups', { namespace: namespace || undefined });
  const [creating, setCreating] = useState(false);
  return html`
    <${PageHead} title="Groups"
      subtitle="A group gives its members capabilities in one namespace. Prefer one group per service, with only the access it needs."
      actions=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>Create group</button>`} />
    <div class="filters">
      <div class="field">
        <label for="groups-namespace">Namespace</label>
        <select id="groups-namespace" value=${namespace}
                onChange=${(e) => navigate('/groups', { namespace: e.currentTarget.value })}>
          <option value="">All namespaces</option>
          ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name}</option>`)}
        </select>
      </div>
    </div>
    <${ErrorBox} error=${list.error} title="Could not list groups" />
    ${list.loading && list.items.length === 0 ? html`<${Loading} what="groups" />`
      : list.items.length === 0 && !list.error ? html`
        <${Empty} title=${namespace ? 'No groups in this namespace.' : 'No groups yet.'}
          action=${html`<button type="button" class="button primary" onClick=${() => setCreating(true)}>Create group</button>`}>
          Without a group, a principal holds no capabilities, and its keys can do nothing.
        <//>`
      : html`
        <div class="table-wrap">
          <table class="data responsive">
            <thead><tr><th scope="col">Name</th><th scope="col">Namespace</th>
              <th scope="col">Capabilities</th><th scope="col">Members</th><th scope="col">Updated</th></tr></thead>
            <tbody>
              ${list.items.map((g) => html`
                <tr>
                  <td data-label="Name"><a class="strong" href=${href(`/groups/${g.id}`)}>${g.name}</a>
                    ${g.description && html`<div class="muted small">${g.description}</div>`}</td>
                  <td data-label="Namespace">${dir.nsName(g.namespace)}</td>
                  <td data-label="Capabilities"><${Chips} items=${g.capabilities} max=${5} empty="none" /></td>
                  <td data-label="Members">${g.members.length === 0 ? html`<span class="muted">none</span>`
                    : g.members.slice(0, 3).map((m, i) => html`${i > 0 ? ', ' : ''}<a href=${href(`/principals/${m}`)}>${dir.prName(m)}</a>`)}
                    ${g.members.length > 3 && html`<span class="muted"> +${g.members.length - 3}</span>`}</td>
                  <td data-label="Updated">${formatTime(g.updated_at)}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>`}
    <${MoreButton} cursor=${list.cursor} onMore=${list.loadMore} busy=${list.loading} />
    ${creating && html`<${CreateGroupDialog} namespace=${namespace} onClose=${() => setCreating(false)}
      onDone=${(g) => { setCreating(false); refreshDirectory(); notify(`Group ${g.name} created.`); navigate(`/groups/${g.id}`); }} />`}`;
}

function EditGroup({ group, onSaved }) {
  const [s, set, ref] = useForm({ name: group.name, description: group.description || '',
                                  capabilities: group.capabilities });
  const action = useAction();
  const save = async (e) => {
    e.preventDefault();
    const f = ref.current;
    const body = {};
    if (f.name.trim() !== group.name) body.name = f.name.trim();
    if (f.description.trim() !== (group.description || '')) body.description = f.description.trim();
    if (JSON.stringify(f.capabilities) !== JSON.stringify(group.capabilities)) body.capabilities = f.capabilities;
    if (Object.keys(body).length === 0) {
      notify('Nothing to save.');
      return;
    }
    const done = await action.run(() => api.patch(`/v1/groups/${seg(group.id)}`, body));
    if (done.ok) onSaved(done.result);
  };
  const dirty = s.name !== group.name || s.description !== (group.description || '') ||
                JSON.stringify(s.capabilities) !== JSON.stringify(group.capabilities);
  return html`
    <${Form} class="card" onSubmit=${save} aria-labelledby="group-edit-title">
      <h2 id="group-edit-title">Name and capabilities</h2>
      <div class="grid two">
        <${Field} label="Group name">
          ${(id) => html`<input id=${id} value=${s.name} onInput=${(e) => set({ name: e.currentTarget.value })} />`}
        <//>
        <${Field} label="Description">
          ${(id) => html`<input id=${id} value=${s.description} onInput=${(e) => set({ description: e.currentTarget.value })} />`}
        <//>
      </div>
      <${CapabilityEditor} value=${s.capabilities} onChange=${(v) => set({ capabilities: v })} />
      <${ErrorBox} error=${action.error} />
      <div class="form-actions">
        <button type="submit" class="button primary" disabled=${action.busy || !dirty}>
          ${action.busy ? 'Saving…' : 'Save group'}</button>
        ${dirty && html`<button type="button" class="button" onClick=${() => set({ name: group.name,
          description: group.description || '', capabilities: group.capabilities })}>Undo changes</button>`}
      </div>
    <//>`;
}

function Members({ group, onChanged }) {
  const dir = useDirectory();
  const [pick, setPick] = useState('');
  const [removing, setRemoving] = useState(null);
  const action = useAction();
  const add = async () => {
    if (!pick) return;
    const done = await action.run(() => api.put(`/v1/groups/${seg(group.id)}/members/${seg(pick)}`));
    if (done.ok) {
      notify(`${dir.prName(pick)} added.`);
      setPick('');
      onChanged(done.result);
    }
  };
  return html`
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">Members <span class="muted">(${group.members.length})</span></h2>
      ${group.members.length === 0 ? html`<p class="muted">No members yet.</p>` : html`
        <ul class="member-list">
          ${group.members.map((m) => {
            const p = dir.principal(m);
            return html`
              <li>
                <span><a class="strong" href=${href(`/principals/${m}`)}>${dir.prName(m)}</a>
                  ${p && html`<span class="muted small"> ${p.kind === 'user' ? 'user' : 'service account'}</span>`}
                  ${p && p.status !== 'active' && html` <${Badge} value=${p.status} />`}</span>
                <button type="button" class="button small danger-outline" aria-label=${`Remove ${dir.prName(m)} from the group`}
                        onClick=${() => setRemoving(m)}>Remove</button>
              </li>`;
          })}
        </ul>`}
      <div class="field">
        <label for="add-member">Add a member</label>
        <div class="list-input-row">
          <select id="add-member" value=${pick} onChange=${(e) => setPick(e.currentTarget.value)}>
            <option value="">Choose a user or service account…</option>
            ${dir.principals.filter((p) => !group.members.includes(p.id)).map(principalOption)}
          </select>
          <button type="button" class="button" onClick=${add} disabled=${!pick || action.busy}>Add member</button>
        </div>
      </div>
      <${ErrorBox} error=${action.error} />
      ${removing && html`
        <${ConfirmDialog} title=${`Remove ${dir.prName(removing)} from ${group.name}?`} confirmLabel="Remove member"
          action=${() => api.del(`/v1/groups/${seg(group.id)}/members/${seg(removing)}`)}
          onClose=${() => setRemoving(null)}
          onDone=${(g) => { notify(`${dir.prName(removing)} removed.`); setRemoving(null); onChanged(g); }}>
          <p>They lose this group's capabilities at once, and so do their keys.</p>
        <//>`}
    </section>`;
}

export function GroupDetailPage({ id }) {
  const dir = useDirectory();
  const group = useObject(`/v1/groups/${seg(id)}`);
  const [deleting, setDeleting] = useState(false);
  if (group.loading && !group.value) return html`<${Loading} what="group" />`;
  if (!group.value) {
    return html`<${PageHead} title="Group" back=${{ href: '#/groups', label: 'Groups' }} />
      <${ErrorBox} error=${group.error} title="Could not load the group" />`;
  }
  const g = group.value;
  return html`
    <${PageHead} title=${g.name} back=${{ href: '#/groups', label: 'Groups' }}
      subtitle=${html`Group in <a href=${href(`/namespaces/${g.namespace}`)}>${dir.nsName(g.namespace)}</a>, ${plural(g.members.length, 'member')}`}
      actions=${html`<button type="button" class="button danger-outline" onClick=${() => setDeleting(true)}>Delete…</button>`} />
    <div class="detail-grid wide-first">
      <${EditGroup} key=${g.updated_at} group=${g} onSaved=${(v) => { group.set(v); refreshDirectory(); notify('Group saved.'); }} />
      <div>
        <${Members} group=${g} onChanged=${group.set} />
        <section class="card">
          <h2>About</h2>
          <${Facts} rows=${[['Id', html`<code>${g.id}</code>`], ['Created', formatTime(g.created_at)],
                            ['Audit', html`<a href=${href('/audit', { target: g.id })}>Events of this group</a>`]]} />
        </section>
      </div>
    </div>
    ${deleting && html`
      <${ConfirmDialog} title=${`Delete group ${g.name}?`} confirmLabel="Delete group"
        action=${() => api.del(`/v1/groups/${seg(g.id)}`)} onClose=${() => setDeleting(false)}
        onDone=${() => { refreshDirectory(); notify(`Group ${g.name} deleted.`); navigate('/groups'); }}>
        <p>Its ${plural(g.members.length, 'member')} lose its capabilities at once, and so do their keys.</p>
      <//>`}`;
}

