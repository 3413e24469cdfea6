// A button that may be pressed again only after some seconds (the API's resend_after or
// Retry-After): marked aria-disabled meanwhile (it keeps keyboard focus, unlike `disabled`),
// with the seconds left written next to it (visible, tied to the button by aria-describedby,
// not announced every second); `onReady` runs at the end.

const timers = new WeakMap();

const seconds = (n) => `${n} ${n === 1 ? 'segundo' : 'segundos'}`;
export const codeWait = (left) => `Podrás pedir un nuevo código en ${seconds(left)}.`;
const retryWait = (left) => `Podrás intentarlo nuevamente en ${seconds(left)}.`;

/** True while the button's countdown runs: its click must do nothing. */
export const isWaiting = (button) => button.getAttribute('aria-disabled') === 'true';

export function stopCountdown(button, note) {
  clearInterval(timers.get(button));
  timers.delete(button);
  button.removeAttribute('aria-disabled');
  note.textContent = '';
}

/** `wait(n)` writes the sentence for n seconds left. */
export function startCountdown(button, note, total, { wait = retryWait, onReady = () => {} } = {}) {
  stopCountdown(button, note);
  const until = Date.now() + Math.max(0, Number(total) || 0) * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      stopCountdown(button, note);
      onReady();
      return false;
    }
    button.setAttribute('aria-disabled', 'true');
    note.textContent = wait(left);
    return true;
  };
  if (tick()) timers.set(button, setInterval(tick, 1000));
}
