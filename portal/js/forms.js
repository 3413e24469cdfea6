// Form helpers: field errors from the API's `fields`, alert/status regions, busy buttons.
// Text only ever goes in through textContent.
//
// Markup conventions (see the pages):
//   <input id="email" name="email" aria-describedby="email-error"> <p class="field-error" id="email-error"></p>
//   <div class="alert-region" role="alert"></div>      (always in the DOM, so it is announced)
//   <div class="status-region" role="status"></div>    (polite announcements)

/** The error element of a field: #<name>-error inside (or near) the form. */
function errorElement(form, name) {
  const id = `${name}-error`;
  return form.querySelector(`[id="${CSS.escape(id)}"]`) || document.getElementById(id);
}

function controlsOf(form, name) {
  return Array.from(form.querySelectorAll(`[name="${CSS.escape(name)}"]`));
}

/** Show one message under a field. Returns false when the field has no error element. */
export function setFieldError(form, name, message) {
  const el = errorElement(form, name);
  if (!el) return false;
  el.textContent = message;
  for (const control of controlsOf(form, name)) control.setAttribute('aria-invalid', 'true');
  return true;
}

export function clearFieldError(form, name) {
  const el = errorElement(form, name);
  if (el) el.textContent = '';
  for (const control of controlsOf(form, name)) control.removeAttribute('aria-invalid');
}

/**
 * Render `fields` ({name: message}) under their inputs.
 * Returns the messages whose field is not on this form, so the caller can show them on top.
 */
export function showFieldErrors(form, fields) {
  const unplaced = [];
  for (const [name, message] of Object.entries(fields || {})) {
    if (!setFieldError(form, name, message)) unplaced.push(message);
  }
  return unplaced;
}

/** Remove every field error of the form. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/** Move focus to the first field marked invalid (in document order). */
export function focusFirstInvalid(form) {
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
  return Boolean(first);
}

/**
 * Put a message in a live region. `kind`: "error" | "info" | "success".
 * `details`: extra lines (e.g. unplaced field messages). Returns the message box, so the
 * caller may append a button or link to it.
 */
export function showMessage(region, message, kind = 'error', details = []) {
  region.replaceChildren();
  const box = document.createElement('div');
  box.className = `message message--${kind}`;
  const text = document.createElement('p');
  text.className = 'message__text';
  text.textContent = message;
  box.append(text);
  const extra = details.filter((d) => d && d !== message);
  if (extra.length) {
    const list = document.createElement('ul');
    list.className = 'message__list';
    for (const line of extra) {
      const item = document.createElement('li');
      item.textContent = line;
      list.append(item);
    }
    box.append(list);
  }
  region.append(box);
  return box;
}

export function clearMessage(region) {
  region.replaceChildren();
}

/** Clear all errors and the form's alert region. */
export function resetErrors(form, region) {
  clearFieldErrors(form);
  if (region) clearMessage(region);
}

/** Disable a button while a request runs, with an optional "working" label. */
export function setBusy(button, busy, busyLabel = 'Procesando…') {
  if (busy) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = busyLabel;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    delete button.dataset.label;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Trimmed text value of a named control. */
export function valueOf(form, name) {
  const control = form.elements.namedItem(name);
  return control && typeof control.value === 'string' ? control.value.trim() : '';
}

/** Raw (untrimmed) value, for passwords. */
export function rawValueOf(form, name) {
  const control = form.elements.namedItem(name);
  return control && typeof control.value === 'string' ? control.value : '';
}

/** Courtesy e-mail check; the server is the authority. */
export function looksLikeEmail(value) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

export const MSG_REQUIRED = 'Este campo es obligatorio.';
export const MSG_EMAIL = 'Ingresa un correo electrónico válido, por ejemplo ejemplo@correo.com.';
export const MIN_PASSWORD = 10;
export const MSG_PASSWORD_SHORT = `La contraseña debe tener al menos ${MIN_PASSWORD} caracteres.`;
export const MSG_PASSWORD_MISMATCH = 'Las contraseñas no coinciden.';

/** Show/hide password buttons: <button type="button" data-toggle-password="password">Mostrar</button>. */
export function wirePasswordToggles(root = document) {
  for (const button of root.querySelectorAll('[data-toggle-password]')) {
    const input = document.getElementById(button.dataset.togglePassword);
    if (!input) continue;
    // The visible label says what the button will do; the accessible name adds "contraseña".
    const sync = () => {
      const hidden = input.type === 'password';
      button.textContent = hidden ? 'Mostrar' : 'Ocultar';
      button.setAttribute('aria-label', hidden ? 'Mostrar contraseña' : 'Ocultar contraseña');
    };
    sync();
    button.addEventListener('click', () => {
      input.type = input.type === 'password' ? 'text' : 'password';
      sync();
    });
  }
}

/** Show one panel among several (by `hidden`), and move focus to it for screen readers. */
export function showPanel(panel, others = []) {
  for (const other of others) if (other && other !== panel) other.hidden = true;
  panel.hidden = false;
  const target = panel.querySelector('[data-focus]') || panel;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}
