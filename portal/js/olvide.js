// /olvide — ask for a password-reset link (with a captcha). The answer never reveals whether
// the e-mail exists.

import { wireLinkRequest } from './link-request.js';

wireLinkRequest('olvide', '/password-resets');
