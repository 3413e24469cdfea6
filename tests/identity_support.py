"""An active customer as identity stores it, for tests that write one straight into a database
(a burst of logins, a key rotation) instead of going through sign-up and the email."""

import uuid
from datetime import UTC, datetime

from identity.domain.users import Status, User


def active_user(email: str, password_hash: str, given_names: str = "Ana") -> User:
    now = datetime.now(UTC)
    return User(
        user_id=uuid.uuid4().hex,
        email=email,
        email_key=email,
        given_names=given_names,
        surnames="Quispe",
        id_type="passport",
        id_number=uuid.uuid4().hex[:12].upper(),
        password_hash=password_hash,
        created_at=now,
        status=Status.ACTIVE,
        activated_at=now,
    )
