"""What follows every password change, whoever makes it (a reset, the operator's bootstrap)."""

from datetime import datetime

from identity.domain.events import RevocationReason
from identity.ports import IdentityService


async def password_changed(
    svc: IdentityService, user_id: str, now: datetime, reason: RevocationReason
) -> None:
    """The old password may be known to someone else: end every session of the user, and forget
    the failed attempts and any lock (they were guesses at the old password)."""
    await svc.sessions.revoke_all(user_id, now, reason)
    await svc.users.clear_attempts(user_id)
