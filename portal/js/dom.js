// Building the account area's dynamic parts: elements (text only through textContent), and the
// loading, empty and error states every screen shares.

/**
 * h('a', {href: '#x', class: 'btn'}, 'text', child…): an element. Attributes are set as such
 * (`class`, `aria-*`, `data-*`…); `hidden`/`disabled` as booleans; `on*` functions as listeners.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Visually hidden words that complete an accessible name ("Consultar" + " 099 123 4567"). */
export const hidden = (text) => h('span', { class: 'visually-hidden' }, text);

/** A busy state while a screen loads (announced politely). */
export function loadingState(message = 'Cargando…') {
  return h('div', { class: 'state', role: 'status' },
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    h('p', { class: 'state__text' }, message));
}

/** An empty state: a sentence and, optionally, what to do next (a link or button). */
export function emptyState(message, ...actions) {
  return h('div', { class: 'state state--empty' },
    h('p', { class: 'state__text' }, message),
    actions.length ? h('p', { class: 'state__actions' }, ...actions) : null);
}

/**
 * The service could not answer (5xx, network) or answered with an error: its Spanish message
 * and "Reintentar". Announced as an alert.
 */
export function errorState(message, onRetry) {
  const retry = onRetry
    ? h('button', { type: 'button', class: 'btn btn--secondary', onclick: onRetry }, 'Reintentar')
    : null;
  return h('div', { class: 'state state--error', role: 'alert' },
    h('p', { class: 'state__text' }, message),
    retry ? h('p', { class: 'state__actions' }, retry) : null);
}

/** Move focus to a heading (or any element) for screen readers without a visible ring. */
export function focusOn(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}
