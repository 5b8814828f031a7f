// The console's shell: the session (restored with GET /v1/sessions/current on load, so a
// reloaded page keeps its CSRF token), the sign-in page when there is none or when any call
// answers 401, and otherwise the top bar, the navigation and the page of the current route.
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthenticated, request, setCsrfToken } from './lib/api.js';
import { refreshDirectory, resetDirectory } from './lib/directory.js';
import { html } from './lib/html.js';
import { useNotices } from './lib/notify.js';
import { useRoute } from './lib/router.js';
import { ErrorBox, Loading, PageHead } from './components/ui.js';
import { AuditPage } from './pages/audit.js';
import { GroupDetailPage, GroupsPage } from './pages/groups.js';
import { KeyDetailPage } from './pages/key_detail.js';
import { KeysPage } from './pages/keys.js';
import { NamespaceDetailPage, NamespacesPage } from './pages/namespaces.js';
import { PrincipalDetailPage, PrincipalsPage } from './pages/principals.js';
import { SignInPage } from './pages/sign_in.js';

const NAV = [
  { heading: 'Access management', items: [
    { label: 'API keys', hash: '#/keys', match: (r) => r.segments[0] === 'keys' },
    { label: 'Service accounts', hash: '#/principals',
      match: (r) => r.segments[0] === 'principals' && r.query.get('kind') !== 'user' && !r.segments[1] },
    { label: 'Users', hash: '#/principals?kind=user',
      match: (r) => r.segments[0] === 'principals' && r.query.get('kind') === 'user' },
    { label: 'Groups', hash: '#/groups', match: (r) => r.segments[0] === 'groups' },
    { label: 'Namespaces', hash: '#/namespaces', match: (r) => r.segments[0] === 'namespaces' },
  ] },
  { heading: 'Monitoring', items: [
    { label: 'Audit log', hash: '#/audit', match: (r) => r.segments[0] === 'audit' },
  ] },
];

function Page({ route, me }) {
  const [section, id] = route.segments;
  const q = route.query;
  switch (section) {
    case 'keys': return id ? html`<${KeyDetailPage} key=${id} id=${id} me=${me} />` : html`<${KeysPage} query=${q} me=${me} />`;
    case 'principals': return id ? html`<${PrincipalDetailPage} key=${id} id=${id} me=${me} />` : html`<${PrincipalsPage} query=${q} />`;
    case 'groups': return id ? html`<${GroupDetailPage} key=${id} id=${id} />` : html`<${GroupsPage} query=${q} />`;
    case 'namespaces': return id ? html`<${NamespaceDetailPage} key=${id} id=${id} />` : html`<${NamespacesPage} query=${q} />`;
    case 'audit': return html`<${AuditPage} query=${q} me=${me} />`;
    default: return html`
      <${PageHead} title="Page not found" />
      <p>There is no page at <code>${route.hash}</code>. <a href="#/keys">Go to API keys</a>.</p>`;
  }
}

function Notices() {
  const notices = useNotices();
  return html`
    <div class="notices" role="status" aria-live="polite">
      ${notices.map((n) => html`<div class="notice">${n.text}</div>`)}
    </div>`;
}

function Shell({ session, route, onSignOut }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef(null);
  const firstRender = useRef(true);
  const me = session.principal;
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After navigation, reading and Tab start at the new page, not at the link clicked.
    mainRef.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [route.segments.join('/')]);
  return html`
    <a class="skip-link" href="#main" onClick=${(e) => { e.preventDefault(); mainRef.current?.focus(); }}>Skip to content</a>
    <div class=${`shell ${menuOpen ? 'menu-open' : ''}`}>
      <header class="topbar">
        <button type="button" class="icon-button menu-button" aria-expanded=${menuOpen}
                aria-controls="main-nav" onClick=${() => setMenuOpen(!menuOpen)}>
          <span aria-hidden="true">☰</span><span class="visually-hidden">Menu</span>
        </button>
        <a class="brand" href="#/keys"><span class="brand-mark" aria-hidden="true">◆</span> latchkey</a>
        <div class="user">
          <span class="user-name" title=${me?.email || ''}>
            <span class="muted">Signed in as </span><strong>${me?.name}</strong>
            ${me?.superuser && html` <span class="badge info">superuser</span>`}
          </span>
          <button type="button" class="button small" onClick=${onSignOut}>Sign out</button>
        </div>
      </header>
      <nav class="sidebar" id="main-nav" aria-label="Main">
        ${NAV.map((group) => html`
          <p class="nav-heading">${group.heading}</p>
          <ul>
            ${group.items.map((item) => html`
              <li><a href=${item.hash} aria-current=${item.match(route) ? 'page' : undefined}>${item.label}</a></li>`)}
          </ul>`)}
      </nav>
      <main id="main" ref=${mainRef} tabindex="-1">
        <${Page} route=${route} me=${me} />
      </main>
    </div>
    <${Notices} />`;
}

export function App() {
  const [session, setSession] = useState({ state: 'loading' });
  const route = useRoute();

  const signedIn = (data) => {
    setCsrfToken(data.csrf_token);
    resetDirectory();
    refreshDirectory();
    setSession({ state: 'in', data });
  };
  const signedOut = (notice = null, error = null) => {
    setCsrfToken('');
    resetDirectory();
    setSession({ state: 'out', notice, error });
  };

  useEffect(() => {
    onUnauthenticated(() => signedOut('Your session has ended. Sign in again.'));
    request('GET', '/v1/sessions/current', { quiet401: true })
      .then(signedIn)
      .catch((e) => signedOut(null, e.status === 401 ? null : e));
  }, []);
  useEffect(() => {
    if (!window.location.hash || window.location.hash === '#' || window.location.hash === '#/') {
      window.location.replace('#/keys');
    }
  }, [route.hash]);

  const signOut = async () => {
    try {
      await request('DELETE', '/v1/sessions/current', { quiet401: true });
    } catch {
      // Signed out either way: the cookie is gone or no longer valid.
    }
    signedOut('You have signed out.');
  };

  if (session.state === 'loading') return html`<main class="signin" id="main"><${Loading} /></main>`;
  if (session.state === 'out') {
    return html`
      ${session.error && html`<div class="banner"><${ErrorBox} error=${session.error} title="Could not check your session" /></div>`}
      <${SignInPage} notice=${session.notice} onSignedIn=${signedIn} />`;
  }
  return html`<${Shell} session=${session.data} route=${route} onSignOut=${signOut} />`;
}
