// /ingresar (and /) — "Para iniciar sesión ingresa tu usuario y contraseña" (docs/design.md §1, step 1.3).

import { post, retryAfterSeconds } from './api.js';
import { rememberResendEmail } from './reenviar-email.js';
import { hasSession, safeReturnPath, saveTokens, takeFlash } from './session.js';
import {
  MSG_EMAIL,
  MSG_REQUIRED,
  clearMessage,
  focusFirstInvalid,
  looksLikeEmail,
  rawValueOf,
  resetErrors,
  setBusy,
  showFieldErrors,
  showMessage,
  valueOf,
  wirePasswordToggles,
} from './forms.js';

// Also the answer for a locked account (the API says nothing more: no account enumeration).
const BAD_CREDENTIALS = 'Correo electrónico o contraseña incorrectos. Después de varios intentos fallidos, espera unos minutos antes de intentarlo nuevamente.';

const form = document.getElementById('ingresar-form');
const alertRegion = document.getElementById('ingresar-alerta');
const notice = document.getElementById('ingresar-aviso');
const submit = document.getElementById('ingresar-submit');
const wait = document.getElementById('ingresar-espera');
const password = document.getElementById('password');

// Where to go after logging in: back to where an expired session left the person
// (?volver=, a path of this portal only), else the account.
const destination = safeReturnPath(new URLSearchParams(window.location.search).get('volver')) || '/cuenta';

// Already signed in in this tab: go straight there.
if (hasSession()) {
  window.location.replace(destination);
}

const flash = takeFlash();
if (flash) showMessage(notice, flash, 'info');

// --- 429: keep the button disabled for Retry-After seconds ------------------------------------

let lockTimer = 0;

function lockFor(seconds) {
  clearInterval(lockTimer);
  const until = Date.now() + seconds * 1000;
  submit.disabled = true;
  submit.setAttribute('aria-disabled', 'true');
  wait.hidden = false;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(lockTimer);
      submit.disabled = false;
      submit.removeAttribute('aria-disabled');
      submit.textContent = 'INGRESAR';
      wait.hidden = true;
      wait.textContent = '';
      clearMessage(alertRegion);
      showMessage(notice, 'Ya puedes intentarlo nuevamente.', 'info');
      return;
    }
    submit.textContent = `INGRESAR (${left} s)`;
    wait.textContent = `Podrás intentarlo nuevamente en ${left} ${left === 1 ? 'segundo' : 'segundos'}.`;
  };
  tick();
  lockTimer = setInterval(tick, 1000);
}

// --- 403 account_not_active: offer a new activation e-mail (on /reenviar: it needs a captcha) --

function offerResend(box, email) {
  const actions = document.createElement('p');
  actions.className = 'message__actions';
  const link = document.createElement('a');
  link.href = '/reenviar';
  link.textContent = 'Reenviar el correo para «Activar Cuenta»';
  link.addEventListener('click', () => rememberResendEmail(email));
  actions.append(link);
  box.append(actions);
}

// --- submit ------------------------------------------------------------------------------------

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  resetErrors(form, alertRegion);
  clearMessage(notice);

  const email = valueOf(form, 'email');
  const secret = rawValueOf(form, 'password');
  const problems = {};
  if (!email) problems.email = MSG_REQUIRED;
  else if (!looksLikeEmail(email)) problems.email = MSG_EMAIL;
  if (!secret) problems.password = MSG_REQUIRED;
  if (Object.keys(problems).length) {
    showFieldErrors(form, problems);
    focusFirstInvalid(form);
    return;
  }

  setBusy(submit, true, 'Ingresando…');
  const result = await post('/sessions', { email, password: secret });
  setBusy(submit, false);

  if (result.status === 200 && saveTokens(result.body)) {
    window.location.assign(destination);
    return;
  }
  if (result.ok) {
    showMessage(alertRegion, 'No pudimos iniciar tu sesión. Intenta nuevamente.');
    return;
  }

  const { code, message, fields } = result.error;
  if (result.status === 401) {
    showMessage(alertRegion, BAD_CREDENTIALS);
    password.value = '';
    password.focus();
  } else if (result.status === 403 && code === 'account_not_active') {
    offerResend(showMessage(alertRegion, message), email);
  } else if (result.status === 429) {
    showMessage(alertRegion, message);
    lockFor(retryAfterSeconds(result));
  } else if (result.status === 422) {
    const unplaced = showFieldErrors(form, fields);
    showMessage(alertRegion, message, 'error', unplaced);
    focusFirstInvalid(form);
  } else {
    showMessage(alertRegion, message);
  }
});

wirePasswordToggles(form);
