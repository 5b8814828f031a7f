// The capability editor of a group: the list as chips, a field with suggestions, and latchkey's
// own management permissions (docs/access_model.md) as a grid of toggles, one row per resource.
// Other strings (raw:read:db1/t1, timeseries:*) are typed in; malformed ones are flagged.
import { html } from '../lib/html.js';
import { MANAGEMENT_PERMISSIONS, MANAGEMENT_RESOURCES, permissionProblem } from '../lib/permissions.js';
import { ListInput } from './ui.js';

export function CapabilityEditor({ value, onChange, label = 'Capabilities' }) {
  const toggle = (p) => onChange(value.includes(p) ? value.filter((v) => v !== p) : [...value, p]);
  const perm = (p, text, title) => html`
    <button type="button" class="perm" aria-pressed=${value.includes(p)} aria-label=${p}
            title=${title} onClick=${() => toggle(p)}>${text}</button>`;
  return html`
    <div class="capabilities">
      <${ListInput} label=${label} value=${value} onChange=${onChange}
        placeholder="e.g. raw:read:db1/t1 or timeseries:*"
        suggestions=${MANAGEMENT_PERMISSIONS.map((p) => p.value)} warn=${permissionProblem}
        hint=${html`Permission strings <code>resource:action[:target]</code>: <code>raw:*</code> grants every${' '}
          <code>raw:</code> permission, <code>raw:read</code> every target of it. You can grant only what you hold.`} />
      <details class="helper">
        <summary>Management permissions</summary>
        <p class="hint">What members may do in latchkey itself, in this namespace. Press one to add or remove it.</p>
        <table class="perm-grid">
          <tbody>
            ${MANAGEMENT_RESOURCES.map(([resource, actions]) => html`
              <tr>
                <th scope="row"><code>${resource}</code></th>
                <td>${actions.map(([action, text]) => perm(`${resource}:${action}`, action, text))}</td>
              </tr>`)}
            <tr><th scope="row"><code>*</code></th><td>${perm('*', 'everything', 'everything the holder has')}</td></tr>
          </tbody>
        </table>
      </details>
    </div>`;
}
