// /cuenta — the signed-in area: greeting, profile, menu (Mis líneas, Facturación → Ver Factura).

import { apiRequest } from './api.js';
import {
  accessToken,
  authorizedRequest,
  clearSession,
  hasSession,
  setFlash,
} from './session.js';
import { showPanel } from './forms.js';

const SESSION_ENDED = 'Tu sesión expiró. Inicia sesión nuevamente.';
const ID_TYPES = { cedula: 'Cédula', passport: 'Pasaporte', ruc: 'RUC' };

const loading = document.getElementById('cuenta-cargando');
const failure = document.getElementById('cuenta-error');
const account = document.getElementById('cuenta');
const menu = document.getElementById('menu');

function toLogin(message) {
  clearSession();
  if (message) setFlash(message);
  window.location.replace('/ingresar');
}

function text(id, value) {
  document.getElementById(id).textContent = value || '—';
}

// --- sections (hash: #perfil, #lineas, #factura) ----------------------------------------------

const SECTIONS = ['perfil', 'lineas', 'factura'];

function currentSection() {
  const name = window.location.hash.replace('#', '');
  return SECTIONS.includes(name) ? name : 'perfil';
}

function renderSection({ focus }) {
  const name = currentSection();
  for (const panel of document.querySelectorAll('[data-section-panel]')) {
    panel.hidden = panel.dataset.sectionPanel !== name;
  }
  for (const link of menu.querySelectorAll('[data-section]')) {
    if (link.dataset.section === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (focus) {
    const heading = document.querySelector(`[data-section-panel="${name}"] .section__title`);
    if (heading) heading.focus();
  }
}

window.addEventListener('hashchange', () => {
  closeSubmenu();
  renderSection({ focus: true });
});

// --- "Facturación" disclosure menu ------------------------------------------------------------

const billingButton = document.getElementById('facturacion-boton');
const billingMenu = document.getElementById('facturacion-menu');

function closeSubmenu({ restoreFocus = false } = {}) {
  if (billingMenu.hidden) return;
  billingMenu.hidden = true;
  billingButton.setAttribute('aria-expanded', 'false');
  if (restoreFocus) billingButton.focus();
}

billingButton.addEventListener('click', () => {
  const open = billingMenu.hidden;
  billingMenu.hidden = !open;
  billingButton.setAttribute('aria-expanded', String(open));
  if (open) billingMenu.querySelector('a').focus();
});
billingMenu.addEventListener('click', (event) => {
  // Same hash again: no hashchange event, so render here too.
  if (event.target.closest('a')) {
    closeSubmenu();
    setTimeout(() => renderSection({ focus: true }), 0);
  }
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !billingMenu.hidden) closeSubmenu({ restoreFocus: true });
});
document.addEventListener('click', (event) => {
  if (!event.target.closest('#facturacion-boton, #facturacion-menu')) closeSubmenu();
});
billingMenu.addEventListener('focusout', (event) => {
  const next = event.relatedTarget;
  if (next && !billingMenu.contains(next) && next !== billingButton) closeSubmenu();
});

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
  window.location.replace('/ingresar');
});

// --- profile -------------------------------------------------------------------------------------

function render(me) {
  const given = typeof me.given_names === 'string' ? me.given_names.trim() : '';
  document.getElementById('saludo').textContent = given ? `Hola, ${given}` : 'Hola';
  text('perfil-email', me.email);
  text('perfil-nombres', me.given_names);
  text('perfil-apellidos', me.surnames);
  const idLabel = ID_TYPES[me.id_type] || 'Identificación';
  text('perfil-identificacion', me.id_number ? `${idLabel} ${me.id_number}` : '');
  document.title = `${given ? `Hola, ${given}` : 'Mi cuenta'} | ${document.querySelector('meta[name="application-name"]').content}`;
}

async function load() {
  showPanel(loading, [failure, account]);
  const result = await authorizedRequest('GET', '/me');
  if (result.status === 200 && result.body && typeof result.body === 'object') {
    render(result.body);
    loading.hidden = true;
    failure.hidden = true;
    account.hidden = false;
    menu.hidden = false;
    renderSection({ focus: false });
    document.getElementById('saludo').focus();
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
