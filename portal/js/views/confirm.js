// The confirmation before removing a line: the page's <dialog id="confirmar"> as a modal (focus
// stays inside, Escape cancels), resolving to true only for «Eliminar».

const dialog = document.getElementById('confirmar');
const text = document.getElementById('confirmar-texto');
const cancel = document.getElementById('confirmar-cancelar');
const confirm = document.getElementById('confirmar-eliminar');

export function confirmRemoval(message) {
  text.textContent = message;
  return new Promise((resolve) => {
    const finish = (answer) => {
      cancel.removeEventListener('click', onCancel);
      confirm.removeEventListener('click', onConfirm);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const onCancel = () => finish(false);
    const onConfirm = () => finish(true);
    const onClose = () => finish(false); // Escape
    cancel.addEventListener('click', onCancel);
    confirm.addEventListener('click', onConfirm);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    cancel.focus(); // the safe choice first
  });
}
