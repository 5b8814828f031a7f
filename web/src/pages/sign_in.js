// Sign in with a user's name (or e-mail) and password: POST /v1/sessions sets the session
// cookie and answers the CSRF token. Wrong credentials and throttling (429, with Retry-After)
// are shown in the server's words.
import { useState } from 'preact/hooks';
import { request } from '../lib/api.js';
import { useAction, useForm } from '../lib/form.js';
import { html } from '../lib/html.js';
import { ErrorBox, Field } from '../components/ui.js';

function retryText(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0) return '';
  if (s < 90) return `Try again in ${Math.ceil(s)} seconds.`;
  return `Try again in ${Math.ceil(s / 60)} minutes.`;
}

export function SignInPage({ onSignedIn, notice }) {
  const [s, set, ref] = useForm({ name: '', password: '' });
  const action = useAction();
  const [tried, setTried] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setTried(true);
    const { name, password } = ref.current;
    if (!name.trim() || !password) {
      action.setError({ message: 'enter your name (or e-mail) and your password' });
      return;
    }
    const done = await action.run(() => request('POST', '/v1/sessions',
      { body: { name: name.trim(), password }, quiet401: true }));
    if (done.ok) onSignedIn(done.result);
    else set({ password: '' });
  };
  const error = action.error;
  const throttled = error && error.status === 429;
  return html`
    <main class="signin" id="main">
      <form class="card signin-card" onSubmit=${submit} novalidate aria-labelledby="signin-title">
        <p class="brand"><span class="brand-mark" aria-hidden="true">◆</span> latchkey</p>
        <h1 id="signin-title">Sign in</h1>
        <p class="muted">Manage API keys, service accounts, groups and namespaces.</p>
        ${notice && !tried && html`<div class="alert info" role="status">${notice}</div>`}
        <${Field} label="Name or e-mail">
          ${(id) => html`<input id=${id} name="username" autocomplete="username" value=${s.name}
            autofocus onInput=${(e) => set({ name: e.currentTarget.value })} />`}
        <//>
        <${Field} label="Password">
          ${(id) => html`<input id=${id} name="password" type="password" autocomplete="current-password"
            value=${s.password} onInput=${(e) => set({ password: e.currentTarget.value })} />`}
        <//>
        ${error && html`
          <div data-testid="signin-error">
            <${ErrorBox} error=${error} title=${throttled ? 'Too many attempts' : ''} />
            ${throttled && !/try again/i.test(error.message) && html`<p class="hint">${retryText(error.retryAfter)}</p>`}
          </div>`}
        <button type="submit" class="button primary block" disabled=${action.busy}>
          ${action.busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="hint">No password yet? An administrator sets one in the console or with${' '}
          <code>latchkey principals set-password</code>.</p>
      </form>
    </main>`;
}
