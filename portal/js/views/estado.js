// #linea/<line_id>/estado-de-cuenta — «Estado de cuenta» (guide step 3.3): billing's statement
// of the line's account for a cut-off month (GET /statement?line=&period=): saldo anterior,
// pagos, consumos del mes, ajustes, retenciones (if any), saldo a pagar, fecha máxima de pago,
// and the movements.

import { failureMessage } from '../app.js';
import { emptyState, errorState, h, loadingState } from '../dom.js';
import { longDate, money, period } from '../format.js';
import { lineHash } from '../router.js';
import { FIRST_INVOICE, chosenPeriod, loadInvoices } from './facturas.js';

function figures(statement) {
  // Comprobantes de retención the company sent (billing's `withholdings`): shown when there are any.
  const withheld = Number(statement.withholdings || 0) !== 0
    ? [['Retenciones', money(statement.withholdings)]] : [];
  const rows = [
    ['Saldo anterior', money(statement.previous_balance)],
    ['Pagos', money(statement.payments)],
    ['Consumos del mes', money(statement.charges)],
    ['Ajustes', money(statement.adjustments)],
    ...withheld,
    ['Saldo a pagar', money(statement.balance_due)],
    ['Fecha máxima de pago', longDate(statement.due_date)],
  ];
  return h('table', { class: 'statement' },
    h('caption', { class: 'visually-hidden' }, `Resumen de ${period(statement.period)}`),
    h('tbody', {}, rows.map(([term, value]) =>
      h('tr', { class: term === 'Saldo a pagar' ? 'statement__total' : null },
        h('th', { scope: 'row' }, term), h('td', {}, value)))));
}

function movements(statement) {
  const rows = Array.isArray(statement.movements) ? statement.movements : [];
  if (!rows.length) return h('p', { class: 'note' }, 'No hubo movimientos en este periodo.');
  return h('div', { class: 'table-scroll' }, h('table', { class: 'movements' },
    h('caption', {}, `Movimientos de ${period(statement.period)}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Fecha'), h('th', { scope: 'col' }, 'Detalle'), h('th', { scope: 'col', class: 'money' }, 'Valor'))),
    h('tbody', {}, rows.map((m) => h('tr', {},
      h('td', {}, longDate(m.date)), h('td', {}, m.description), h('td', { class: 'money' }, money(m.amount)))))));
}

async function showPeriod(app, line, value, box, status, context) {
  box.setAttribute('aria-busy', 'true');
  box.replaceChildren(loadingState('Cargando tu estado de cuenta…'));
  const query = `line=${encodeURIComponent(line.number)}&period=${encodeURIComponent(value)}`;
  const result = await app.billing('GET', `/statement?${query}`);
  if (app.stale(context.token)) return;
  box.removeAttribute('aria-busy');
  if (!result.ok || !result.body) {
    box.replaceChildren(errorState(failureMessage(result), () => showPeriod(app, line, value, box, status, context)));
    return;
  }
  chosenPeriod.set(line.line_id, value);
  status.textContent = `Estado de cuenta de ${period(value)}.`;
  box.replaceChildren(figures(result.body), movements(result.body),
    h('p', { class: 'note' }, 'El estado de cuenta es informativo y no reemplaza a tu factura electrónica autorizada por el SRI.'));
}

function periodPicker(periods, selected, onChange) {
  const select = h('select', { id: 'estado-periodo', name: 'periodo' },
    periods.map((p) => h('option', { value: p, selected: p === selected }, period(p))));
  select.addEventListener('change', () => onChange(select.value));
  return h('div', { class: 'field period-field' }, h('label', { for: 'estado-periodo' }, 'Mes de corte'), select);
}

export async function renderStatement(app, line, content, context) {
  const title = h('h3', { class: 'part__title' }, 'Estado de cuenta');
  const head = h('div', { class: 'part-head' }, title,
    h('a', { class: 'btn btn--secondary btn--small part-head__aside', href: lineHash(line.line_id, 'facturas') }, 'Volver a las facturas'));
  const body = h('div', {}, loadingState('Cargando tu estado de cuenta…'));
  content.replaceChildren(head, body);
  const invoices = await loadInvoices(app, line);
  if (app.stale(context.token)) return null;
  if (!invoices.ok) {
    body.replaceChildren(errorState(failureMessage(invoices), () => renderStatement(app, line, content, context)));
    return title;
  }
  const periods = [...new Set(invoices.rows.map((row) => row.period))];
  if (!periods.length) {
    body.replaceChildren(emptyState(FIRST_INVOICE));
    return title;
  }
  const remembered = chosenPeriod.get(line.line_id);
  const selected = periods.includes(remembered) ? remembered : periods[0];
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const box = h('div', { class: 'statement-box' });
  body.replaceChildren(periodPicker(periods, selected, (value) => showPeriod(app, line, value, box, status, context)), status, box);
  await showPeriod(app, line, selected, box, status, context);
  return title;
}
