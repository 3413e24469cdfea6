// /activar?token=… — the link of the "Activar Cuenta" e-mail (docs/design.md §1, step 1.2).

import { post } from './api.js';
import {
  MSG_EMAIL,
  MSG_REQUIRED,
  clearMessage,
  focusFirstInvalid,
  looksLikeEmail,
  resetErrors,
  setBusy,
  showFieldErrors,
  showMessage,
  showPanel,
  valueOf,
} from './forms.js';

const RESEND_MESSAGE = 'Si la cuenta existe y no está activa, te enviaremos un nuevo enlace.';

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

// --- expired link: ask for a new one ---------------------------------------------------------

const form = document.getElementById('reenvio-form');
const submit = document.getElementById('reenvio-submit');
const alertRegion = document.getElementById('reenvio-alerta');
const status = document.getElementById('reenvio-estado');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  resetErrors(form, alertRegion);
  clearMessage(status);
  const email = valueOf(form, 'email');
  const problem = !email ? MSG_REQUIRED : !looksLikeEmail(email) ? MSG_EMAIL : '';
  if (problem) {
    showFieldErrors(form, { email: problem });
    focusFirstInvalid(form);
    return;
  }
  setBusy(submit, true, 'Enviando…');
  const result = await post('/activations/resend', { email });
  setBusy(submit, false);
  if (result.ok) {
    showMessage(status, RESEND_MESSAGE, 'success');
  } else {
    const unplaced = showFieldErrors(form, result.error.fields);
    showMessage(alertRegion, result.error.message, 'error', unplaced);
    focusFirstInvalid(form);
  }
});

// --- start ---------------------------------------------------------------------------------------

if (token) {
  activate();
} else {
  show('invalid');
}
