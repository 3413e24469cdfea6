"""Sign-up: a validated form, a solved captcha, a unique email and identification number."""

import uuid
from datetime import datetime

from common.errors import Conflict, InvalidInput
from common.logging import get_logger
from identity.domain.users import User
from identity.domain.validation import RegistrationForm, validate_registration
from identity.ports import DuplicateUser, IdentityService
from identity.use_cases.captchas import check_captcha

log = get_logger(__name__)


async def register(
    svc: IdentityService,
    form: RegistrationForm,
    captcha_id: str,
    captcha_answer: str,
    now: datetime,
) -> User:
    """A new user pending activation; its activation email is on its way (outbox)."""
    valid, errors = validate_registration(form)
    if valid is None:
        raise InvalidInput(errors)
    # The captcha guards the uniqueness answers below (409 would otherwise enumerate accounts).
    await check_captcha(svc, captcha_id, captcha_answer, now)
    password_hash = await svc.passwords.hash(valid.password)
    user = User.register(
        uuid.uuid4().hex, valid, password_hash, now, svc.policy, svc.settings.portal_base_url
    )
    try:
        await svc.users.add(user)
    except DuplicateUser as duplicate:
        raise already_registered(duplicate.field) from None
    log.info("user_registered", user_id=user.user_id)
    return user


def already_registered(field: str) -> Conflict:
    if field == "email":
        message = (
            "Ya existe una cuenta con este correo electrónico. "
            "Inicia sesión o recupera tu contraseña."
        )
    else:
        message = "Ya existe una cuenta con este número de identificación."
    return Conflict("already_registered", message, {field: message})
