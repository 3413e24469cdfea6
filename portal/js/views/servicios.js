// #servicios — "Mis servicios" (guide step 2.3): the registered lines, each with «Consultar»
// (or «Ingresar código» while pending) and «Eliminar» behind a confirmation.

import { failureMessage } from '../app.js';
import { emptyState, errorState, focusOn, h, hidden, loadingState } from '../dom.js';
import { lineState, phone } from '../format.js';
import { lineHash } from '../router.js';
import { confirmRemoval } from './confirm.js';

const NO_LINES = 'Aún no tienes servicios registrados. Presiona «Agregar servicio» para registrar tu primera línea con un código por SMS.';

async function remove(app, line, slot, context) {
  const number = phone(line.number);
  const ok = await confirmRemoval(
    `Dejarás de ver las facturas y el estado de cuenta de ${number} en tu cuenta. Podrás agregarla nuevamente con un código por SMS.`,
  );
  if (!ok) return;
  const result = await app.lines('DELETE', `/lines/${encodeURIComponent(line.line_id)}`);
  if (result.ok || result.status === 404) {
    app.flash(`Eliminaste la línea ${number} de tu cuenta.`);
  } else {
    app.flash(`No pudimos eliminar la línea ${number}. ${failureMessage(result)}`, 'error');
  }
  // Render again (and announce the notice): the list is what the API says now.
  app.showFlash();
  await renderServices(app, null, context);
  focusOn(document.getElementById('servicios-titulo'));
}

function lineItem(app, line, typeName, slot, context) {
  const number = phone(line.number);
  const verified = line.status === 'verified';
  const open = verified
    ? h('a', { class: 'btn btn--primary btn--small', href: lineHash(line.line_id) }, 'Consultar', hidden(` ${number}`))
    : h('a', { class: 'btn btn--primary btn--small', href: `#verificar/${encodeURIComponent(line.line_id)}` },
      'Ingresar código', hidden(` de ${number}`));
  const removeButton = h('button', {
    type: 'button',
    class: 'btn btn--secondary btn--small',
    onclick: () => remove(app, line, slot, context),
  }, 'Eliminar', hidden(` ${number}`));
  return h('li', { class: 'line-card' },
    h('h3', { class: 'line-card__title' }, h('span', { class: 'line-card__type' }, typeName), ' ', number),
    h('p', { class: `line-card__state line-card__state--${verified ? 'ok' : 'pending'}` }, lineState(line.status)),
    h('p', { class: 'line-card__actions' }, open, removeButton));
}

export async function renderServices(app, route, context) {
  const { token } = context;
  app.title('Mis servicios');
  const slot = document.getElementById('servicios-contenido');
  slot.replaceChildren(loadingState('Cargando tus servicios…'));
  const result = await app.lines('GET', '/lines');
  if (app.stale(token)) return null;
  if (!result.ok) {
    slot.replaceChildren(errorState(failureMessage(result), () => renderServices(app, route, context)));
    return null;
  }
  const lines = Array.isArray(result.body) ? result.body : [];
  if (!lines.length) {
    slot.replaceChildren(emptyState(NO_LINES));
    return null;
  }
  const names = await Promise.all(lines.map((line) => app.typeName(line.service_type)));
  if (app.stale(token)) return null;
  slot.replaceChildren(h('ul', { class: 'line-list', 'aria-labelledby': 'servicios-titulo' },
    lines.map((line, i) => lineItem(app, line, names[i], slot, context))));
  return null;
}
