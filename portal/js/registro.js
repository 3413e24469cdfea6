// /registro — "Datos del Registro" (docs/design.md §1, step 1.1): captcha, sign-up, success panel with resend.

import { post, isUnavailable } from './api.js';
import { captchaWidget } from './captcha.js';
import { rememberResendEmail } from './reenviar-email.js';
import {
  MIN_PASSWORD,
  MSG_EMAIL,
  MSG_PASSWORD_MISMATCH,
  MSG_PASSWORD_SHORT,
  MSG_REQUIRED,
  focusFirstInvalid,
  looksLikeEmail,
  rawValueOf,
  resetErrors,
  setBusy,
  showFieldErrors,
  showMessage,
  showPanel,
  valueOf,
  wirePasswordToggles,
} from './forms.js';

const form = document.getElementById('registro-form');
const alertRegion = document.getElementById('registro-alerta');
const submit = document.getElementById('registro-submit');
const view = document.getElementById('registro-vista');
const success = document.getElementById('registro-exito');

const idType = document.getElementById('id_type');
const idNumber = document.getElementById('id_number');

// --- captcha (image now, Spanish audio on request: ./captcha.js) --------------------------------

const captcha = captchaWidget(document.getElementById('captcha'), {
  form,
  mayRefresh: () => !submit.disabled,
});

// --- identification ----------------------------------------------------------------------------

function syncIdType() {
  if (idType.value === 'cedula') {
    idNumber.setAttribute('inputmode', 'numeric');
    idNumber.maxLength = 10;
    idNumber.autocapitalize = 'off';
  } else {
    idNumber.setAttribute('inputmode', 'text');
    idNumber.maxLength = 20;
    idNumber.autocapitalize = 'characters';
  }
}
idType.addEventListener('change', syncIdType);
syncIdType();

// --- submit ------------------------------------------------------------------------------------

/** Courtesy checks only; the server decides. Returns true when something is missing. */
function clientProblems() {
  const problems = {};
  const email = valueOf(form, 'email');
  if (!email) problems.email = MSG_REQUIRED;
  else if (!looksLikeEmail(email)) problems.email = MSG_EMAIL;
  if (!valueOf(form, 'given_names')) problems.given_names = MSG_REQUIRED;
  if (!valueOf(form, 'surnames')) problems.surnames = MSG_REQUIRED;
  const password = rawValueOf(form, 'password');
  const confirmation = rawValueOf(form, 'password_confirmation');
  if (!password) problems.password = MSG_REQUIRED;
  else if (password.length < MIN_PASSWORD) problems.password = MSG_PASSWORD_SHORT;
  if (!confirmation) problems.password_confirmation = MSG_REQUIRED;
  else if (password && confirmation !== password) problems.password_confirmation = MSG_PASSWORD_MISMATCH;
  if (!valueOf(form, 'id_number')) problems.id_number = MSG_REQUIRED;
  if (!captcha.id) problems.captcha_answer = 'No pudimos cargar el código. Presiona «Otra imagen».';
  else if (!valueOf(form, 'captcha_answer')) problems.captcha_answer = 'Escribe el código de la imagen.';
  if (!form.elements.namedItem('accept_terms').checked) {
    problems.accept_terms = 'Debes aceptar los Términos y Condiciones del Servicio.';
  }
  return problems;
}

function payload() {
  return {
    email: valueOf(form, 'email'),
    password: rawValueOf(form, 'password'),
    password_confirmation: rawValueOf(form, 'password_confirmation'),
    given_names: valueOf(form, 'given_names'),
    surnames: valueOf(form, 'surnames'),
    id_type: idType.value === 'passport' ? 'passport' : 'cedula',
    id_number: valueOf(form, 'id_number'),
    captcha_id: captcha.id,
    captcha_answer: valueOf(form, 'captcha_answer'),
    accept_terms: form.elements.namedItem('accept_terms').checked,
  };
}

let registeredEmail = '';

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  resetErrors(form, alertRegion);

  const problems = clientProblems();
  if (Object.keys(problems).length) {
    showFieldErrors(form, problems);
    showMessage(alertRegion, 'Revisa los datos ingresados.');
    focusFirstInvalid(form);
    return;
  }

  const data = payload();
  setBusy(submit, true, 'Enviando…');
  captcha.hold();
  const result = await post('/registrations', data);
  setBusy(submit, false);

  if (result.ok) {
    registeredEmail = data.email;
    document.getElementById('exito-email').textContent = data.email;
    showPanel(success, [view]);
    return;
  }

  // Whatever went wrong, the captcha is spent: show a fresh one.
  const refreshed = captcha.load();
  const fields = result.error.fields || {};
  const unplaced = showFieldErrors(form, fields);
  if (isUnavailable(result)) {
    showMessage(alertRegion, result.error.message);
  } else {
    showMessage(alertRegion, result.error.message, 'error', unplaced);
  }
  await refreshed;
  if (!focusFirstInvalid(form) && alertRegion.scrollIntoView) alertRegion.scrollIntoView({ block: 'center' });
});

// --- success panel: resend the activation e-mail (its own page: it needs a captcha) ------------

document.getElementById('reenviar').addEventListener('click', () => {
  rememberResendEmail(registeredEmail);
});

// --- start ---------------------------------------------------------------------------------------

wirePasswordToggles(form);
captcha.load();
