// The captcha of a form (sign-up, resend activation, password reset): the image comes with
// POST /captchas; the Spanish audio is asked for only when the person presses «Escuchar código»
// (POST /captchas/{id}/audio draws new digits, so it is fetched once per captcha and replayed).
//
// Markup (ids are the page's; the widget finds its parts by data-captcha):
//   <div class="captcha" data-captcha-root>
//     <div class="captcha__media" aria-busy="true" data-captcha="media">
//       <img class="captcha__image" data-captcha="image" alt="…" width="200" height="70" hidden>
//       <p class="captcha__status" data-captcha="status">Cargando código…</p></div>
//     … <input name="captcha_answer" data-captcha="answer"> …
//     <button type="button" data-captcha="audio" disabled>Escuchar código</button>
//     <button type="button" data-captcha="new">Otra imagen</button>
//     <div class="visually-hidden" role="status" data-captcha="notice"></div>
//   </div>

import { API_BASE, post } from './api.js';
import { setFieldError } from './forms.js';

const AUDIO_FAILED = 'No pudimos reproducir el audio. Presiona «Otra imagen» e intenta nuevamente.';

/** Audio bytes -> data: URI (the gateway's CSP allows data: media, not blob:). */
function dataUri(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The API's Spanish message from an error answer, or null. */
async function errorMessage(response) {
  try {
    const body = await response.json();
    return body && body.error && typeof body.error.message === 'string' ? body.error.message : null;
  } catch {
    return null;
  }
}

/**
 * @param {HTMLElement} root   the element holding the captcha's parts
 * @param {{form: HTMLFormElement, field?: string, mayRefresh?: () => boolean}} options
 *   mayRefresh: false while the form is being sent (an expired captcha is then not swapped).
 */
export function captchaWidget(root, { form, field = 'captcha_answer', mayRefresh = () => true }) {
  const part = (name) => root.querySelector(`[data-captcha="${name}"]`);
  const media = part('media');
  const image = part('image');
  const status = part('status');
  const answer = part('answer');
  const audioButton = part('audio');
  const newButton = part('new');
  const notice = part('notice');

  const state = { id: '', audio: '', timer: 0, loading: null, player: null };

  function stopAudio() {
    if (state.player) {
      state.player.pause();
      state.player = null;
    }
  }

  async function fetchCaptcha(announce) {
    stopAudio();
    clearTimeout(state.timer);
    state.id = '';
    state.audio = '';
    answer.value = '';
    media.setAttribute('aria-busy', 'true');
    audioButton.disabled = true;
    newButton.disabled = true;
    status.textContent = 'Cargando código…';
    status.hidden = false;

    const result = await post('/captchas', {});
    media.setAttribute('aria-busy', 'false');
    newButton.disabled = false;

    const body = result.body || {};
    const usable = result.ok
      && typeof body.captcha_id === 'string'
      && typeof body.image === 'string' && body.image.startsWith('data:image/');
    if (!usable) {
      image.hidden = true;
      image.removeAttribute('src');
      status.textContent = result.ok
        ? 'No pudimos cargar el código. Presiona «Otra imagen».'
        : `${result.error.message} Presiona «Otra imagen».`;
      status.hidden = false;
      notice.textContent = status.textContent;
      return false;
    }
    state.id = body.captcha_id;
    image.src = body.image;
    image.hidden = false;
    status.hidden = true;
    status.textContent = '';
    audioButton.disabled = false;
    if (announce) notice.textContent = 'Se cargó un nuevo código.';

    const ttl = Number(body.expires_in);
    if (Number.isFinite(ttl) && ttl > 0) {
      // When it expires, swap it for a fresh one so the person does not type a dead code.
      state.timer = setTimeout(() => {
        if (mayRefresh()) {
          load().then((ok) => {
            if (ok) setFieldError(form, field, 'El código expiró. Te mostramos uno nuevo.');
          });
        }
      }, Math.max(1000, ttl * 1000 - 2000));
    }
    return true;
  }

  /** A new captcha (single use: any attempt spends it server-side). Resolves to true when shown. */
  function load({ announce = false } = {}) {
    if (state.loading) return state.loading;
    state.loading = fetchCaptcha(announce).finally(() => {
      state.loading = null;
    });
    return state.loading;
  }

  /** The audio of the current captcha: fetched on the first press, replayed afterwards. */
  async function audioUri() {
    if (state.audio) return state.audio;
    const id = state.id;
    const response = await fetch(`${API_BASE}/captchas/${encodeURIComponent(id)}/audio`, {
      method: 'POST',
      headers: { Accept: 'audio/wav, application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!response.ok) {
      const message = await errorMessage(response);
      const error = new Error(message || AUDIO_FAILED);
      error.status = response.status;
      throw error;
    }
    // Read as bytes, not with response.blob(): Chromium keeps no DevTools copy of a body drained
    // into a Blob, and the browser tests check the WAV the page received through DevTools.
    const wav = new Blob([await response.arrayBuffer()], { type: 'audio/wav' });
    const uri = await dataUri(wav);
    if (state.id === id) state.audio = uri;
    return uri;
  }

  newButton.addEventListener('click', () => {
    load({ announce: true }).then(() => answer.focus());
  });

  audioButton.addEventListener('click', async () => {
    if (!state.id || audioButton.disabled) return;
    stopAudio();
    audioButton.disabled = true;
    notice.textContent = 'Cargando el audio…';
    try {
      state.player = new Audio(await audioUri());
      notice.textContent = 'Reproduciendo el código. Escribe los números que escuches.';
      await state.player.play();
    } catch (error) {
      notice.textContent = '';
      if (error && error.status === 410) {
        // Expired, used, or heard too many times: a fresh captcha.
        await load();
        setFieldError(form, field, `${error.message}`);
      } else {
        setFieldError(form, field, (error && error.status && error.message) || AUDIO_FAILED);
      }
    } finally {
      audioButton.disabled = !state.id;
    }
  });

  return {
    load,
    stopAudio,
    /** Stop the expiry timer (the form is being sent; the captcha is spent either way). */
    hold() {
      stopAudio();
      clearTimeout(state.timer);
    },
    get id() {
      return state.id;
    },
  };
}
