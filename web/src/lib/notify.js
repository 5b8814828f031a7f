// Short confirmations ("Key revoked") shown in one polite live region by <Notices/>.
import { useEffect, useState } from 'preact/hooks';

let notices = [];
let nextId = 1;
const listeners = new Set();

function publish() {
  for (const listener of listeners) listener(notices);
}

export function notify(text) {
  const id = nextId++;
  // The newest two: older confirmations are stale by then.
  notices = [...notices, { id, text }].slice(-2);
  publish();
  setTimeout(() => {
    notices = notices.filter((n) => n.id !== id);
    publish();
  }, 4000);
}

export function useNotices() {
  const [list, setList] = useState(notices);
  useEffect(() => {
    listeners.add(setList);
    return () => listeners.delete(setList);
  }, []);
  return list;
}
