// What every screen of the account area shares: the calls to lines and billing with the
// session (an ended session goes to the login and back here afterwards), which screen is
// current (an answer for a screen the person already left is dropped), notices, the title.

import { NETWORK_ERROR_MESSAGE } from './api.js';
import { clearMessage, showMessage } from './forms.js';
import {
  authorizedFile,
  authorizedRequest,
  clearSession,
  currentPlace,
  loginUrl,
  setFlash,
} from './session.js';

export const SESSION_ENDED = 'Tu sesión expiró. Inicia sesión nuevamente.';
const LINES = '/api/lines/v1';
const BILLING = '/api/billing/v1';
// lines' service types, for when GET /service-types cannot be asked.
export const FALLBACK_TYPES = [
  { code: 'movil', name: 'Móvil' },
  { code: 'fijo', name: 'Fijo' },
  { code: 'internet', name: 'Internet' },
  { code: 'tv', name: 'TV' },
];

/** To the login page; with `back`, the login brings the person back here (?volver=). */
export function toLogin(message, { back = true } = {}) {
  clearSession();
  if (message) setFlash(message);
  window.location.replace(loginUrl(back ? currentPlace() : ''));
}

// The page is leaving for the login: the screen that asked must not go on.
const never = () => new Promise(() => {});

async function call(base, method, path, options = {}) {
  const result = await authorizedRequest(method, path, { ...options, base });
  if (result.sessionEnded) {
    toLogin(SESSION_ENDED);
    return never();
  }
  return result;
}

/** The Spanish sentence for a failed call (the API's own, or "no pudimos conectar"). */
export function failureMessage(result) {
  return (result && result.error && result.error.message) || NETWORK_ERROR_MESSAGE;
}

let turn = 0;
let flash = '';
let serviceTypes = null;
const brand = document.querySelector('meta[name="application-name"]')?.content || '';

export const app = {
  lines: (method, path, options) => call(LINES, method, path, options),
  billing: (method, path, options) => call(BILLING, method, path, options),

  /** A file from billing (RIDE, XML) as a Blob. */
  async file(path) {
    const result = await authorizedFile(BILLING + path);
    if (result.sessionEnded) {
      toLogin(SESSION_ENDED);
      return never();
    }
    return result;
  },

  /** A new screen starts: answers for the previous one are now stale. */
  begin() {
    turn += 1;
    return turn;
  },
  stale: (token) => token !== turn,

  /** A notice for the next screen (e.g. "agregaste la línea…"), shown once. */
  flash(message, kind = 'success') {
    flash = { message, kind };
  },
  /** Show the pending notice (or none) above the screen, in a polite live region. */
  showFlash() {
    const region = document.getElementById('cuenta-aviso');
    if (flash) showMessage(region, flash.message, flash.kind);
    else clearMessage(region);
    flash = '';
  },

  title(text) {
    document.title = brand ? `${text} | ${brand}` : text;
  },

  /** The service types of GET /service-types ({code, name}), asked once per page. */
  async serviceTypes() {
    if (!serviceTypes) {
      serviceTypes = app.lines('GET', '/service-types').then((result) => {
        if (result.ok && Array.isArray(result.body)) return result.body;
        serviceTypes = null; // ask again next time
        return null;
      });
    }
    return serviceTypes;
  },

  /** The Spanish name of a service type, from the API when it answered. */
  async typeName(code) {
    const types = (await app.serviceTypes()) || FALLBACK_TYPES;
    const found = types.find((t) => t.code === code);
    return found ? found.name : code;
  },
};
