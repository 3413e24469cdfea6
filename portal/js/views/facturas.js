// #linea/<line_id>/facturas — «Ver Factura» (guide steps 3.1–3.2): the line's cut-off months,
// newest first (billing's GET /invoices?line=), each with its number, total, state and
// «Ver Factura», which opens the RIDE in the page (./ride.js); «Estado de cuenta» top right.

import { failureMessage } from '../app.js';
import { emptyState, errorState, h, hidden, loadingState } from '../dom.js';
import { invoiceState, money, period } from '../format.js';
import { lineHash } from '../router.js';
import { openRide } from './ride.js';

export const FIRST_INVOICE = 'Tu primera factura estará disponible después del corte.';
const WAITING_NOTE = {
  pending: 'Podrás verla cuando el SRI la autorice; suele tardar unos minutos.',
  rejected: 'Estamos revisando esta factura con el SRI. Podrás verla cuando esté autorizada.',
};

/** The month a person last opened, per line: «Estado de cuenta» starts there. */
export const chosenPeriod = new Map();

/** billing's invoices of the line, newest first ({ok, rows} or the failed result). */
export async function loadInvoices(app, line) {
  const result = await app.billing('GET', `/invoices?line=${encodeURIComponent(line.number)}`);
  if (!result.ok) return result;
  const rows = Array.isArray(result.body) ? [...result.body] : [];
  rows.sort((a, b) => String(b.period).localeCompare(String(a.period)));
  return { ok: true, rows };
}

function invoiceCard(app, line, invoice, viewer) {
  const label = period(invoice.period);
  const action = invoice.status === 'authorized'
    ? h('button', {
      type: 'button',
      class: 'btn btn--primary btn--small',
      onclick: (event) => {
        chosenPeriod.set(line.line_id, invoice.period);
        openRide(app, invoice, viewer, event.currentTarget);
      },
    }, 'Ver Factura', hidden(` de ${label}`))
    : h('p', { class: 'note' }, WAITING_NOTE[invoice.status] || WAITING_NOTE.pending);
  return h('li', { class: `invoice-card invoice-card--${invoice.status}` },
    h('h4', { class: 'invoice-card__period' }, label),
    h('dl', { class: 'invoice-card__facts' },
      h('dt', {}, 'Número'), h('dd', {}, invoice.number),
      h('dt', {}, 'Total'), h('dd', { class: 'money' }, money(invoice.total)),
      h('dt', {}, 'Estado'), h('dd', {}, invoiceState(invoice.status))),
    h('div', { class: 'invoice-card__action' }, action));
}

export async function renderInvoices(app, line, content, context) {
  const title = h('h3', { class: 'part__title' }, 'Ver Factura');
  const head = h('div', { class: 'part-head' }, title,
    h('a', { class: 'btn btn--secondary btn--small part-head__aside', href: lineHash(line.line_id, 'estado') }, 'Estado de cuenta'));
  const viewer = h('div', { class: 'ride-slot' });
  const list = h('div', {}, loadingState('Cargando tus facturas…'));
  content.replaceChildren(head,
    h('p', { class: 'note' }, 'Selecciona el mes del corte que deseas visualizar haciendo clic en «Ver Factura».'),
    viewer, list);
  const result = await loadInvoices(app, line);
  if (app.stale(context.token)) return null;
  if (!result.ok) {
    list.replaceChildren(errorState(failureMessage(result), () => renderInvoices(app, line, content, context)));
    return title;
  }
  if (!result.rows.length) {
    list.replaceChildren(emptyState(FIRST_INVOICE));
    return title;
  }
  list.replaceChildren(h('ul', { class: 'invoice-list', 'aria-label': 'Facturas por mes de corte' },
    result.rows.map((invoice) => invoiceCard(app, line, invoice, viewer))));
  return title;
}
