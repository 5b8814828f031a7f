// One key: every field, the actions (edit, disable/enable, roll, revoke, delete — the
// destructive ones confirmed), and its usage: the chart of verifications by outcome over the
// last hour or day, rate-limit and quota state (GET /v1/keys/{id}/usage).
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../lib/api.js';
import { useDirectory } from '../lib/directory.js';
import { formatAge, formatDuration, formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useObject } from '../lib/list.js';
import { notify } from '../lib/notify.js';
import { href, navigate } from '../lib/router.js';
import { ConfirmDialog } from '../components/dialog.js';
import { Badge, Chips, ErrorBox, Facts, Loading, PageHead } from '../components/ui.js';
import { UsageChart, UsageLegend, UsageTable } from '../components/usage_chart.js';
import { KeyFormDialog, RollDialog, SecretDialog } from './key_dialogs.js';

const DATA_ACCESS = { none: 'No access', read: 'Read only', read_write: 'Read and write' };

function originsText(o) {
  if (!o) return '—';
  const kinds = [o.native && 'native clients', o.browser && 'web browsers'].filter(Boolean);
  return kinds.join(' and ') || 'none';
}

function Meter({ label, value, max }) {
  const share = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const level = share <= 0.1 ? 'low' : share <= 0.3 ? 'mid' : '';
  return html`
    <div class="meter">
      <div class="meter-label"><span>${label}</span><strong>${value} / ${max}</strong></div>
      <div class="meter-track" role="meter" aria-label=${label} aria-valuemin="0"
           aria-valuemax=${max} aria-valuenow=${value}>
        <div class=${`meter-fill ${level}`} style=${{ width: `${(share * 100).toFixed(1)}%` }}></div>
      </div>
    </div>`;
}

function LimitsState({ usage }) {
  const rl = usage.rate_limit;
  const quota = usage.quota;
  return html`
    <div class="limits">
      <div class="card inner">
        <h3>Rate limit</h3>
        ${rl ? html`
          <${Meter} label=${`Remaining in the ${formatDuration(rl.window_ms)} window`} value=${rl.remaining} max=${rl.limit} />
          <p class="muted small">${rl.limit} per ${formatDuration(rl.window_ms)}.
            ${rl.remaining < rl.limit ? ` The oldest counted call leaves the window in ${formatDuration(rl.reset_ms)}.` : ''}</p>`
        : html`<p class="muted">No rate limit.</p>`}
      </div>
      <div class="card inner">
        <h3>Quota</h3>
        ${quota ? html`
          ${quota.limit != null ? html`<${Meter} label="Units remaining" value=${quota.remaining} max=${quota.limit} />`
                                : html`<p class="big-number">${quota.remaining} <span class="muted small">units remaining</span></p>`}
          <p class="muted small">${quota.refill ? `Refills ${quota.refill} (UTC).` : 'Never refills.'}</p>`
        : html`<p class="muted">No quota: unlimited.</p>`}
      </div>
    </div>`;
}

function UsagePanel({ keyId, onUsage }) {
  const [span, setSpan] = useState('hour');
  const [state, setState] = useState({ usage: null, error: null, loading: true });
  const load = async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const usage = await api.get(`/v1/keys/${seg(keyId)}/usage`);
      setState({ usage, error: null, loading: false });
      onUsage?.(usage);
    } catch (error) {
      setState({ usage: null, error, loading: false });
    }
  };
  useEffect(() => {
    load();
    const timer = setInterval(() => { if (!document.hidden) load(); }, 30000);
    return () => clearInterval(timer);
  }, [keyId]);

  const usage = state.usage;
  const series = usage ? usage[span] : null;
  const totals = usage?.totals?.[span] || {};
  return html`
    <section class="card" aria-labelledby="usage-title">
      <div class="card-head">
        <h2 id="usage-title">Usage</h2>
        <div class="actions">
          <div class="segmented" role="group" aria-label="Period">
            <button type="button" aria-pressed=${span === 'hour'} onClick=${() => setSpan('hour')}>Last hour</button>
            <button type="button" aria-pressed=${span === 'day'} onClick=${() => setSpan('day')}>Last day</button>
          </div>
          <button type="button" class="button small" onClick=${load} disabled=${state.loading}>Refresh</button>
        </div>
      </div>
      <${ErrorBox} error=${state.error} title="Could not load usage" />
      ${!usage && state.loading && html`<${Loading} what="usage" />`}
      ${usage && html`
        <p class="muted small">
          Verifications by outcome, per ${span === 'hour' ? 'minute' : 'hour'}, counted by this
          server since ${formatTime(usage.since)}. Last used: ${usage.last_used_at ? `${formatAge(usage.last_used_at)} (${formatTime(usage.last_used_at, { seconds: true })})` : 'never'}.
        </p>
        <${UsageChart} series=${series} unit=${span} />
        <${UsageLegend} totals=${totals} />
        <${UsageTable} series=${series} />
        <${LimitsState} usage=${usage} />`}
    </section>`;
}

export function KeyDetailPage({ id, me }) {
  const dir = useDirectory();
  const key = useObject(`/v1/keys/${seg(id)}`);
  const [dialog, setDialog] = useState(null);
  const [secret, setSecret] = useState(null);
  const [usedAt, setUsedAt] = useState(null);  // from the usage counters, fresher than the key's
  const close = () => setDialog(null);
  const changed = (message) => (updated) => {
    close();
    if (updated) key.set(updated);
    else key.reload();
    notify(message);
  };

  if (key.loading && !key.value) return html`<${Loading} what="key" />`;
  if (!key.value) {
    return html`
      <${PageHead} title="Key" back=${{ href: '#/keys', label: 'API keys' }} />
      <${ErrorBox} error=${key.error} title="Could not load the key" />`;
  }
  const k = key.value;
  const lastUsed = [k.last_used_at, usedAt].filter(Boolean).sort().pop() || null;
  const active = k.status === 'active';
  const revoked = k.status === 'revoked';
  const post = (verb) => () => api.post(`/v1/keys/${seg(k.id)}/${verb}`);

  const actions = html`
    <button type="button" class="button" disabled=${revoked} onClick=${() => setDialog('edit')}>Edit</button>
    ${active && html`<button type="button" class="button" onClick=${() => setDialog('disable')}>Disable</button>`}
    ${k.status === 'disabled' && html`<button type="button" class="button" onClick=${() => setDialog('enable')}>Enable</button>`}
    <button type="button" class="button" disabled=${!active} onClick=${() => setDialog('roll')}>Roll…</button>
    <button type="button" class="button danger-outline" disabled=${revoked} onClick=${() => setDialog('revoke')}>Revoke…</button>
    <button type="button" class="button danger-outline" onClick=${() => setDialog('delete')}>Delete…</button>`;

  return html`
    <${PageHead} title=${k.name} back=${{ href: '#/keys', label: 'API keys' }}
      subtitle=${html`<code class="hint-code">${k.hint}</code> <${Badge} value=${k.status} /> ${k.description}`}
      actions=${actions} />
    <${UsagePanel} keyId=${k.id} onUsage=${(u) => setUsedAt(u.last_used_at)} />
    <section class="card" aria-labelledby="key-facts">
        <h2 id="key-facts">Details</h2>
        <${Facts} columns rows=${[
          ['Key id', html`<code>${k.id}</code>`],
          ['Type', k.type],
          ['Owner', html`<a href=${href(`/principals/${k.owner}`)}>${dir.prName(k.owner)}</a>`],
          ['Namespace', k.namespace ? html`<a href=${href(`/namespaces/${k.namespace}`)}>${dir.nsName(k.namespace)}</a>` : '— (personal token: all)'],
          ['Scopes', html`<${Chips} items=${k.scopes} empty="none" />`],
          ['Resources', html`<${Chips} items=${k.resources} empty="none (no resource allowed)" />`],
          ['Data access', DATA_ACCESS[k.data_access] || k.data_access],
          ['Caller origin', originsText(k.origins)],
          k.origins?.browser && ['Referrer hosts', html`<${Chips} items=${k.origins.referrers} empty="any" />`],
          ['Allowed IPs', html`<${Chips} items=${k.allowed_ips} empty="any address" />`],
          ['Rate limit', k.rate_limit ? `${k.rate_limit.limit} per ${formatDuration(k.rate_limit.window_ms)}` : 'none'],
          ['Quota', k.quota ? `${k.quota.remaining} remaining${k.quota.refill ? `, refilled to ${k.quota.refill.amount} ${k.quota.refill.interval}` : ''}` : 'none'],
          ['Expires', k.expires_at ? html`<span title=${k.expires_at}>${formatTime(k.expires_at)}</span>` : 'never'],
          ['Created', html`<span title=${k.created_at}>${formatTime(k.created_at)}</span> by ${dir.prName(k.created_by)}`],
          ['Last used', lastUsed ? html`<span title=${lastUsed}>${formatAge(lastUsed)}</span>${k.last_used_ip ? ` from ${k.last_used_ip}` : ''}` : 'never'],
          revoked && ['Revoked', formatTime(k.revoked_at)],
          ['Prefix', html`<code>${k.prefix}</code>`],
          k.meta && Object.keys(k.meta).length > 0 && ['Metadata', html`<pre class="json">${JSON.stringify(k.meta, null, 2)}</pre>`],
          ['Audit', html`<a href=${href('/audit', { target: k.id })}>Events of this key</a>`],
        ]} />
    </section>

    ${dialog === 'edit' && html`<${KeyFormDialog} keyObj=${k} me=${me} onClose=${close}
       onDone=${changed('Key saved.')} />`}
    ${dialog === 'disable' && html`
      <${ConfirmDialog} title=${`Disable key ${k.name}?`} confirmLabel="Disable key" action=${post('disable')}
        onClose=${close} onDone=${changed('Key disabled.')}>
        <p>The key verifies as <code>DISABLED</code> until it is enabled again.</p>
      <//>`}
    ${dialog === 'enable' && html`
      <${ConfirmDialog} title=${`Enable key ${k.name}?`} confirmLabel="Enable key" danger=${false}
        action=${post('enable')} onClose=${close} onDone=${changed('Key enabled.')}>
        <p>The key works again, within its scopes and restrictions.</p>
      <//>`}
    ${dialog === 'revoke' && html`
      <${ConfirmDialog} title=${`Revoke key ${k.name}?`} confirmLabel="Revoke key" action=${post('revoke')}
        onClose=${close} onDone=${changed('Key revoked.')}>
        <p>Every service using this key loses access at once. <strong>Revoking is final</strong>:
           the key can never be enabled again.</p>
      <//>`}
    ${dialog === 'delete' && html`
      <${ConfirmDialog} title=${`Delete key ${k.name}?`} confirmLabel="Delete key"
        action=${() => api.del(`/v1/keys/${seg(k.id)}`)} onClose=${close}
        onDone=${() => { close(); notify('Key deleted.'); navigate('/keys'); }}>
        <p>The key stops working at once and disappears from every list. Its audit events stay.</p>
      <//>`}
    ${dialog === 'roll' && html`
      <${RollDialog} keyObj=${k} onClose=${close}
        onDone=${(fresh) => { close(); setSecret(fresh); }} />`}
    ${secret && html`<${SecretDialog} created=${secret} title="Your rolled API key"
      onClose=${() => { const next = secret.id; setSecret(null); navigate(`/keys/${next}`); }} />`}`;
}

