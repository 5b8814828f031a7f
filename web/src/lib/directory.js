// Names for ids: the namespaces, principals and groups the signed-in user may read, loaded once
// and shared by every page (tables show "extractor-sap", not "pr_…"). Pages that create or
// rename one call refreshDirectory(). A listing the user may not read leaves its list empty.
import { useEffect, useState } from 'preact/hooks';
import { listAll } from './api.js';

let state = { namespaces: [], principals: [], groups: [], loaded: false };
let loading = null;
const listeners = new Set();

async function load() {
  const [namespaces, principals, groups] = await Promise.all([
    listAll('/v1/namespaces').catch(() => []),
    listAll('/v1/principals').catch(() => []),
    listAll('/v1/groups').catch(() => []),
  ]);
  state = { namespaces, principals, groups, loaded: true };
  for (const listener of listeners) listener(state);
}

export function refreshDirectory() {
  loading = load().finally(() => {
    loading = null;
  });
  return loading;
}

export function resetDirectory() {
  state = { namespaces: [], principals: [], groups: [], loaded: false };
}

export function useDirectory() {
  const [snapshot, setSnapshot] = useState(state);
  useEffect(() => {
    listeners.add(setSnapshot);
    if (!state.loaded && !loading) refreshDirectory();
    else setSnapshot(state);
    return () => listeners.delete(setSnapshot);
  }, []);
  const nsById = new Map(snapshot.namespaces.map((n) => [n.id, n]));
  const prById = new Map(snapshot.principals.map((p) => [p.id, p]));
  const groupById = new Map(snapshot.groups.map((g) => [g.id, g]));
  return {
    ...snapshot,
    namespace: (id) => nsById.get(id),
    principal: (id) => prById.get(id),
    nsName: (id) => (id ? nsById.get(id)?.name ?? id : '—'),
    prName: (id) => (id ? prById.get(id)?.name ?? id : '—'),
    groupName: (id, fallback = id) => groupById.get(id)?.name ?? fallback,
  };
}
