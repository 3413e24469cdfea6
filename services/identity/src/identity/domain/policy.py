"""Numbers the rules depend on; the service fills them from its settings."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    activation_ttl: timedelta = timedelta(hours=24)
    reset_ttl: timedelta = timedelta(hours=1)
    # Emails with a link (activation resend, reset): a cooldown and a daily cap per account.
    link_cooldown: timedelta = timedelta(seconds=60)
    link_daily_cap: int = 5
    # Login: lock after this many failures in a row, for base * 2^(extra failures), capped.
    lockout_threshold: int = 5
    lockout_base: timedelta = timedelta(seconds=30)
    lockout_max: timedelta = timedelta(minutes=15)
    # Tokens kept per user so an old link gets "used/expired" rather than "unknown".
    kept_tokens: int = 5
    terms_version: str = "2026-01"
