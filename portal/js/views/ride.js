// The RIDE of one invoice, in the page (guide step 3.3): billing's /ride answers 302 to a
// signed rendering link (5 minutes) that fetch follows; the PDF becomes a blob: URL shown in a
// frame (the CSP allows frames from blob: only) with «Descargar PDF», «Descargar XML» and «Abrir
// en una pestaña nueva». A browser without a PDF viewer (most phones) gets the links alone.

import { failureMessage } from '../app.js';
import { errorState, focusOn, h, loadingState } from '../dom.js';
import { period } from '../format.js';

let shownUrl = '';

/** Forget the PDF shown (the blob's memory) when leaving the screen. */
export function closeRide() {
  if (shownUrl) URL.revokeObjectURL(shownUrl);
  shownUrl = '';
}

function saveAs(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function downloadXml(app, invoice, button, status) {
  if (button.getAttribute('aria-busy') === 'true') return;
  button.setAttribute('aria-busy', 'true');
  status.textContent = 'Descargando el XML…';
  const result = await app.file(`/invoices/${encodeURIComponent(invoice.invoice_id)}/xml`);
  button.removeAttribute('aria-busy');
  if (!result.blob) {
    status.textContent = failureMessage(result);
    return;
  }
  saveAs(result.blob, result.filename || `${invoice.number}.xml`);
  status.textContent = 'Descargaste el XML de tu factura.';
}

function viewerOf(app, invoice, url, filename, trigger, slot) {
  const label = period(invoice.period);
  const title = h('h4', { class: 'ride__title', id: 'ride-titulo' }, `Factura en formato RIDE: ${label}`);
  const status = h('p', { class: 'ride__status', role: 'status' });
  const xml = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Descargar XML');
  xml.addEventListener('click', () => downloadXml(app, invoice, xml, status));
  const close = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Cerrar factura');
  close.addEventListener('click', () => {
    slot.replaceChildren();
    closeRide();
    if (trigger.isConnected) trigger.focus();
  });
  const inline = navigator.pdfViewerEnabled !== false;
  return h('section', { class: 'ride', 'aria-labelledby': 'ride-titulo' },
    h('div', { class: 'ride__head' }, title,
      h('p', { class: 'ride__actions' },
        h('a', { class: 'btn btn--primary btn--small', href: url, download: filename }, 'Descargar PDF'),
        xml,
        h('a', { class: 'btn btn--secondary btn--small', href: url, target: '_blank', rel: 'noopener' },
          'Abrir en una pestaña nueva'),
        close)),
    status,
    inline
      ? h('iframe', { class: 'ride__frame', src: url, title: `RIDE de la factura ${invoice.number} (${label})` })
      : h('p', { class: 'note' },
        'Tu navegador no puede mostrar el PDF dentro de la página: usa «Descargar PDF» o «Abrir en una pestaña nueva».'));
}

/** Show the invoice's RIDE in `slot`; `trigger` gets focus back on «Cerrar factura». */
export async function openRide(app, invoice, slot, trigger) {
  closeRide();
  slot.replaceChildren(loadingState('Abriendo tu factura…'));
  const result = await app.file(`/invoices/${encodeURIComponent(invoice.invoice_id)}/ride`);
  if (!slot.isConnected) return;
  if (!result.blob) {
    // 409 ride_not_ready: "La factura aún no tiene su RIDE; intenta en unos minutos."
    slot.replaceChildren(errorState(failureMessage(result), () => openRide(app, invoice, slot, trigger)));
    focusOn(slot.querySelector('.state__text'));
    return;
  }
  const pdf = result.blob.type === 'application/pdf' ? result.blob : new Blob([result.blob], { type: 'application/pdf' });
  shownUrl = URL.createObjectURL(pdf);
  const viewer = viewerOf(app, invoice, shownUrl, result.filename || `${invoice.number}.pdf`, trigger, slot);
  slot.replaceChildren(viewer);
  focusOn(viewer.querySelector('h4'));
}
