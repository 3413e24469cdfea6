"""Prorating a monthly fee over the days a subscription was active within a billing period."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from billing.domain.money import round_fiscal


def _days(first: date, last: date) -> int:
    """Days from ``first`` to ``last``, both included (0 if last is before first)."""
    return max((last - first).days + 1, 0)


def active_days(
    period_start: date, period_end: date, active_from: date, active_to: date | None
) -> int:
    """Days of the period (both ends included) on which the subscription was active."""
    last = period_end if active_to is None else min(period_end, active_to)
    return _days(max(period_start, active_from), last)


def prorate(
    monthly_fee: Decimal,
    period_start: date,
    period_end: date,
    active_from: date,
    active_to: date | None,
) -> Decimal:
    """fee × active days / days in the period, rounded half-up to 2 decimals.

    All dates are inclusive; ``active_to`` None means still active. The whole period gives exactly
    the fee and no overlap gives 0.00. Computed on integer cents, so no intermediate rounding.
    """
    if not isinstance(monthly_fee, Decimal) or not monthly_fee.is_finite() or monthly_fee < 0:
        raise ValueError(f"monthly_fee must be a finite, non-negative Decimal, got {monthly_fee!r}")
    if round_fiscal(monthly_fee) != monthly_fee:
        raise ValueError(f"monthly_fee has at most 2 decimals, got {monthly_fee}")
    if period_end < period_start:
        raise ValueError(f"period ends ({period_end}) before it starts ({period_start})")
    if active_to is not None and active_to < active_from:
        raise ValueError(f"subscription ends ({active_to}) before it starts ({active_from})")
    total = _days(period_start, period_end)
    active = active_days(period_start, period_end, active_from, active_to)
    cents = int(monthly_fee.scaleb(2))
    # Half-up on non-negative integers: floor((2·cents·active + total) / (2·total)).
    prorated = (2 * cents * active + total) // (2 * total)
    return Decimal(prorated).scaleb(-2)


def split_by_days(amount: Decimal, days: Sequence[int]) -> list[Decimal]:
    """``amount`` shared over consecutive spans of ``days`` days, in proportion to their days.

    Each share is the difference of the half-up rounded cumulative shares, so the shares add up
    to ``amount`` exactly (a period split at a tax change costs what it would unsplit).
    """
    if any(d <= 0 for d in days) or not days:
        raise ValueError(f"spans need a positive number of days each, got {list(days)}")
    if round_fiscal(amount) != amount or amount < 0:
        raise ValueError(f"amount must be non-negative with at most 2 decimals, got {amount}")
    cents, total = int(amount.scaleb(2)), sum(days)
    shares, before, seen = [], 0, 0
    for span in days:
        seen += span
        upto = (2 * cents * seen + total) // (2 * total)
        shares.append(Decimal(upto - before).scaleb(-2))
        before = upto
    return shares
