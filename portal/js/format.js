// How the account area writes money, periods, dates, phone numbers and states (es-EC).
// Money arrives as the API's decimal strings ("1234.5", "-47.37") and is only re-written for
// display, digit by digit: never parsed into a float.

const NBSP = '\u00a0';
const MONTHS = [
  'enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio',
  'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre',
];

/** "1234.5" → "$ 1.234,50"; "-47.37" → "-$ 47,37"; anything else → "—". */
export function money(value) {
  const match = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(String(value ?? '').trim());
  if (!match) return '—';
  const [, sign, whole, cents = ''] = match;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const negative = sign && /[1-9]/.test(whole + cents);
  return `${negative ? '-' : ''}$${NBSP}${grouped},${cents.padEnd(2, '0')}`;
}

const capitalized = (word) => word.charAt(0).toUpperCase() + word.slice(1);

/** "2026-11" → "Noviembre 2026" (the guide's mes de corte). */
export function period(value) {
  const match = /^(\d{4})-(\d{2})$/.exec(String(value || ''));
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return month ? `${capitalized(month)} ${match[1]}` : String(value || '');
}

/** "2026-12-16" (or a timestamp starting so) → "16 de diciembre de 2026". */
export function longDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value || ''));
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return month ? `${Number(match[3])} de ${month} de ${match[1]}` : String(value || '');
}

/** E.164 as people in Ecuador write it: "+593991234567" → "099 123 4567", "+59322345678" → "(02) 234-5678". */
export function phone(value) {
  const text = String(value || '');
  if (!text.startsWith('+593')) return text;
  const national = `0${text.slice(4)}`;
  // Non-breaking spaces: a number never wraps across lines.
  if (/^09\d{8}$/.test(national)) return [national.slice(0, 3), national.slice(3, 6), national.slice(6)].join(NBSP);
  if (/^0[2-7]\d{7}$/.test(national)) return `(${national.slice(0, 2)})${NBSP}${national.slice(2, 5)}-${national.slice(5)}`;
  return national;
}

const LINE_STATES = { verified: 'Verificada', pending_verification: 'Pendiente de verificación' };
const SUBSCRIPTION_STATES = { active: 'Activa', ended: 'Finalizada', unknown: 'Sin información' };
const INVOICE_STATES = {
  authorized: 'Autorizada por el SRI',
  pending: 'Pendiente de autorización del SRI',
  rejected: 'En revisión',
};

export const lineState = (code) => LINE_STATES[code] || 'Sin información';
export const subscriptionState = (code) => SUBSCRIPTION_STATES[code] || 'Sin información';
export const invoiceState = (code) => INVOICE_STATES[code] || 'Sin información';
