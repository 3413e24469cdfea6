// Session tokens in sessionStorage (per tab, gone when the tab closes) and the
// "on 401, refresh once, then retry" logic for authenticated calls.

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
