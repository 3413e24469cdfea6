// /reenviar — ask for a new activation link (with a captcha); /registro and /ingresar send
// people here with their e-mail. The answer never reveals whether the account exists.

import { wireLinkRequest } from './link-request.js';
import { takeResendEmail } from './reenviar-email.js';

wireLinkRequest('reenviar', '/activations/resend', takeResendEmail());
