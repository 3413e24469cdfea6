"""Password reset by an emailed link; a new password ends every session."""

from datetime import datetime

from common.errors import InvalidInput
from identity.domain.tokens import TokenError, hash_secret
from identity.domain.validation import email_key, password_problem
from identity.ports import IdentityService
from identity.use_cases._refusals import link_refused, unknown_link
from identity.use_cases._retry import change_user


async def request_password_reset(svc: IdentityService, email: str, now: datetime) -> None:
    """Says nothing either way (the route answers 202 always): no account enumeration."""
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
    # A reset means the old password may be known to someone else: end every session.
    await svc.sessions.revoke_all(user.user_id, now, "password_reset")
