"""Activation by the emailed link, and a new link on request."""

from datetime import datetime

from identity.domain.tokens import TokenError, hash_secret
from identity.domain.users import User
from identity.domain.validation import email_key
from identity.ports import IdentityService
from identity.use_cases._refusals import link_refused, unknown_link
from identity.use_cases._retry import change_user
from identity.use_cases.captchas import check_captcha


async def activate(svc: IdentityService, token: str, now: datetime) -> User:
    token_hash = hash_secret(token)
    try:
        user = await change_user(
            svc.users,
            lambda: svc.users.by_token("activation_tokens", token_hash),
            lambda u: u.activate(token, now),
        )
    except TokenError as error:
        raise link_refused(error) from None
    if user is None:
        raise unknown_link()
    return user


async def resend_activation(
    svc: IdentityService, email: str, captcha_id: str, captcha_answer: str, now: datetime
) -> None:
    """Says nothing either way: whether the account exists, is active or throttled (no account
    enumeration); the route answers 202 always. A solved captcha first, as for a sign-up."""
    await check_captcha(svc, captcha_id, captcha_answer, now)
    key = email_key(email)
    await change_user(
        svc.users,
        lambda: svc.users.by_email_key(key),
        lambda u: u.resend_activation(now, svc.policy, svc.settings.portal_base_url),
    )
