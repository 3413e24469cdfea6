// /activar?token=… — the link of the "Activar Cuenta" e-mail (docs/design.md §1, step 1.2).

import { post } from './api.js';
import { wireLinkRequest } from './link-request.js';
import { showPanel } from './forms.js';

const panels = {
  loading: document.getElementById('activar-cargando'),
  active: document.getElementById('activar-exito'),
  used: document.getElementById('activar-usado'),
  expired: document.getElementById('activar-expirado'),
  invalid: document.getElementById('activar-invalido'),
  error: document.getElementById('activar-error'),
};
const all = Object.values(panels);

function show(name, message, target) {
  if (message && target) document.getElementById(target).textContent = message;
  showPanel(panels[name], all);
}

const token = (new URLSearchParams(window.location.search).get('token') || '').trim();
let running = false;

async function activate() {
  if (running) return;
  running = true;
  showPanel(panels.loading, all);
  const result = await post('/activations', { token });
  running = false;

  if (result.ok) {
    show('active');
    return;
  }
  const { code, message } = result.error;
  if (result.status === 410 && code === 'token_expired') {
    show('expired', message, 'expirado-mensaje');
    offerResend();
  } else if (result.status === 410) {
    // token_used (or any other "gone"): the account is most likely active already.
    show('used', message, 'usado-mensaje');
  } else if (result.status === 404 || result.status === 422 || result.status === 400) {
    show('invalid', result.status === 404 ? message : '', 'invalido-mensaje');
  } else {
    show('error', message, 'error-mensaje');
  }
}

document.getElementById('activar-reintentar').addEventListener('click', activate);

// --- expired link: ask for a new one (with a captcha, as on /reenviar; loaded only then) ------

let resendWired = false;

function offerResend() {
  if (resendWired) return;
  resendWired = true;
  wireLinkRequest('reenvio', '/activations/resend');
}

// --- start ---------------------------------------------------------------------------------------

if (token) {
  activate();
} else {
  show('invalid');
}
