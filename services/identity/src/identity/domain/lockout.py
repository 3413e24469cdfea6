"""Temporary lockout after repeated failed logins, growing with each further failure.

A login attempt is counted *before* its password is checked (``plan_attempt``), so a burst of
parallel guesses cannot all be checked while the first ones are still being verified: the store
counts each attempt in one atomic write, under the condition the plan names, and the attempt that
reaches the threshold locks the account in that same write.
"""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class AttemptPlan:
    """How to count the next login attempt, before its password is checked.

    The store counts it (one more failure, until a right password clears the count) only while
    the account is not locked and its count is within ``lowest``..``highest``: the counts for
    which this plan is right. Below the threshold that is a range, so parallel attempts are all
    counted at once; the attempt that reaches the threshold needs the exact count (the lock's
    length depends on it) and sets ``lock_until`` in the same write, so no other attempt is
    checked while its password is.
    """

    lowest: int
    highest: int
    lock_until: datetime | None


def plan_attempt(
    failures: int, locked_until: datetime | None, now: datetime, policy: Policy
) -> AttemptPlan | None:
    """The plan for one more attempt after ``failures`` counted ones; None while locked."""
    if locked_until is not None and locked_until > now:
        return None
    duration = lock_duration(failures + 1, policy)
    if duration is None:
        return AttemptPlan(0, policy.lockout_threshold - 2, None)
    return AttemptPlan(failures, failures, _to_millisecond(now + duration))


def _to_millisecond(moment: datetime) -> datetime:
    # BSON dates keep milliseconds: the lock is compared for equality once stored.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
