"""The operator account named by the environment (a start-up step)."""

import uuid
from datetime import datetime

from common.logging import get_logger
from identity.domain.users import Status, User
from identity.domain.validation import email_key, normalize_email
from identity.ports import IdentityService
from identity.use_cases._passwords import password_changed
from identity.use_cases._retry import change_user

log = get_logger(__name__)


async def bootstrap_operator(svc: IdentityService, now: datetime) -> None:
    """Create the operator account named by the environment, or set its password.

    An existing account that is not an operator's is never promoted: whoever registered that
    email (a customer) would become an operator, and the configured password would replace
    theirs. That is logged as an error and left for a person to sort out.
    """
    settings = svc.settings
    if not (settings.operator_email and settings.operator_password):
        return
    email = normalize_email(settings.operator_email)
    password = settings.operator_password
    existing = await svc.users.by_email_key(email_key(email))
    if existing is None:
        await _create(svc, email, password, now)
        return
    if "operator" not in existing.roles:
        log.error("operator_email_belongs_to_a_customer", user_id=existing.user_id)
        return
    if await svc.passwords.verify(existing.password_hash, password):
        return
    new_hash = await svc.passwords.hash(password)
    await change_user(
        svc.users, lambda: svc.users.by_id(existing.user_id), lambda u: _set_hash(u, new_hash)
    )
    await password_changed(svc, existing.user_id, now, "operator")
    log.info("operator_password_changed", user_id=existing.user_id)


async def _create(svc: IdentityService, email: str, password: str, now: datetime) -> None:
    operator = User(
        user_id=uuid.uuid4().hex,
        email=email,
        email_key=email_key(email),
        given_names="Operador",
        surnames="Demo",
        id_type=None,
        id_number=None,
        password_hash=await svc.passwords.hash(password),
        created_at=now,
        status=Status.ACTIVE,
        roles=["operator"],
        activated_at=now,
    )
    await svc.users.add(operator)
    log.info("operator_created", user_id=operator.user_id)


def _set_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash
