"""Password reset by an emailed link; a new password ends every session."""

from datetime import datetime

from common.errors import InvalidInput
from identity.domain.tokens import TokenError, hash_secret
from identity.domain.validation import email_key, password_problem
from identity.ports import IdentityService
from identity.use_cases._passwords import password_changed
from identity.use_cases._refusals import link_refused, unknown_link
from identity.use_cases._retry import change_user
from identity.use_cases.captchas import check_captcha


async def request_password_reset(
    svc: IdentityService, email: str, captcha_id: str, captcha_answer: str, now: datetime
) -> None:
    """Says nothing either way (the route answers 202 always): no account enumeration. A solved
    captcha first, as for a sign-up: each request may email a person."""
    await check_captcha(svc, captcha_id, captcha_answer, now)
    key = email_key(email)
    await change_user(
        svc.users,
        lambda: svc.users.by_email_key(key),
        lambda u: u.request_password_reset(now, svc.policy, svc.settings.portal_base_url),
    )


async def confirm_password_reset(
    svc: IdentityService, token: str, password: str, confirmation: str, now: datetime
) -> None:
    user = await svc.users.by_token("reset_tokens", hash_secret(token))
    if user is None:
        raise unknown_link()
    try:
        user.check_reset_token(token, now)
    except TokenError as error:
        raise link_refused(error) from None
    problem = password_problem(password, user.email, user.id_number or "")
    if problem:
        raise InvalidInput.field("password", problem)
    if confirmation != password:
        raise InvalidInput.field("password_confirmation", "Las contraseñas no coinciden.")
    password_hash = await svc.passwords.hash(password)
    try:
        await change_user(
            svc.users,
            lambda: svc.users.by_id(user.user_id),
            lambda u: u.reset_password(token, password_hash, now),
        )
    except TokenError as error:
        raise link_refused(error) from None
    await password_changed(svc, user.user_id, now, "password_reset")
