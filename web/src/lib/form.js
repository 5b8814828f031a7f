// Form state whose latest value is readable at once through a ref, and the <Form> that owns
// the pending text of its list editors: text typed into a list field but not yet added (no
// Enter) still counts — <Form> adds every such entry right before calling onSubmit, and the
// submit handler reads ref.current, which already holds them. (Adding on blur instead would
// move the layout under the pointer between mousedown and click.)
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

const PendingEntries = createContext(null);

/** A <form> that flushes its list editors' pending entries, then calls onSubmit(event). */
export function Form({ onSubmit, children, ...attrs }) {
  const flushers = useRef(new Set());
  const submit = (e) => {
    e.preventDefault();
    for (const flush of flushers.current) flush();
    onSubmit(e);
  };
  return html`
    <${PendingEntries.Provider} value=${flushers.current}>
      <form ...${attrs} onSubmit=${submit} novalidate>${children}</form>
    <//>`;
}

/** For list editors: registers `flush` (adds the pending text) with the enclosing <Form>. */
export function usePendingFlush(flush) {
  const registry = useContext(PendingEntries);
  const latest = useRef(flush);
  latest.current = flush;
  useEffect(() => {
    if (!registry) return undefined;
    const call = () => latest.current();
    registry.add(call);
    return () => registry.delete(call);
  }, [registry]);
}

export function useForm(initial) {
  const [state, setState] = useState(initial);
  const ref = useRef(state);
  const update = (patch) => {
    ref.current = { ...ref.current, ...patch };
    setState(ref.current);
  };
  return [state, update, ref];
}

/** An async submit: {busy, error, run(fn)}; run shows the failure and rethrows nothing. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      const result = await fn();
      setBusy(false);
      return { ok: true, result };
    } catch (e) {
      setError(e);
      setBusy(false);
      return { ok: false, error: e };
    }
  };
  return { busy, error, setError, run };
}
