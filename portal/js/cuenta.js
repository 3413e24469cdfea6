// /cuenta — the signed-in area: greeting, profile, and the screens of the guide's steps 1.4–3.3
// (./router.js lists them; each lives in ./views/). This module starts the page: session,
// profile, main menu, "Cerrar sesión", and which screen the hash shows.

import { apiRequest } from './api.js';
import { SESSION_ENDED, app, toLogin } from './app.js';
import { showPanel } from './forms.js';
import { focusOn } from './dom.js';
import { parseRoute } from './router.js';
import { accessToken, authorizedRequest, clearSession, hasSession, keepSessionAlive, setFlash } from './session.js';
import { greet, renderProfile } from './views/perfil.js';
import { renderServices } from './views/servicios.js';
import { renderServiceTypes } from './views/agregar.js';
import { renderAddLine } from './views/numero.js';
import { renderLine } from './views/linea.js';
import { closeRide } from './views/ride.js';

const loading = document.getElementById('cuenta-cargando');
const failure = document.getElementById('cuenta-error');
const account = document.getElementById('cuenta');
const menu = document.getElementById('menu');

const VIEWS = {
  perfil: renderProfile,
  servicios: renderServices,
  agregar: renderServiceTypes,
  numero: renderAddLine,
  linea: renderLine,
};
// The main menu entry each screen belongs to.
const MENU_OF = { perfil: 'perfil', servicios: 'servicios', agregar: 'servicios', numero: 'servicios', linea: 'servicios' };

let me = null;

function show(route, { focus }) {
  const token = app.begin();
  closeRide();
  for (const section of document.querySelectorAll('[data-view]')) {
    section.hidden = section.dataset.view !== route.view;
  }
  for (const link of menu.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === MENU_OF[route.view]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  app.showFlash();
  const section = document.querySelector(`[data-view="${route.view}"]`);
  // Each screen puts focus on its heading once it knows what to say (for screen readers).
  const done = VIEWS[route.view](app, route, { token, me, section });
  if (focus) Promise.resolve(done).then((target) => app.stale(token) || focusOn(target || section.querySelector('h2')));
}

window.addEventListener('hashchange', () => show(parseRoute(window.location.hash), { focus: true }));

// --- logout --------------------------------------------------------------------------------------

const logoutButton = document.getElementById('cerrar-sesion');
logoutButton.addEventListener('click', async () => {
  logoutButton.disabled = true;
  logoutButton.textContent = 'Cerrando sesión…';
  const token = accessToken();
  if (token) {
    // Whatever the answer, the session ends on this device.
    await apiRequest('DELETE', '/sessions/current', { token, timeoutMs: 8000 });
  }
  clearSession();
  setFlash('Cerraste tu sesión.');
  window.location.replace('/ingresar');
});

// --- start ---------------------------------------------------------------------------------------

async function load() {
  showPanel(loading, [failure, account]);
  const result = await authorizedRequest('GET', '/me');
  if (result.status === 200 && result.body && typeof result.body === 'object') {
    me = result.body;
    greet(me);
    loading.hidden = true;
    failure.hidden = true;
    account.hidden = false;
    menu.hidden = false;
    keepSessionAlive(() => toLogin(SESSION_ENDED));
    show(parseRoute(window.location.hash), { focus: true });
    return;
  }
  if (result.sessionEnded || result.status === 401) {
    toLogin(SESSION_ENDED);
    return;
  }
  document.getElementById('cuenta-error-mensaje').textContent = result.error
    ? result.error.message
    : 'No pudimos cargar tu cuenta. Intenta nuevamente.';
  showPanel(failure, [loading, account]);
}

document.getElementById('cuenta-reintentar').addEventListener('click', load);

if (!hasSession()) {
  toLogin('');
} else {
  load();
}
