// Session tokens in sessionStorage (per tab, gone when the tab closes), the "on 401, refresh
// once, then retry" logic for authenticated calls, the silent refresh before the access token
// expires, and the way back (?volver=) after logging in again.

import { apiRequest } from './api.js';

const ACCESS = 'access_token';
const REFRESH = 'refresh_token';
const EXPIRES_IN = 'expires_in';
const EXPIRES_AT = 'expires_at';
const FLASH = 'mi_claro_aviso';

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the user simply cannot keep a session
  }
}

function read(key) {
  const s = storage();
  try {
    return s ? s.getItem(key) : null;
  } catch {
    return null;
  }
}

/** Store the token pair from a login or refresh answer. Returns false if the answer is unusable. */
export function saveTokens(tokens) {
  const s = storage();
  if (!s || !tokens || typeof tokens.access_token !== 'string' || typeof tokens.refresh_token !== 'string') {
    return false;
  }
  const expiresIn = Number(tokens.expires_in) || 0;
  try {
    s.setItem(ACCESS, tokens.access_token);
    s.setItem(REFRESH, tokens.refresh_token);
    s.setItem(EXPIRES_IN, String(expiresIn));
    s.setItem(EXPIRES_AT, String(Date.now() + expiresIn * 1000));
  } catch {
    return false;
  }
  return true;
}

export const accessToken = () => read(ACCESS);
export const refreshToken = () => read(REFRESH);
export const hasSession = () => Boolean(accessToken() || refreshToken());

export function clearSession() {
  const s = storage();
  if (!s) return;
  for (const key of [ACCESS, REFRESH, EXPIRES_IN, EXPIRES_AT]) {
    try {
      s.removeItem(key);
    } catch {
      /* ignore */
    }
  }
}

/** A one-time notice for the next page (e.g. "tu sesión expiró" on /ingresar). */
export function setFlash(message) {
  const s = storage();
  try {
    if (s) s.setItem(FLASH, message);
  } catch {
    /* ignore */
  }
}

export function takeFlash() {
  const message = read(FLASH);
  const s = storage();
  try {
    if (s) s.removeItem(FLASH);
  } catch {
    /* ignore */
  }
  return message;
}

// Refresh tokens rotate and a reused one revokes the whole session, so concurrent 401s
// in this page share a single refresh request.
let refreshing = null;

async function doRefresh() {
  const token = refreshToken();
  if (!token) return { ok: false, reason: 'no_token' };
  const result = await apiRequest('POST', '/sessions/refresh', { json: { refresh_token: token } });
  if (result.status === 200 && saveTokens(result.body)) return { ok: true };
  if (result.status === 0 || result.status >= 500) return { ok: false, reason: 'unavailable', result };
  clearSession();
  return { ok: false, reason: 'rejected', result };
}

export function refreshOnce() {
  if (!refreshing) refreshing = doRefresh().finally(() => { refreshing = null; });
  return refreshing;
}

/**
 * An API call with the bearer token. On 401 it refreshes the session once and retries.
 * The result has `sessionEnded: true` when the user must log in again (storage is then cleared).
 */
export async function authorizedRequest(method, path, options = {}) {
  let result = await apiRequest(method, path, { ...options, token: accessToken() });
  if (result.status !== 401) return result;
  const refreshed = await refreshOnce();
  if (!refreshed.ok) {
    if (refreshed.reason === 'unavailable') return refreshed.result;
    clearSession();
    return { ...result, sessionEnded: true };
  }
  result = await apiRequest(method, path, { ...options, token: accessToken() });
  if (result.status === 401) {
    clearSession();
    return { ...result, sessionEnded: true };
  }
  return result;
}

// --- silent refresh -----------------------------------------------------------------------------

// Refresh this long before the access token expires, so no call meets an expired token.
const REFRESH_MARGIN_MS = 60 * 1000;
// A refresh that met no answer (network, 5xx) is tried again after this.
const RETRY_MS = 30 * 1000;
let refreshTimer = 0;

/** Milliseconds until the access token should be refreshed (0: now). */
function refreshDelay() {
  const expiresAt = Number(read(EXPIRES_AT)) || 0;
  return Math.max(0, expiresAt - REFRESH_MARGIN_MS - Date.now());
}

/**
 * Keep the session alive while the page is open: refresh the token pair shortly before the
 * access token expires. `onEnded` runs when identity refuses the refresh token (revoked,
 * expired, reused): the person must log in again.
 */
export function keepSessionAlive(onEnded) {
  const plan = (delay) => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(run, delay);
  };
  const run = async () => {
    const result = await refreshOnce();
    if (result.ok) plan(refreshDelay());
    else if (result.reason === 'unavailable') plan(RETRY_MS);
    else onEnded();
  };
  // Timers sleep with the computer and are throttled in background tabs: look again on return.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && hasSession()) plan(refreshDelay());
  });
  plan(refreshDelay());
}

// --- the way back after logging in again ------------------------------------------------------

/** The current place in the portal (path, query and hash), to come back to after login. */
export function currentPlace() {
  return window.location.pathname + window.location.search + window.location.hash;
}

/** /ingresar with ?volver=<place> (only when there is a place worth coming back to). */
export function loginUrl(place) {
  return place ? `/ingresar?volver=${encodeURIComponent(place)}` : '/ingresar';
}

/**
 * The ?volver= value if it is a page of this portal, else null: never another origin
 * ("//evil.example", "https://…", "/\\evil"), never the login page itself nor the API.
 */
export function safeReturnPath(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) {
    return null;
  }
  let url;
  try {
    url = new URL(value, window.location.origin);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin) return null;
  if (url.pathname.startsWith('/ingresar') || url.pathname.startsWith('/api/')) return null;
  return url.pathname + url.search + url.hash;
}

// --- authorized downloads (RIDE, XML) ------------------------------------------------------------

/**
 * GET a file with the bearer token (refreshing once on 401). Resolves to
 * { status, blob, filename, url, error }: `url` is the final address after redirects (the
 * RIDE's signed link), `error` the API's error object for non-2xx answers, `sessionEnded`
 * when the person must log in again.
 */
export async function authorizedFile(url) {
  let result = await fetchFile(url, accessToken());
  if (result.status !== 401) return result;
  const refreshed = await refreshOnce();
  if (!refreshed.ok) {
    if (refreshed.reason === 'unavailable') return { status: 0, error: null };
    clearSession();
    return { ...result, sessionEnded: true };
  }
  result = await fetchFile(url, accessToken());
  if (result.status === 401) {
    clearSession();
    return { ...result, sessionEnded: true };
  }
  return result;
}

function filenameOf(response) {
  const header = response.headers.get('Content-Disposition') || '';
  const match = /filename="?([^";]+)"?/i.exec(header);
  return match ? match[1] : '';
}

async function fetchFile(url, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const response = await fetch(url, { headers, credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) {
      const blob = await response.blob();
      return { status: response.status, blob, filename: filenameOf(response), url: response.url, error: null };
    }
    let error = null;
    try {
      const body = await response.json();
      error = body && body.error ? body.error : null;
    } catch {
      error = null;
    }
    return { status: response.status, blob: null, error };
  } catch {
    return { status: 0, blob: null, error: null };
  }
}
