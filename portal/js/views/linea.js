// #linea/<line_id>[/facturas|/estado-de-cuenta] — one line: "Consultar" (guide step 2.3: plan,
// state, latest invoice), and its menu «Facturación» → «Ver Factura» / «Estado de cuenta»
// (steps 3.1–3.3, in ./facturas.js and ./estado.js).

import { failureMessage } from '../app.js';
import { emptyState, errorState, h, loadingState } from '../dom.js';
import { lineState, longDate, money, period, phone, subscriptionState } from '../format.js';
import { lineHash } from '../router.js';
import { renderStatement } from './estado.js';
import { FIRST_INVOICE, renderInvoices } from './facturas.js';

const heading = document.getElementById('linea-titulo');
const content = document.getElementById('linea-contenido');
const summaryLink = document.getElementById('linea-resumen');
const billingButton = document.getElementById('facturacion-boton');
const billingMenu = document.getElementById('facturacion-menu');
const invoicesLink = document.getElementById('menu-ver-factura');
const statementLink = document.getElementById('menu-estado-cuenta');

// --- «Facturación»: a disclosure menu (button + list of links) --------------------------------

function closeSubmenu({ restoreFocus = false } = {}) {
  if (billingMenu.hidden) return;
  billingMenu.hidden = true;
  billingButton.setAttribute('aria-expanded', 'false');
  if (restoreFocus) billingButton.focus();
}

billingButton.addEventListener('click', () => {
  const open = billingMenu.hidden;
  billingMenu.hidden = !open;
  billingButton.setAttribute('aria-expanded', String(open));
  if (open) billingMenu.querySelector('a').focus();
});
billingMenu.addEventListener('click', (event) => {
  if (event.target.closest('a')) closeSubmenu();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !billingMenu.hidden) closeSubmenu({ restoreFocus: true });
});
document.addEventListener('click', (event) => {
  if (!event.target.closest('#facturacion-boton, #facturacion-menu')) closeSubmenu();
});
billingMenu.addEventListener('focusout', (event) => {
  const next = event.relatedTarget;
  if (next && !billingMenu.contains(next) && next !== billingButton) closeSubmenu();
});

function pointMenu(lineId, part) {
  summaryLink.href = lineHash(lineId);
  invoicesLink.href = lineHash(lineId, 'facturas');
  statementLink.href = lineHash(lineId, 'estado');
  const current = { resumen: summaryLink, facturas: invoicesLink, estado: statementLink }[part];
  for (const link of [summaryLink, invoicesLink, statementLink]) {
    if (link === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  billingButton.classList.toggle('line-menu__link--current', part !== 'resumen');
}

// --- Consultar -----------------------------------------------------------------------------------

function details(rows) {
  return h('dl', { class: 'details' }, rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function renderSummary(line, typeName) {
  const latest = line.latest_invoice;
  const invoice = latest
    ? [
      details([
        ['Mes de corte', period(latest.period)],
        ['Número de factura', latest.number],
        ['Fecha de emisión', longDate(latest.issue_date)],
        ['Total de la factura', money(latest.total)],
        ['Saldo a pagar', money(latest.balance_due)],
      ]),
      h('p', {}, h('a', { href: lineHash(line.line_id, 'facturas') }, 'Ver todas las facturas')),
    ]
    : [emptyState(FIRST_INVOICE)];
  const title = h('h3', { class: 'part__title' }, 'Resumen de la línea');
  content.replaceChildren(
    title,
    details([
      ['Tipo de servicio', typeName],
      ['Número', phone(line.number)],
      ['Estado de la línea', lineState(line.status)],
      ['Plan', line.plan_name || 'Sin información'],
      ['Suscripción', subscriptionState(line.subscription_status)],
    ]),
    h('h3', { class: 'part__title' }, 'Última factura'),
    ...invoice,
  );
  return heading;
}

// --- the screen ----------------------------------------------------------------------------------

function failed(app, route, context, result) {
  heading.textContent = 'Línea';
  const back = h('a', { href: '#servicios' }, 'Volver a Mis servicios');
  content.replaceChildren(result.status === 404
    ? emptyState(failureMessage(result), back)
    : errorState(failureMessage(result), () => renderLine(app, route, context)));
  return heading;
}

function notVerified(line) {
  const link = h('a', { href: `#verificar/${encodeURIComponent(line.line_id)}` }, 'Ingresar código');
  content.replaceChildren(emptyState(
    'Esta línea aún no está verificada: ingresa el código que te enviamos por SMS para ver sus servicios y facturas.',
    link,
  ));
  return heading;
}

export async function renderLine(app, route, context) {
  closeSubmenu();
  pointMenu(route.lineId, route.part);
  app.title(route.part === 'facturas' ? 'Ver Factura' : route.part === 'estado' ? 'Estado de cuenta' : 'Consultar línea');
  content.replaceChildren(loadingState('Cargando tu línea…'));
  const result = await app.lines('GET', `/lines/${encodeURIComponent(route.lineId)}`);
  if (app.stale(context.token)) return null;
  if (!result.ok || !result.body) return failed(app, route, context, result);
  const line = result.body;
  const typeName = await app.typeName(line.service_type);
  if (app.stale(context.token)) return null;
  heading.textContent = `${typeName} ${phone(line.number)}`;
  if (line.status !== 'verified') return notVerified(line);
  if (route.part === 'facturas') return renderInvoices(app, line, content, context);
  if (route.part === 'estado') return renderStatement(app, line, content, context);
  return renderSummary(line, typeName);
}
