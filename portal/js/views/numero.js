// #agregar/<tipo> and #verificar/<line_id> — add a service (guide steps 2.1–2.2): the number,
// «GENERAR» (lines sends an SMS code to the masked `sent_to`), the «CÓDIGO» box, «Aceptar»;
// «Reenviar código» after the countdown the API sets (resend_after, Retry-After); a wrong code
// shows the attempts left under CÓDIGO.

import { FALLBACK_TYPES, failureMessage } from '../app.js';
import { retryAfterSeconds } from '../api.js';
import { codeWait, isWaiting, startCountdown, stopCountdown } from '../countdown.js';
import { h } from '../dom.js';
import {
  focusFirstInvalid,
  resetErrors,
  setBusy,
  setFieldError,
  showFieldErrors,
  showMessage,
  valueOf,
} from '../forms.js';
import { phone } from '../format.js';
import { lineHash } from '../router.js';

const generarForm = document.getElementById('generar-form');
const codeForm = document.getElementById('codigo-form');
const alertRegion = document.getElementById('numero-alerta');
const title = document.getElementById('numero-titulo');
const guide = document.getElementById('numero-guia');
const numberLabel = document.getElementById('number-label');
const numberHint = document.getElementById('number-hint');
const numberInput = document.getElementById('number');
const generar = document.getElementById('generar');
const generarWait = document.getElementById('generar-espera');
const codeStep = document.getElementById('codigo-paso');
const sentText = document.getElementById('codigo-enviado');
const codeInput = document.getElementById('code');
const aceptar = document.getElementById('aceptar');
const resend = document.getElementById('reenviar-codigo');
const resendWait = document.getElementById('reenviar-espera');
const resendNotice = document.getElementById('reenviar-aviso');

// What this screen works on: the service type and, after GENERAR, the pending line.
let current = { app: null, serviceType: '', typeName: '', lineId: '', number: '' };

function reset() {
  resetErrors(generarForm, alertRegion);
  resetErrors(codeForm);
  stopCountdown(generar, generarWait);
  stopCountdown(resend, resendWait);
  generarForm.reset();
  codeForm.reset();
  codeStep.hidden = true;
  sentText.textContent = '';
  resendNotice.textContent = '';
}

function describeType(type) {
  const mobile = type.code === 'movil';
  title.textContent = `Agregar servicio ${type.name}`;
  guide.textContent = mobile
    ? 'Para agregar una línea ingresa tu número de teléfono y presiona el botón «GENERAR».'
    : `Para agregar tu servicio ${type.name} ingresa su número y presiona el botón «GENERAR».`;
  numberLabel.textContent = mobile ? 'Número de teléfono' : 'Número del servicio';
  numberHint.textContent = mobile
    ? 'Ejemplo: 099 123 4567. Te enviaremos un código de verificación por SMS a esta línea.'
    : 'Ejemplo: (02) 234-5678. Te enviaremos un código de verificación por SMS al celular de contacto de tu contrato.';
}

const readyNotice = () => {
  resendNotice.textContent = 'Ya puedes pedir un nuevo código.';
};

/** After GENERAR (or for a line still pending): where the code went, the CÓDIGO box. */
function showCodeStep(sentTo, resendAfter) {
  codeStep.hidden = false;
  sentText.textContent = sentTo
    ? `Te enviamos un código de verificación por SMS al ${sentTo}. Ingrésalo en el cuadro «CÓDIGO».`
    : 'Ingresa el código de verificación que te enviamos por SMS. Si no lo recibiste o ya venció, presiona «Reenviar código».';
  resetErrors(codeForm);
  codeForm.reset();
  startCountdown(resend, resendWait, resendAfter, { wait: codeWait, onReady: readyNotice });
}

function verified(app, number) {
  app.flash(`Agregaste la línea ${phone(number)}. Presiona «Consultar» para ver sus servicios y facturas.`);
  window.location.hash = '#servicios';
}

// --- GENERAR ---------------------------------------------------------------------------------------

function generarFailed(result) {
  const unplaced = showFieldErrors(generarForm, result.error.fields);
  if (result.status === 429) {
    showMessage(alertRegion, result.error.message);
    startCountdown(generar, generarWait, retryAfterSeconds(result));
  } else if (unplaced.length || !Object.keys(result.error.fields || {}).length) {
    showMessage(alertRegion, failureMessage(result), 'error', unplaced);
  }
  if (!focusFirstInvalid(generarForm)) generar.focus();
}

generarForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { app } = current;
  if (!app || isWaiting(generar) || generar.disabled) return;
  resetErrors(generarForm, alertRegion);
  const number = valueOf(generarForm, 'number');
  if (!number) {
    setFieldError(generarForm, 'number', 'Ingresa el número de tu servicio.');
    numberInput.focus();
    return;
  }
  setBusy(generar, true, 'Enviando código…');
  const result = await app.lines('POST', '/lines', { json: { service_type: current.serviceType, number } });
  setBusy(generar, false);
  if (result.status !== 201 || !result.body) {
    generarFailed(result);
    return;
  }
  current = { ...current, lineId: result.body.line_id, number: result.body.number };
  showCodeStep(result.body.sent_to, result.body.resend_after);
  codeInput.focus();
});

// --- Aceptar ---------------------------------------------------------------------------------------

codeForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { app, lineId, number } = current;
  if (!app || !lineId || aceptar.disabled) return;
  resetErrors(codeForm, alertRegion);
  const code = valueOf(codeForm, 'code').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    setFieldError(codeForm, 'code', 'El código tiene 6 dígitos.');
    codeInput.focus();
    return;
  }
  setBusy(aceptar, true, 'Verificando…');
  const result = await app.lines('POST', `/lines/${encodeURIComponent(lineId)}/verification`, { json: { code } });
  setBusy(aceptar, false);
  if (result.ok || (result.status === 409 && result.error.code === 'already_verified')) {
    verified(app, number);
    return;
  }
  if (result.status === 422 || result.status === 410) {
    // "Código incorrecto. Te quedan N intentos.", "El código expiró. Solicita uno nuevo.", …
    const fields = result.error.fields || {};
    setFieldError(codeForm, 'code', fields.code || result.error.message);
    codeInput.select();
    codeInput.focus();
    return;
  }
  showMessage(alertRegion, failureMessage(result));
  aceptar.focus();
});

// --- Reenviar código ---------------------------------------------------------------------------

resend.addEventListener('click', async () => {
  const { app, lineId, number } = current;
  if (!app || !lineId || isWaiting(resend)) return;
  resetErrors(codeForm, alertRegion);
  resendNotice.textContent = '';
  resend.setAttribute('aria-disabled', 'true');
  const result = await app.lines('POST', `/lines/${encodeURIComponent(lineId)}/verification/resend`);
  resend.removeAttribute('aria-disabled');
  if (result.status === 202 && result.body) {
    sentText.textContent = `Te enviamos un nuevo código de verificación por SMS al ${result.body.sent_to}. El código anterior ya no es válido.`;
    startCountdown(resend, resendWait, result.body.resend_after, { wait: codeWait, onReady: readyNotice });
    codeInput.focus();
  } else if (result.status === 409 && result.error.code === 'already_verified') {
    verified(app, number);
  } else if (result.status === 429) {
    showMessage(alertRegion, result.error.message);
    startCountdown(resend, resendWait, retryAfterSeconds(result), { wait: codeWait, onReady: readyNotice });
  } else {
    showMessage(alertRegion, failureMessage(result));
  }
});

// --- the screen ----------------------------------------------------------------------------------

async function resumePending(app, route, context) {
  const result = await app.lines('GET', `/lines/${encodeURIComponent(route.lineId)}`);
  if (app.stale(context.token)) return null;
  if (!result.ok || !result.body) {
    showMessage(alertRegion, failureMessage(result)).append(
      h('p', { class: 'message__actions' }, h('a', { href: '#servicios' }, 'Volver a Mis servicios')));
    title.textContent = 'Agregar servicio';
    generarForm.hidden = true;
    return alertRegion;
  }
  if (result.body.status === 'verified') {
    window.location.replace(lineHash(route.lineId));
    return null;
  }
  const type = { code: result.body.service_type, name: await app.typeName(result.body.service_type) };
  describeType(type);
  app.title(`Agregar servicio ${type.name}`);
  current = { app, serviceType: type.code, typeName: type.name, lineId: result.body.line_id, number: result.body.number };
  numberInput.value = phone(result.body.number).replace(/\u00a0/g, ' '); // typed spaces in a field
  showCodeStep('', 0);
  return title;
}

export async function renderAddLine(app, route, context) {
  reset();
  generarForm.hidden = false;
  current = { app, serviceType: '', typeName: '', lineId: '', number: '' };
  if (route.lineId) return resumePending(app, route, context);
  const types = (await app.serviceTypes()) || FALLBACK_TYPES;
  if (app.stale(context.token)) return null;
  const type = types.find((t) => t.code === route.serviceType);
  if (!type) {
    window.location.replace('#agregar');
    return null;
  }
  describeType(type);
  app.title(`Agregar servicio ${type.name}`);
  current = { ...current, serviceType: type.code, typeName: type.name };
  return title;
}
