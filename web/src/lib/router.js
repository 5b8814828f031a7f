// Hash routing: the server only serves "/" and "/assets/*", so every page lives in the
// fragment ("#/keys", "#/keys/key_…", "#/audit?action=keys."). parseHash splits a fragment
// into path segments and query parameters; useRoute re-renders on every hashchange.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash) {
  const text = (hash || '').replace(/^#\/?/, '');
  const cut = text.indexOf('?');
  const pathPart = cut < 0 ? text : text.slice(0, cut);
  const queryPart = cut < 0 ? '' : text.slice(cut + 1);
  const segments = pathPart.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { segments, query: new URLSearchParams(queryPart), hash: hash || '' };
}

export function useRoute() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return parseHash(hash);
}

/** "#/keys?owner=pr_1" from ("/keys", {owner: "pr_1", status: ""}); empty values are left out. */
export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, value);
  }
  const q = params.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

export function navigate(path, query = {}) {
  window.location.hash = href(path, query).slice(1);
}
