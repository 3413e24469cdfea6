"""Temporary lockout after repeated failed logins, growing with each further failure."""

from datetime import datetime, timedelta

from identity.domain.policy import Policy


def lock_duration(failures: int, policy: Policy) -> timedelta | None:
    """How long to lock after ``failures`` consecutive failures (None: no lock yet).

    Never permanent: the lock doubles per extra failure up to ``lockout_max``.
    """
    if failures < policy.lockout_threshold:
        return None
    extra = failures - policy.lockout_threshold
    seconds = policy.lockout_base.total_seconds() * (2 ** min(extra, 20))
    return min(timedelta(seconds=seconds), policy.lockout_max)


def retry_after_seconds(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds until the lock ends (0 when not locked); rounded up for Retry-After."""
    if locked_until is None or locked_until <= now:
        return 0
    remaining = (locked_until - now).total_seconds()
    return int(remaining) + (0 if remaining.is_integer() else 1)
