// The audit log: a table of events in sequence order, filtered by action (exact, or a prefix
// ending in "."), actor, target, namespace and time (kept in the URL), paged with the server's
// cursor, and "Verify chain" (POST /v1/audit/verify) with its result.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { useDirectory } from '../lib/directory.js';
import { useAction, useForm } from '../lib/form.js';
import { dateToLocalInput, formatTime, localInputToIso } from '../lib/format.js';
import { html } from '../lib/html.js';
import { href, navigate } from '../lib/router.js';
import { Badge, Empty, ErrorBox, Loading, PageHead } from '../components/ui.js';

const PAGE_SIZE = 100;
const ACTIONS = [
  'keys.', 'keys.create', 'keys.update', 'keys.disable', 'keys.enable', 'keys.revoke', 'keys.roll',
  'keys.delete', 'principals.', 'principals.create', 'principals.update', 'principals.delete',
  'principals.set_password', 'groups.', 'groups.create', 'groups.update', 'groups.delete',
  'groups.add_member', 'groups.remove_member', 'namespaces.', 'namespaces.create',
  'namespaces.update', 'namespaces.delete', 'sessions.', 'sessions.create', 'sessions.delete',
  'audit.', 'system.init',
];
const FILTERS = ['action', 'actor', 'target', 'namespace', 'since', 'until'];

function detailsText(details) {
  if (!details || typeof details !== 'object') return '';
  return Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateToLocalInput(d);
}

