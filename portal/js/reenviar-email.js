// The e-mail to prefill on /reenviar, handed over from /registro or /ingresar through
// sessionStorage (this tab only) rather than the URL, which servers and histories keep.

const KEY = 'reenviar:email';

export function rememberResendEmail(email) {
  try {
    if (email) window.sessionStorage.setItem(KEY, email);
  } catch {
    // Storage disabled: the person types the e-mail on /reenviar.
  }
}

export function takeResendEmail() {
  try {
    const email = window.sessionStorage.getItem(KEY) || '';
    window.sessionStorage.removeItem(KEY);
    return email;
  } catch {
    return '';
  }
}
