// /registro — "Datos del Registro" (docs/design.md §1, step 1.1): captcha, sign-up, success panel with resend.

import { post, isUnavailable } from './api.js';
import {
  MIN_PASSWORD,
  MSG_EMAIL,
  MSG_PASSWORD_MISMATCH,
  MSG_PASSWORD_SHORT,
  MSG_REQUIRED,
  clearMessage,
  focusFirstInvalid,
  looksLikeEmail,
  rawValueOf,
  resetErrors,
  setBusy,
  setFieldError,
  showFieldErrors,
  showMessage,
  showPanel,
  valueOf,
  wirePasswordToggles,
} from './forms.js';

const RESEND_MESSAGE = 'Si la cuenta existe y no está activa, te enviaremos un nuevo enlace.';
const RESEND_COOLDOWN_SECONDS = 30;

const form = document.getElementById('registro-form');
const alertRegion = document.getElementById('registro-alerta');
const submit = document.getElementById('registro-submit');
const view = document.getElementById('registro-vista');
const success = document.getElementById('registro-exito');

const captchaMedia = document.getElementById('captcha-media');
const captchaImage = document.getElementById('captcha-image');
const captchaStatus = document.getElementById('captcha-status');
const captchaAnswer = document.getElementById('captcha_answer');
const captchaAudioButton = document.getElementById('captcha-audio');
const captchaNewButton = document.getElementById('captcha-new');
const captchaNotice = document.getElementById('captcha-aviso');

const idType = document.getElementById('id_type');
const idNumber = document.getElementById('id_number');

// --- captcha -----------------------------------------------------------------------------------

const captcha = { id: '', audio: '', expiresAt: 0, timer: 0, loading: null };
let player = null;

function stopAudio() {
  if (player) {
    player.pause();
    player = null;
  }
}

/** Ask the API for a new captcha (single use; any failed attempt spends it server-side). */
function loadCaptcha({ announce = false } = {}) {
  if (captcha.loading) return captcha.loading;
  captcha.loading = fetchCaptcha(announce).finally(() => {
    captcha.loading = null;
  });
  return captcha.loading;
}

async function fetchCaptcha(announce) {
  stopAudio();
  clearTimeout(captcha.timer);
  captcha.id = '';
  captcha.audio = '';
  captchaAnswer.value = '';
  captchaMedia.setAttribute('aria-busy', 'true');
  captchaAudioButton.disabled = true;
  captchaNewButton.disabled = true;
  captchaStatus.textContent = 'Cargando código…';
  captchaStatus.hidden = false;

  const result = await post('/captchas', {});
  captchaMedia.setAttribute('aria-busy', 'false');
  captchaNewButton.disabled = false;

  const body = result.body || {};
  const usable = result.ok
    && typeof body.captcha_id === 'string'
    && typeof body.image === 'string' && body.image.startsWith('data:image/')
    && typeof body.audio === 'string' && body.audio.startsWith('data:audio/');
  if (!usable) {
    captchaImage.hidden = true;
    captchaImage.removeAttribute('src');
    captchaStatus.textContent = result.ok
      ? 'No pudimos cargar el código. Presiona «Otra imagen».'
      : `${result.error.message} Presiona «Otra imagen».`;
    captchaStatus.hidden = false;
    captchaNotice.textContent = captchaStatus.textContent;
    return false;
  }
  captcha.id = body.captcha_id;
  captcha.audio = body.audio;
  captchaImage.src = body.image;
  captchaImage.hidden = false;
  captchaStatus.hidden = true;
  captchaStatus.textContent = '';
  captchaAudioButton.disabled = false;
  if (announce) captchaNotice.textContent = 'Se cargó un nuevo código.';

  const ttl = Number(body.expires_in);
  if (Number.isFinite(ttl) && ttl > 0) {
    captcha.expiresAt = Date.now() + ttl * 1000;
    // When it expires, swap it for a fresh one so the user does not type a dead code.
    captcha.timer = setTimeout(() => {
      if (!submit.disabled) {
        loadCaptcha().then((ok) => {
          if (ok) setFieldError(form, 'captcha_answer', 'El código expiró. Te mostramos uno nuevo.');
        });
      }
    }, Math.max(1000, ttl * 1000 - 2000));
  } else {
    captcha.expiresAt = 0;
  }
  return true;
}

captchaNewButton.addEventListener('click', () => {
  loadCaptcha({ announce: true }).then(() => captchaAnswer.focus());
});

captchaAudioButton.addEventListener('click', () => {
  if (!captcha.audio) return;
  stopAudio();
  player = new Audio(captcha.audio);
  captchaNotice.textContent = 'Reproduciendo el código. Escribe los números que escuches.';
  player.play().catch(() => {
    captchaNotice.textContent = '';
    setFieldError(form, 'captcha_answer', 'No pudimos reproducir el audio. Presiona «Otra imagen» e intenta nuevamente.');
  });
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
  stopAudio();
  clearTimeout(captcha.timer);
  const result = await post('/registrations', data);
  setBusy(submit, false);

  if (result.ok) {
    registeredEmail = data.email;
    document.getElementById('exito-email').textContent = data.email;
    showPanel(success, [view]);
    return;
  }

  // Whatever went wrong, the captcha is spent: show a fresh one.
  const refreshed = loadCaptcha();
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

// --- success panel: resend the activation e-mail -----------------------------------------------

const resendButton = document.getElementById('reenviar');
const resendStatus = document.getElementById('reenvio-estado');

resendButton.addEventListener('click', async () => {
  if (!registeredEmail || resendButton.disabled) return;
  clearMessage(resendStatus);
  setBusy(resendButton, true, 'Enviando…');
  const result = await post('/activations/resend', { email: registeredEmail });
  setBusy(resendButton, false);
  if (result.ok) {
    showMessage(resendStatus, RESEND_MESSAGE, 'success');
    // A short pause between resends, so a double click does not send two e-mails.
    resendButton.disabled = true;
    setTimeout(() => { resendButton.disabled = false; }, RESEND_COOLDOWN_SECONDS * 1000);
  } else {
    showMessage(resendStatus, result.error.message, 'error');
  }
});

// --- start ---------------------------------------------------------------------------------------

wirePasswordToggles(form);
loadCaptcha();