function FilterForm({ query }) {
  const dir = useDirectory();
  const initial = {
    action: query.get('action') || '', actor: query.get('actor') || '',
    target: query.get('target') || '', namespace: query.get('namespace') || '',
    since: isoToLocalInput(query.get('since')), until: isoToLocalInput(query.get('until')),
  };
  const [s, set, ref] = useForm(initial);
  useEffect(() => set(initial), [query.toString()]);
  const apply = (e) => {
    e.preventDefault();
    const f = ref.current;
    navigate('/audit', {
      action: f.action.trim(), actor: f.actor.trim(), target: f.target.trim(), namespace: f.namespace,
      since: localInputToIso(f.since) || '', until: localInputToIso(f.until) || '',
    });
  };
  const active = FILTERS.some((n) => query.get(n));
  return html`
    <form class="filters wrap" role="search" aria-label="Filter audit events" onSubmit=${apply}>
      <div class="field">
        <label for="audit-action">Action</label>
        <input id="audit-action" list="audit-actions" value=${s.action} placeholder="e.g. keys. or keys.revoke"
               onInput=${(e) => set({ action: e.currentTarget.value })} />
        <datalist id="audit-actions">${ACTIONS.map((a) => html`<option value=${a} />`)}</datalist>
      </div>
      <div class="field">
        <label for="audit-actor">Actor</label>
        <input id="audit-actor" list="audit-principals" value=${s.actor} placeholder="pr_… or key_…"
               onInput=${(e) => set({ actor: e.currentTarget.value })} />
        <datalist id="audit-principals">
          ${dir.principals.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
        </datalist>
      </div>
      <div class="field">
        <label for="audit-target">Target</label>
        <input id="audit-target" value=${s.target} placeholder="an id" onInput=${(e) => set({ target: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="audit-namespace">Namespace</label>
        <select id="audit-namespace" value=${s.namespace} onChange=${(e) => set({ namespace: e.currentTarget.value })}>
          <option value="">Any</option>
          ${dir.namespaces.map((n) => html`<option value=${n.id}>${n.name}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="audit-since">From</label>
        <input id="audit-since" type="datetime-local" value=${s.since} onInput=${(e) => set({ since: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="audit-until">Until</label>
        <input id="audit-until" type="datetime-local" value=${s.until} onInput=${(e) => set({ until: e.currentTarget.value })} />
      </div>
      <div class="filter-buttons">
        <button type="submit" class="button primary">Apply filters</button>
        ${active && html`<a class="button link" href="#/audit">Clear</a>`}
      </div>
    </form>`;
}

function VerifyChain() {
  const action = useAction();
  const [result, setResult] = useState(null);
  const verify = async () => {
    setResult(null);
    const done = await action.run(() => api.post('/v1/audit/verify'));
    if (done.ok) setResult(done.result);
  };
  return html`
    <div class="verify">
      <button type="button" class="button" onClick=${verify} disabled=${action.busy}>
        ${action.busy ? 'Verifying…' : 'Verify chain'}</button>
      <div aria-live="polite" class="verify-result">
        ${result && (result.ok
          ? html`<div class="alert success" data-testid="chain-result">
              <strong>Chain intact.</strong> ${result.checked} events checked; none missing, changed or out of place.</div>`
          : html`<div class="alert error" data-testid="chain-result">
              <strong>Chain BROKEN</strong> at event #${result.first_broken}: ${result.problem}${' '}
              (${result.checked} events checked).</div>`)}
        <${ErrorBox} error=${action.error} title="Could not verify the chain" />
      </div>
    </div>`;
}

function targetLink(target, names, dir) {
  if (!target) return html`<span class="muted">—</span>`;
  const routes = [['key_', '/keys/'], ['pr_', '/principals/'], ['grp_', '/groups/'], ['ns_', '/namespaces/']];
  const route = routes.find(([prefix]) => target.startsWith(prefix));
  const named = names.get(target) || target;
  const name = target.startsWith('pr_') ? dir.prName(target)
             : target.startsWith('ns_') ? dir.nsName(target)
             : target.startsWith('grp_') ? dir.groupName(target, named) : named;
  return route ? html`<a href=${href(`${route[1]}${target}`)} title=${target}>${name}</a>` : html`<code>${target}</code>`;
}

/** Names of the targets on this page, from the events that carry one (keys.create: name). */
function targetNames(events) {
  const names = new Map();
  for (const ev of events) {
    if (ev.target && typeof ev.details?.name === 'string') names.set(ev.target, ev.details.name);
  }
  return names;
}

function timeCell(iso) {
  const [date, time] = formatTime(iso, { seconds: true }).split(' ');
  return html`<span class="nowrap">${time}</span><br /><span class="muted small nowrap">${date}</span>`;
}

export function AuditPage({ query, me }) {
  const dir = useDirectory();
  const filter = Object.fromEntries(FILTERS.map((n) => [n, query.get(n) || undefined]));
  const filterKey = JSON.stringify(filter);
  // cursors[i] is the cursor of page i (null for the first).
  const [cursors, setCursors] = useState([null]);
  const [pageIndex, setPageIndex] = useState(0);
  const [state, setState] = useState({ items: [], next: null, loading: true, error: null });

  const load = async (index, cursorList) => {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const answer = await api.get('/v1/audit', { ...filter, limit: PAGE_SIZE, cursor: cursorList[index] });
      setState({ items: answer.items, next: answer.next_cursor, loading: false, error: null });
    } catch (error) {
      setState({ items: [], next: null, loading: false, error });
    }
  };
  useEffect(() => {
    setCursors([null]);
    setPageIndex(0);
    load(0, [null]);
  }, [filterKey]);

  const next = () => {
    const list = [...cursors.slice(0, pageIndex + 1), state.next];
    setCursors(list);
    setPageIndex(pageIndex + 1);
    load(pageIndex + 1, list);
  };
  const previous = () => {
    setPageIndex(pageIndex - 1);
    load(pageIndex - 1, cursors);
  };
  const first = pageIndex * PAGE_SIZE + 1;
  const names = targetNames(state.items);

  return html`
    <${PageHead} title="Audit log"
      subtitle="Every change and every refusal, in order, as a hash chain that can be checked end to end."
      actions=${me?.superuser ? html`<${VerifyChain} />`
                              : html`<p class="muted small">Verifying the chain: superusers only.</p>`} />
    <${FilterForm} query=${query} />
    <${ErrorBox} error=${state.error} title="Could not read the audit log" />
    ${state.loading && state.items.length === 0 ? html`<${Loading} what="events" />`
      : state.items.length === 0 && !state.error ? html`<${Empty} title="No events match."
          >${FILTERS.some((n) => filter[n]) ? 'Try fewer filters or a wider time range.' : 'Nothing has happened that you may see.'}<//>`
      : html`
        <div class="table-wrap">
          <table class="data responsive audit">
            <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th>
              <th scope="col">Action</th><th scope="col">Target</th><th scope="col">Namespace</th>
              <th scope="col">Details</th></tr></thead>
            <tbody>
              ${state.items.map((ev) => html`
                <tr>
                  <td data-label="#" class="nowrap">${ev.seq}</td>
                  <td data-label="Time" title=${ev.time}>${timeCell(ev.time)}</td>
                  <td data-label="Actor">${ev.actor_principal ? html`<a href=${href(`/principals/${ev.actor_principal}`)}>${dir.prName(ev.actor_principal)}</a>` : html`<span class="muted">anonymous</span>`}
                    ${ev.actor_key && html`<code class="actor-key muted small" title=${`with key ${ev.actor_key}`}>${ev.actor_key}</code>`}</td>
                  <td data-label="Action"><code class="action">${ev.action}</code>
                    ${ev.outcome !== 'success' && html` <${Badge} value=${ev.outcome} />`}</td>
                  <td data-label="Target" class="target">${targetLink(ev.target, names, dir)}</td>
                  <td data-label="Namespace">${ev.namespace ? dir.nsName(ev.namespace) : html`<span class="muted">—</span>`}</td>
                  <td data-label="Details" class="details">
                    <span title=${`${ev.source_ip || ''} ${ev.request_id || ''}`}>${detailsText(ev.details)}</span></td>
                </tr>`)}
            </tbody>
          </table>
        </div>
        <nav class="pager" aria-label="Audit pages">
          <span class="muted">Events ${first}–${first + state.items.length - 1}</span>
          <button type="button" class="button" onClick=${previous} disabled=${pageIndex === 0 || state.loading}>Previous page</button>
          <button type="button" class="button" onClick=${next} disabled=${!state.next || state.loading}>Next page</button>
        </nav>`}`;
}
