"""The operator account named by the environment (a start-up step)."""

import uuid
from datetime import datetime

from common.logging import get_logger
from identity.domain.users import Status, User
from identity.domain.validation import email_key, normalize_email
from identity.ports import IdentityService

log = get_logger(__name__)


async def bootstrap_operator(svc: IdentityService, now: datetime) -> None:
    """Create (or update the password of) the operator account named by the environment."""
    settings = svc.settings
    if not (settings.operator_email and settings.operator_password):
        return
    email = normalize_email(settings.operator_email)
    existing = await svc.users.by_email_key(email_key(email))
    if existing is None:
        operator = User(
            user_id=uuid.uuid4().hex,
            email=email,
            email_key=email_key(email),
            given_names="Operador",
            surnames="Demo",
            id_type=None,
            id_number=None,
            password_hash=await svc.passwords.hash(settings.operator_password),
            created_at=now,
            status=Status.ACTIVE,
            roles=["operator"],
            activated_at=now,
        )
        await svc.users.add(operator)
        log.info("operator_created", user_id=operator.user_id)
        return
    if not await svc.passwords.verify(existing.password_hash, settings.operator_password):
        existing.password_hash = await svc.passwords.hash(settings.operator_password)
    existing.roles = sorted({*existing.roles, "operator"})
    existing.status = Status.ACTIVE
    await svc.users.save(existing)
