"""Removing what expired (the app runs this every few minutes)."""

from datetime import datetime

from identity.ports import IdentityService


async def clean_up_expired(svc: IdentityService, now: datetime) -> None:
    """Expiry is a timestamp compared in queries; this only keeps the collections small."""
    await svc.captchas.delete_expired(now)
    await svc.sessions.delete_expired(now)
