// The account area's screens, one per hash (a fixed contract: bookmarks, the benchmark and
// the tests use them):
//   #servicios                       Mis servicios (the default)
//   #perfil                          Mi perfil
//   #agregar                         Selecciona el tipo de servicio (guide step 1.4)
//   #agregar/<tipo>                  number, GENERAR, CÓDIGO, Aceptar (steps 2.1–2.2)
//   #verificar/<line_id>             CÓDIGO for a line still pending verification
//   #linea/<line_id>                 Consultar (step 2.3)
//   #linea/<line_id>/facturas        Facturación → Ver Factura (steps 3.1–3.2)
//   #linea/<line_id>/estado-de-cuenta  Estado de cuenta (step 3.3)

const ID = '[A-Za-z0-9_-]{1,64}';
const ROUTES = [
  [new RegExp('^(servicios)?$'), () => ({ view: 'servicios' })],
  [new RegExp('^perfil$'), () => ({ view: 'perfil' })],
  [new RegExp('^agregar$'), () => ({ view: 'agregar' })],
  [new RegExp('^agregar/([a-z]{1,20})$'), (m) => ({ view: 'numero', serviceType: m[1] })],
  [new RegExp(`^verificar/(${ID})$`), (m) => ({ view: 'numero', lineId: m[1] })],
  [new RegExp(`^linea/(${ID})$`), (m) => ({ view: 'linea', lineId: m[1], part: 'resumen' })],
  [new RegExp(`^linea/(${ID})/facturas$`), (m) => ({ view: 'linea', lineId: m[1], part: 'facturas' })],
  [new RegExp(`^linea/(${ID})/estado-de-cuenta$`), (m) => ({ view: 'linea', lineId: m[1], part: 'estado' })],
];

/** The screen a hash names; anything unknown (old #lineas, #factura too) is Mis servicios. */
export function parseRoute(hash) {
  let path;
  try {
    path = decodeURIComponent(String(hash || '').replace(/^#/, ''));
  } catch {
    return { view: 'servicios' }; // a malformed %-escape
  }
  for (const [pattern, build] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return build(match);
  }
  return { view: 'servicios' };
}

export const lineHash = (lineId, part = 'resumen') => {
  const suffix = { resumen: '', facturas: '/facturas', estado: '/estado-de-cuenta' }[part];
  return `#linea/${encodeURIComponent(lineId)}${suffix}`;
};
