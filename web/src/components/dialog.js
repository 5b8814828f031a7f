// Modal dialogs on the native <dialog> element: showModal() makes the page behind inert,
// Escape (the "cancel" event) and the × button call onClose, Tab and Shift+Tab wrap around
// inside the dialog, the first [data-autofocus] control (else the first field) gets the
// focus, and the control that opened the dialog gets it back on close.
//
// ConfirmDialog asks before a destructive action, runs it, and shows the server's error in
// place when it fails (the dialog stays open).
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Form } from '../lib/form.js';
import { html } from '../lib/html.js';
import { ErrorBox } from './ui.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
                  'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

function focusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null ||
                                                             el === document.activeElement);
}

export function Dialog({ title, onClose, onSubmit, children, footer, size = '', testId }) {
  const ref = useRef(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    const first = dialog.querySelector('[data-autofocus]') ||
                  focusables(dialog.querySelector('.dialog-body'))[0] || focusables(dialog)[0];
    if (first) first.focus();
    return () => {
      if (dialog.open) dialog.close();
      // Back to the opener, unless something else took the focus meanwhile; once more after
      // the DOM update, as removing an open modal dialog may reset the focus to <body>.
      const restore = () => {
        const now = document.activeElement;
        if (opener && opener.isConnected && typeof opener.focus === 'function' &&
            (!now || now === document.body || now === dialog || !now.isConnected)) opener.focus();
      };
      restore();
      setTimeout(restore, 0);
    };
  }, []);

  const cancel = (e) => {
    e.preventDefault();
    onClose();
  };
  const trapTab = (e) => {
    if (e.key !== 'Tab') return;
    const items = focusables(ref.current);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  const inner = html`
    <header class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon-button" aria-label="Close" onClick=${onClose}>×</button>
    </header>
    <div class="dialog-body">${children}</div>
    ${footer && html`<footer class="dialog-foot">${footer}</footer>`}`;
  return html`
    <dialog ref=${ref} class=${`dialog ${size}`} aria-labelledby=${titleId}
            onCancel=${cancel} onKeyDown=${trapTab} data-testid=${testId}>
      ${onSubmit ? html`<${Form} class="dialog-form" onSubmit=${onSubmit}>${inner}<//>`
                 : html`<div class="dialog-form">${inner}</div>`}
    </dialog>`;
}

/**
 * "Revoke key?" — `action` is an async function; on success onDone(result) is called, on
 * failure the server's message is shown and the dialog stays open.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger = true, action, onDone,
                                onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await action();
      onDone(result);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return html`
    <${Dialog} title=${title} onClose=${onClose} onSubmit=${run} size="narrow"
      footer=${html`
        <button type="button" class="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class=${`button ${danger ? 'danger' : 'primary'}`} disabled=${busy}
                data-autofocus>${busy ? 'Working…' : confirmLabel}</button>`}>
      ${children}
      <${ErrorBox} error=${error} />
    <//>`;
}
