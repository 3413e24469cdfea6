// #perfil — the person's own data (identity's GET /me), and the greeting above every screen.

const ID_TYPES = { cedula: 'Cédula', passport: 'Pasaporte', ruc: 'RUC' };

function text(id, value) {
  document.getElementById(id).textContent = value || '—';
}

export function greet(me) {
  const given = typeof me.given_names === 'string' ? me.given_names.trim() : '';
  document.getElementById('saludo').textContent = given ? `Hola, ${given}` : 'Hola';
}

export function renderProfile(app, route, { me }) {
  app.title('Mi perfil');
  text('perfil-email', me.email);
  text('perfil-nombres', me.given_names);
  text('perfil-apellidos', me.surnames);
  const idLabel = ID_TYPES[me.id_type] || 'Identificación';
  text('perfil-identificacion', me.id_number ? `${idLabel} ${me.id_number}` : '');
}
