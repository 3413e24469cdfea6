// /olvide — ask for a password-reset link. The answer never reveals whether the e-mail exists.

import { post, isUnavailable } from './api.js';
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

const form = document.getElementById('olvide-form');
const submit = document.getElementById('olvide-submit');
const alertRegion = document.getElementById('olvide-alerta');
const view = document.getElementById('olvide-vista');
const done = document.getElementById('olvide-exito');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  resetErrors(form, alertRegion);
  const email = valueOf(form, 'email');
  const problem = !email ? MSG_REQUIRED : !looksLikeEmail(email) ? MSG_EMAIL : '';
  if (problem) {
    showFieldErrors(form, { email: problem });
    focusFirstInvalid(form);
    return;
  }
  setBusy(submit, true, 'Enviando…');
  const result = await post('/password-resets', { email });
  setBusy(submit, false);

  if (result.ok) {
    showPanel(done, [view]);
  } else if (result.status === 422) {
    const unplaced = showFieldErrors(form, result.error.fields);
    showMessage(alertRegion, result.error.message, 'error', unplaced);
    focusFirstInvalid(form);
  } else if (isUnavailable(result) || result.status === 429) {
    showMessage(alertRegion, result.error.message);
  } else {
    // Any other answer: same neutral confirmation (no account enumeration).
    showPanel(done, [view]);
  }
});
