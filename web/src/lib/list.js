// A paged list endpoint as page state: the first page on mount and whenever `query` changes,
// "load more" with next_cursor, reload after a change.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

export function usePagedList(path, query = {}, pageSize = 100) {
  const [state, setState] = useState({ items: [], cursor: null, loading: true, error: null });
  const queryKey = JSON.stringify(query);
  const generation = useRef(0);

  const load = async (cursor, append) => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const answer = await api.get(path, { ...query, limit: pageSize, cursor });
      if (mine !== generation.current) return;
      setState((s) => ({
        items: append ? [...s.items, ...answer.items] : answer.items,
        cursor: answer.next_cursor, loading: false, error: null,
      }));
    } catch (e) {
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, items: append ? s.items : [], loading: false, error: e }));
    }
  };

  useEffect(() => {
    load(null, false);
  }, [path, queryKey]);

  return {
    ...state,
    loadMore: () => load(state.cursor, true),
    reload: () => load(null, false),
  };
}

/** One object (GET path) as page state, with reload. */
export function useObject(path) {
  const [state, setState] = useState({ value: null, loading: true, error: null });
  const generation = useRef(0);
  const load = async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const value = await api.get(path);
      if (mine === generation.current) setState({ value, loading: false, error: null });
    } catch (e) {
      if (mine === generation.current) setState({ value: null, loading: false, error: e });
    }
  };
  useEffect(() => {
    load();
  }, [path]);
  return { ...state, reload: load, set: (value) => setState({ value, loading: false, error: null }) };
}
