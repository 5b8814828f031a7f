// Small building blocks shared by the pages: error and empty states, status badges, labelled
// fields, the list editor for string lists (scopes, referrers, IP ranges, domains, …), a
// loading line and a "load more" pager.
import { useId, useState } from 'preact/hooks';
import { usePendingFlush } from '../lib/form.js';
import { html } from '../lib/html.js';

/** The server's words for a failure: message, then the stable code (and the field at fault). */
export function ErrorBox({ error, title }) {
  if (!error) return null;
  const code = error.code ? html` <code class="error-code">${error.code}</code>` : null;
  const field = error.field ? html` <span class="error-field">(field: <code>${error.field}</code>)</span>` : null;
  return html`
    <div class="alert error" role="alert">
      ${title && html`<strong>${title}: </strong>`}
      <span class="error-message">${error.message || String(error)}</span>${code}${field}
    </div>`;
}

export function Empty({ title, children, action }) {
  return html`
    <div class="empty">
      <p class="empty-title">${title}</p>
      ${children && html`<p class="muted">${children}</p>`}
      ${action}
    </div>`;
}

export function Loading({ what = '' }) {
  return html`<p class="loading" role="status">Loading${what ? ` ${what}` : ''}…</p>`;
}

const STATUS_CLASS = { active: 'ok', disabled: 'warn', revoked: 'bad', success: 'ok',
                       denied: 'bad' };

export function Badge({ value, kind }) {
  return html`<span class=${`badge ${kind || STATUS_CLASS[value] || ''}`}>${value}</span>`;
}

/** Chips for a short list of strings (scopes, capabilities, domains). */
export function Chips({ items, empty = '—', max = 0 }) {
  if (!items || items.length === 0) return html`<span class="muted">${empty}</span>`;
  const shown = max && items.length > max ? items.slice(0, max) : items;
  return html`
    <span class="chips">
      ${shown.map((item) => html`<code class="chip">${item}</code>`)}
      ${shown.length < items.length && html`<span class="muted"> +${items.length - shown.length}</span>`}
    </span>`;
}

/** <label> + control + hint; `children` is a function of the control's id. */
export function Field({ label, hint, children, className = '' }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return html`
    <div class=${`field ${className}`}>
      <label for=${id}>${label}</label>
      ${children(id, hint ? hintId : undefined)}
      ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    </div>`;
}

/**
 * An editable list of strings: type an entry and press Enter (or Add, or a comma) to add it;
 * text still in the field when the enclosing <Form> is submitted is added too. Each entry has a
 * remove button. `suggest(value)` may return a warning for
 * an entry (shown, not enforced: the server decides). `value` is the list, onChange gets the
 * new list.
 */
export function ListInput({ label, value, onChange, placeholder = '', hint, warn, disabled,
                            suggestions }) {
  const id = useId();
  const [draft, setDraft] = useState('');
  const add = (text) => {
    const entries = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const fresh = entries.filter((s) => !value.includes(s));
    if (fresh.length) onChange([...value, ...fresh]);
    setDraft('');
  };
  usePendingFlush(() => {
    if (draft.trim()) add(draft);
  });
  const keyDown = (e) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      add(draft);
    } else if (e.key === 'Backspace' && draft === '' && value.length) {
      onChange(value.slice(0, -1));
    }
  };
  const listId = suggestions ? `${id}-suggestions` : undefined;
  return html`
    <div class="field list-input">
      <label for=${id}>${label}</label>
      ${value.length > 0 && html`
        <ul class="chips editable" aria-label=${`${label}: entries`}>
          ${value.map((item) => {
            const problem = warn ? warn(item) : '';
            return html`
              <li class=${`chip ${problem ? 'chip-warn' : ''}`} title=${problem || undefined}>
                <code>${item}</code>
                ${!disabled && html`
                  <button type="button" class="chip-remove" aria-label=${`Remove ${item}`}
                          onClick=${() => onChange(value.filter((v) => v !== item))}>×</button>`}
              </li>`;
          })}
        </ul>`}
      ${!disabled && html`
        <div class="list-input-row">
          <input id=${id} type="text" value=${draft} placeholder=${placeholder} list=${listId}
                 autocomplete="off" spellcheck=${false}
                 aria-describedby=${hint ? `${id}-hint` : undefined}
                 onInput=${(e) => setDraft(e.currentTarget.value)} onKeyDown=${keyDown} />
          <button type="button" class="button small" onClick=${() => add(draft)}
                  aria-label=${`Add to ${label}`}>Add</button>
        </div>`}
      ${suggestions && html`
        <datalist id=${listId}>${suggestions.map((s) => html`<option value=${s} />`)}</datalist>`}
      ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
      ${warn && value.some((v) => warn(v)) && html`
        <p class="hint warn">${value.filter((v) => warn(v)).map((v) => `${v}: ${warn(v)}`).join('; ')}</p>`}
    </div>`;
}

/** A button row under a list: "Load more" when the server has another page. */
export function MoreButton({ cursor, onMore, busy }) {
  if (!cursor) return null;
  return html`
    <div class="more">
      <button type="button" class="button" onClick=${onMore} disabled=${busy}>
        ${busy ? 'Loading…' : 'Load more'}
      </button>
    </div>`;
}

/** Page title row: heading (focused after navigation) and actions on the right. */
export function PageHead({ title, subtitle, actions, back }) {
  return html`
    <div class="page-head">
      <div>
        ${back && html`<a class="back" href=${back.href}>← ${back.label}</a>`}
        <h1 tabindex="-1">${title}</h1>
        ${subtitle && html`<p class="muted subtitle">${subtitle}</p>`}
      </div>
      ${actions && html`<div class="actions">${actions}</div>`}
    </div>`;
}

/** A <dl> of label/value pairs. */
export function Facts({ rows, columns = false }) {
  return html`
    <dl class=${`facts ${columns ? 'columns' : ''}`}>
      ${rows.filter(Boolean).map(([label, value]) => html`
        <div class="fact"><dt>${label}</dt><dd>${value}</dd></div>`)}
    </dl>`;
}
