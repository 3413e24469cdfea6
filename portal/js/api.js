// Thin fetch wrapper for the platform's API (same origin, JSON, Spanish fallback messages):
// identity by default, another service with `base` (e.g. '/api/lines/v1').
// Every call resolves (never throws) to { status, ok, body, headers, error }:
//   - status 0 means the request never got a usable answer (network down, timeout, not JSON);
//   - for any non-2xx answer, body.error (also exposed as `error`) always has
//     { code, message, fields } with a Spanish `message` people can read.

export const API_BASE = '/api/identity/v1';
export const NETWORK_ERROR_MESSAGE = 'No pudimos conectar. Intenta nuevamente en unos minutos.';

const TIMEOUT_MS = 20000;
const GENERIC_MESSAGE = 'Ocurrió un error inesperado. Intenta nuevamente.';
const FALLBACK_MESSAGES = {
  400: 'La solicitud no es válida. Revisa los datos e intenta nuevamente.',
  401: 'Necesitas iniciar sesión.',
  403: 'No tienes permiso para esta acción.',
  404: 'No encontramos lo que buscas.',
  409: 'Ya existe una cuenta con estos datos.',
  410: 'El enlace ya no es válido.',
  422: 'Revisa los datos ingresados.',
  429: 'Demasiados intentos. Intenta nuevamente en unos minutos.',
};

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The API's error shape, completed with Spanish fallbacks. */
function normalizeError(status, data) {
  if (status === 0 || status >= 500) {
    return { code: status === 0 ? 'network_error' : 'server_error', message: NETWORK_ERROR_MESSAGE, fields: {} };
  }
  const raw = isObject(data) && isObject(data.error) ? data.error : {};
  const fields = {};
  if (isObject(raw.fields)) {
    for (const [name, message] of Object.entries(raw.fields)) {
      if (typeof message === 'string' && message.trim()) fields[name] = message;
    }
  }
  const message = typeof raw.message === 'string' && raw.message.trim()
    ? raw.message
    : FALLBACK_MESSAGES[status] || GENERIC_MESSAGE;
  return { code: typeof raw.code === 'string' ? raw.code : 'error', message, fields };
}

function failure(headers) {
  const error = normalizeError(0, null);
  return { status: 0, ok: false, body: { error }, headers: headers || new Headers(), error };
}

/**
 * @param {string} method  HTTP method
 * @param {string} path    path under `base` (default /api/identity/v1), e.g. "/sessions"
 * @param {{json?: unknown, token?: string|null, timeoutMs?: number, base?: string}} [options]
 */
export async function apiRequest(method, path, options = {}) {
  const { json, token, timeoutMs = TIMEOUT_MS, base = API_BASE } = options;
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  const controller = new AbortController();
  init.signal = controller.signal;
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  let response;
  let text = '';
  try {
    response = await fetch(base + path, init);
    text = await response.text();
  } catch {
    return failure(response && response.headers);
  } finally {
    clearTimeout(timer);
  }

  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const ok = response.status >= 200 && response.status < 300;
  // A non-JSON answer with a body is not the API (e.g. a static page or a proxy's error page):
  // treat it as unreachable. A proxy's 429 keeps its status so the caller can wait.
  if (text && body === null && response.status !== 429) return failure(response.headers);
  if (ok) return { status: response.status, ok, body, headers: response.headers, error: null };
  const error = normalizeError(response.status, body);
  return { status: response.status, ok, body: { error }, headers: response.headers, error };
}

export const post = (path, json, options = {}) => apiRequest('POST', path, { ...options, json });
export const get = (path, options = {}) => apiRequest('GET', path, options);
export const del = (path, options = {}) => apiRequest('DELETE', path, options);

/** Seconds to wait from a 429 answer: Retry-After (seconds or date), else the message, else fallback. */
export function retryAfterSeconds(result, fallback = 30) {
  const header = result && result.headers && result.headers.get ? result.headers.get('Retry-After') : null;
  if (header) {
    const seconds = Number(header.trim());
    if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, Math.ceil(seconds));
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(1, Math.ceil((date - Date.now()) / 1000));
  }
  const match = /(\d+)\s*segundo/.exec((result && result.error && result.error.message) || '');
  if (match) return Math.max(1, Number(match[1]));
  return fallback;
}

/** True when the failure is on our side or the network's (status 0 or 5xx). */
export function isUnavailable(result) {
  return result.status === 0 || result.status >= 500;
}
