// /restablecer?token=… — choose a new password from the reset e-mail's link.

import { post } from './api.js';
import { clearSession } from './session.js';
import {
  MIN_PASSWORD,
  MSG_PASSWORD_MISMATCH,
  MSG_PASSWORD_SHORT,
  MSG_REQUIRED,
  focusFirstInvalid,
  rawValueOf,
  resetErrors,
  setBusy,
  showFieldErrors,
  showMessage,
  showPanel,
  wirePasswordToggles,
} from './forms.js';

const form = document.getElementById('restablecer-form');
const submit = document.getElementById('restablecer-submit');
const alertRegion = document.getElementById('restablecer-alerta');
const view = document.getElementById('restablecer-vista');
const done = document.getElementById('restablecer-exito');
const linkProblem = document.getElementById('restablecer-enlace');
const linkMessage = document.getElementById('enlace-mensaje');
const linkDetail = document.getElementById('enlace-detalle');

const DETAILS = {
  token_used: 'Si ya cambiaste tu contraseña, inicia sesión. Si no, solicita un nuevo enlace.',
  token_expired: 'Por seguridad, los enlaces para restablecer la contraseña duran poco tiempo. Solicita uno nuevo.',
  token_not_found: 'Revisa que hayas abierto el enlace completo desde el correo, o solicita uno nuevo.',
};

const token = (new URLSearchParams(window.location.search).get('token') || '').trim();

function showLinkProblem(message, code) {
  linkMessage.textContent = message || 'El enlace no es válido.';
  linkDetail.textContent = DETAILS[code] || DETAILS.token_not_found;
  showPanel(linkProblem, [view, done]);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  resetErrors(form, alertRegion);

  const password = rawValueOf(form, 'password');
  const confirmation = rawValueOf(form, 'password_confirmation');
  const problems = {};
  if (!password) problems.password = MSG_REQUIRED;
  else if (password.length < MIN_PASSWORD) problems.password = MSG_PASSWORD_SHORT;
  if (!confirmation) problems.password_confirmation = MSG_REQUIRED;
  else if (password && confirmation !== password) problems.password_confirmation = MSG_PASSWORD_MISMATCH;
  if (Object.keys(problems).length) {
    showFieldErrors(form, problems);
    showMessage(alertRegion, 'Revisa los datos ingresados.');
    focusFirstInvalid(form);
    return;
  }

  setBusy(submit, true, 'Guardando…');
  const result = await post('/password-resets/confirm', {
    token,
    password,
    password_confirmation: confirmation,
  });
  setBusy(submit, false);

  if (result.ok) {
    clearSession(); // every session was closed by the reset
    form.reset();
    showPanel(done, [view, linkProblem]);
    return;
  }
  const { code, message, fields } = result.error;
  if (result.status === 410 || result.status === 404) {
    showLinkProblem(message, code);
  } else if (result.status === 422 && fields.token && !fields.password && !fields.password_confirmation) {
    showLinkProblem('', 'token_not_found');
  } else {
    const { token: _ignored, ...rest } = fields;
    const unplaced = showFieldErrors(form, rest);
    showMessage(alertRegion, message, 'error', unplaced);
    focusFirstInvalid(form);
  }
});

wirePasswordToggles(form);

if (!token) showLinkProblem('', 'token_not_found');
