// The usage chart of a key: one bar per bucket (a minute of the last hour, or an hour of the
// last day), stacked by verification outcome, drawn as inline SVG at the width of its box.
// Each column has a tooltip (<title>) with its counts; the legend gives the totals; the same
// numbers are in a table under "Show the numbers" for keyboard and screen-reader users.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';

// Outcome codes in stacking order (docs/http_api.md, "Verify"), with their colours.
export const OUTCOMES = [
  ['VALID', '#2f9e5b'],
  ['RATE_LIMITED', '#d9a21b'],
  ['USAGE_EXCEEDED', '#e0702a'],
  ['INSUFFICIENT_SCOPE', '#8557d6'],
  ['ORIGIN_NOT_ALLOWED', '#c7448f'],
  ['IP_NOT_ALLOWED', '#d1443c'],
  ['RESOURCE_NOT_ALLOWED', '#5f6fd9'],
  ['DATA_ACCESS_DENIED', '#a0742a'],
  ['WRONG_NAMESPACE', '#2b8fc7'],
  ['DISABLED', '#8d96a0'],
  ['EXPIRED', '#66707a'],
  ['REVOKED', '#3d444c'],
];
const COLOR = Object.fromEntries(OUTCOMES);
const OTHER_COLOR = '#b8c0c8';

export const outcomeColor = (code) => COLOR[code] || OTHER_COLOR;

/** Codes present in `counts` objects, in stacking order (unknown ones last, by name). */
export function codesOf(countsList) {
  const seen = new Set();
  for (const counts of countsList) {
    for (const [code, n] of Object.entries(counts || {})) if (n > 0) seen.add(code);
  }
  const known = OUTCOMES.map(([code]) => code).filter((code) => seen.has(code));
  const unknown = [...seen].filter((code) => !COLOR[code]).sort();
  return [...known, ...unknown];
}

function niceCeiling(n) {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= n) return step * power;
  }
  return 10 * power;
}

const pad = (n) => String(n).padStart(2, '0');
function clockLabel(iso, withDay) {
  const d = new Date(iso);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDay ? `${pad(d.getDate())}/${pad(d.getMonth() + 1)} ${time}` : time;
}

const sum = (counts) => Object.values(counts || {}).reduce((a, b) => a + b, 0);

export function UsageChart({ series, unit }) {
  const boxRef = useRef(null);
  const [width, setWidth] = useState(720);
  useEffect(() => {
    const box = boxRef.current;
    if (!box || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      if (w > 0) setWidth(Math.max(260, w));
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  const buckets = series?.buckets || [];
  const codes = codesOf(buckets.map((b) => b.counts));
  const peak = Math.max(0, ...buckets.map((b) => sum(b.counts)));
  const top = niceCeiling(peak);
  const height = 220;
  const margin = { left: 44, right: 10, top: 12, bottom: 30 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const n = Math.max(1, buckets.length);
  const slot = plotW / n;
  const gap = slot > 8 ? 2 : slot > 4 ? 1 : 0;
  const y = (v) => margin.top + plotH - (v / top) * plotH;
  const ticks = [0, top / 2, top].filter((t, i, all) => all.indexOf(t) === i);
  const labelEvery = Math.max(1, Math.ceil(64 / slot));
  const longSpan = (series?.bucket_seconds || 60) >= 3600;
  const total = buckets.reduce((acc, b) => acc + sum(b.counts), 0);
  const summary = total === 0
    ? `No verifications of this key ${unit === 'hour' ? 'in the last hour' : 'in the last day'}.`
    : `Verifications per ${longSpan ? 'hour' : 'minute'}: ` +
      codes.map((c) => `${buckets.reduce((a, b) => a + (b.counts?.[c] || 0), 0)} ${c}`).join(', ');

  return html`
    <div class="chart" ref=${boxRef} data-testid="usage-chart">
      <svg width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img"
           aria-label=${summary}>
        ${ticks.map((t) => html`
          <g class="tick">
            <line x1=${margin.left} x2=${width - margin.right} y1=${y(t)} y2=${y(t)} />
            <text x=${margin.left - 6} y=${y(t) + 4} text-anchor="end">${t}</text>
          </g>`)}
        ${buckets.map((b, i) => {
          const x = margin.left + i * slot + gap / 2;
          const w = Math.max(1, slot - gap);
          let base = 0;
          const parts = codes.filter((c) => b.counts?.[c] > 0).map((c) => {
            const v = b.counts[c];
            const rect = html`<rect class="bar" x=${x} width=${w} y=${y(base + v)}
                                    height=${Math.max(0.5, y(base) - y(base + v))}
                                    fill=${outcomeColor(c)} data-code=${c} />`;
            base += v;
            return rect;
          });
          const tip = `${clockLabel(b.start, longSpan)}: ` +
                      (sum(b.counts) === 0 ? 'no verifications'
                        : codes.filter((c) => b.counts?.[c] > 0).map((c) => `${b.counts[c]} ${c}`).join(', '));
          return html`
            <g class="column">
              <rect class="hit" x=${margin.left + i * slot} width=${slot} y=${margin.top}
                    height=${plotH}><title>${tip}</title></rect>
              ${parts}
              ${i % labelEvery === 0 && html`
                <text class="x-label" x=${x + w / 2} y=${height - 10} text-anchor="middle">
                  ${clockLabel(b.start, false)}
                </text>`}
            </g>`;
        })}
        <line class="axis" x1=${margin.left} x2=${width - margin.right} y1=${y(0)} y2=${y(0)} />
      </svg>
      ${total === 0 && html`
        <p class="chart-empty" data-testid="usage-empty">
          No verifications ${unit === 'hour' ? 'in the last hour' : 'in the last day'}.
          They appear here as clients verify this key.
        </p>`}
    </div>`;
}

export function UsageLegend({ totals }) {
  const codes = codesOf([totals]);
  if (codes.length === 0) return null;
  return html`
    <ul class="legend" aria-label="Totals by outcome">
      ${codes.map((c) => html`
        <li><span class="swatch" style=${{ background: outcomeColor(c) }}></span>
            <code>${c}</code> <strong>${totals[c]}</strong></li>`)}
    </ul>`;
}

export function UsageTable({ series }) {
  const buckets = (series?.buckets || []).filter((b) => sum(b.counts) > 0);
  const codes = codesOf(buckets.map((b) => b.counts));
  if (buckets.length === 0) return null;
  const longSpan = (series?.bucket_seconds || 60) >= 3600;
  return html`
    <details class="numbers">
      <summary>Show the numbers</summary>
      <div class="table-wrap">
        <table class="data compact">
          <thead><tr><th scope="col">${longSpan ? 'Hour' : 'Minute'}</th>
            ${codes.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
          <tbody>
            ${buckets.map((b) => html`
              <tr><td>${clockLabel(b.start, longSpan)}</td>
                ${codes.map((c) => html`<td>${b.counts?.[c] || 0}</td>`)}</tr>`)}
          </tbody>
        </table>
      </div>
    </details>`;
}
