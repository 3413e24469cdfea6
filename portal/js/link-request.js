// Pages that ask for a link by e-mail (/olvide: password reset, /reenviar: activation): an
// e-mail and a captcha. The answer never reveals whether the e-mail has an account.

import { post, isUnavailable } from './api.js';
import { captchaWidget } from './captcha.js';
import {
  MSG_EMAIL,
  MSG_REQUIRED,
  focusFirstInvalid,
  looksLikeEmail,
  resetErrors,
  setBusy,
  showFieldErrors,
  showMessage,
  showPanel,
  valueOf,
} from './forms.js';

/**
 * @param {string} prefix  the page's id prefix: <prefix>-form, -submit, -alerta, -vista, -exito
 * @param {string} path    the API path to POST {email, captcha_id, captcha_answer} to
 * @param {string} [email] an e-mail to prefill
 */
export function wireLinkRequest(prefix, path, email = '') {
  const form = document.getElementById(`${prefix}-form`);
  const submit = document.getElementById(`${prefix}-submit`);
  const alertRegion = document.getElementById(`${prefix}-alerta`);
  const view = document.getElementById(`${prefix}-vista`);
  const done = document.getElementById(`${prefix}-exito`);
  const captcha = captchaWidget(document.getElementById('captcha'), {
    form,
    mayRefresh: () => !submit.disabled,
  });
  if (email) form.elements.namedItem('email').value = email;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    resetErrors(form, alertRegion);
    const address = valueOf(form, 'email');
    const problems = {};
    if (!address) problems.email = MSG_REQUIRED;
    else if (!looksLikeEmail(address)) problems.email = MSG_EMAIL;
    if (!captcha.id) problems.captcha_answer = 'No pudimos cargar el código. Presiona «Otra imagen».';
    else if (!valueOf(form, 'captcha_answer')) problems.captcha_answer = 'Escribe el código de la imagen.';
    if (Object.keys(problems).length) {
      showFieldErrors(form, problems);
      focusFirstInvalid(form);
      return;
    }
    setBusy(submit, true, 'Enviando…');
    captcha.hold();
    const result = await post(path, {
      email: address,
      captcha_id: captcha.id,
      captcha_answer: valueOf(form, 'captcha_answer'),
    });
    setBusy(submit, false);

    if (result.ok) {
      showPanel(done, [view]);
      return;
    }
    // Whatever went wrong, the captcha is spent: show a fresh one.
    const refreshed = captcha.load();
    if (result.status === 422) {
      const unplaced = showFieldErrors(form, result.error.fields);
      showMessage(alertRegion, result.error.message, 'error', unplaced);
      await refreshed;
      focusFirstInvalid(form);
    } else if (isUnavailable(result) || result.status === 429) {
      showMessage(alertRegion, result.error.message);
    } else {
      // Any other answer: the same neutral confirmation (no account enumeration).
      showPanel(done, [view]);
    }
  });

  captcha.load();
}
