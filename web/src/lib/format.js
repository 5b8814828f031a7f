// Display helpers: times in the browser's zone (the exact RFC 3339 value goes in a tooltip),
// relative ages, and the conversions between <input type="datetime-local"> and RFC 3339.

const pad = (n) => String(n).padStart(2, '0');

/** "2026-11-22 10:00" in local time, or "—" for null. */
export function formatTime(iso, { seconds = false } = {}) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
               `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${base}:${pad(d.getSeconds())}` : base;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", "in 4 days"; "never" for null. */
export function formatAge(iso, now = Date.now()) {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = now - t;
  const future = diff < 0;
  const s = Math.abs(diff) / 1000;
  let text;
  if (s < 45) return future ? 'in a moment' : 'just now';
  if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 86400) text = `${Math.round(s / 3600)} h`;
  else if (s < 86400 * 60) text = `${Math.round(s / 86400)} days`;
  else return formatTime(iso).slice(0, 10);
  return future ? `in ${text}` : `${text} ago`;
}

/** The value of a datetime-local input (local time) as RFC 3339 UTC, or null when empty. */
export function localInputToIso(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A Date as the value of a datetime-local input. */
export function dateToLocalInput(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 60000 → "1 minute", 3600000 → "1 hour", 1500 → "1.5 seconds". */
export function formatDuration(ms) {
  const units = [[86400000, 'day'], [3600000, 'hour'], [60000, 'minute'], [1000, 'second']];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} seconds`;
  return `${ms} ms`;
}

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
