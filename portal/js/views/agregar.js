// #agregar — "Selecciona el tipo de servicio" (guide step 1.4): the types lines offers
// (GET /service-types, with their Spanish names), each leading to #agregar/<tipo>.

import { failureMessage } from '../app.js';
import { errorState, h, loadingState } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
// Simple outline icons (decorative: the link's text names the service).
const ICONS = {
  movil: ['M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z', 'M10 18h4'],
  fijo: ['M3 11 12 3l9 8', 'M5 9.5V21h14V9.5', 'M10 21v-6h4v6'],
  internet: ['M2 9a15 15 0 0 1 20 0', 'M5 12.5a10 10 0 0 1 14 0', 'M8.5 16a5 5 0 0 1 7 0', 'M12 19.5h.01'],
  tv: ['M4 5h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z', 'M8 21h8'],
};

function icon(code) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'service-type__icon');
  for (const d of ICONS[code] || ICONS.movil) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

export async function renderServiceTypes(app, route, context) {
  const { token } = context;
  app.title('Selecciona el tipo de servicio');
  const slot = document.getElementById('agregar-contenido');
  slot.replaceChildren(loadingState('Cargando los tipos de servicio…'));
  const types = await app.serviceTypes();
  if (app.stale(token)) return null;
  if (!types) {
    const retry = () => renderServiceTypes(app, route, context);
    slot.replaceChildren(errorState(failureMessage(null), retry));
    return null;
  }
  slot.replaceChildren(h('ul', { class: 'service-types', 'aria-labelledby': 'agregar-titulo' },
    types.map((type) => h('li', {},
      h('a', { class: 'service-type', href: `#agregar/${encodeURIComponent(type.code)}` },
        icon(type.code), h('span', {}, type.name))))));
  return null;
}
