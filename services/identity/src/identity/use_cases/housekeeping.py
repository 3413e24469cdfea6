"""Removing what expired (the app runs this every few minutes)."""

from datetime import datetime, timedelta

from identity.ports import IdentityService


async def clean_up_expired(svc: IdentityService, now: datetime) -> None:
    """Expiry is a timestamp compared in queries; this only keeps the collections small: expired
    captchas (used or not), expired refresh tokens, and sessions whose every token expired.
    (identity consumes no events, so it keeps no processed-event ids.)"""
    await svc.captchas.delete_expired(now)
    refresh_ttl = timedelta(days=svc.settings.refresh_token_ttl_days)
    await svc.sessions.delete_expired(now, created_before=now - refresh_ttl)
