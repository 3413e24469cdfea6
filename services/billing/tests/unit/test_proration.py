"""Prorating a monthly fee by active days (all dates inclusive)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.proration import active_days, prorate

START, END = date(2026, 11, 1), date(2026, 11, 30)
FEE = Decimal("25.99")


def test_full_period_is_exactly_the_fee() -> None:
    assert prorate(FEE, START, END, date(2026, 1, 1), None) == FEE
    assert prorate(FEE, START, END, START, END) == FEE
    assert str(prorate(Decimal(30), START, END, START, None)) == "30.00"


def test_no_overlap_is_zero() -> None:
    assert str(prorate(FEE, START, END, date(2026, 12, 1), None)) == "0.00"
    assert prorate(FEE, START, END, date(2026, 1, 1), date(2026, 10, 31)) == 0


def test_partial_periods() -> None:
    # 15 of 30 days: 12.995 → 13.00 (half-up).
    assert str(prorate(FEE, START, END, date(2026, 11, 16), None)) == "13.00"
    assert str(prorate(FEE, START, END, START, date(2026, 11, 15))) == "13.00"
    # One day of 30: 0.8663… → 0.87.
    assert str(prorate(FEE, START, END, END, None)) == "0.87"
    assert active_days(START, END, date(2026, 11, 10), date(2026, 11, 12)) == 3


@pytest.mark.parametrize(
    "args",
    [
        (Decimal("-1.00"), START, END, START, None),
        (Decimal("1.001"), START, END, START, None),
        (Decimal("NaN"), START, END, START, None),
        (25.99, START, END, START, None),
        (FEE, END, START, START, None),
        (FEE, START, END, END, START),
    ],
)
def test_rejects(args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        prorate(*args)  # type: ignore[arg-type]


fees = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300)
@given(fees, days, st.integers(0, 365), days, st.one_of(st.none(), days))
def test_result_is_between_zero_and_the_fee(
    fee: Decimal, start: date, length: int, active_from: date, active_to: date | None
) -> None:
    if active_to is not None and active_to < active_from:
        active_from, active_to = active_to, active_from
    result = prorate(fee, start, start + timedelta(days=length), active_from, active_to)
    assert 0 <= result <= fee
    assert result.as_tuple().exponent == -2


@settings(max_examples=300)
@given(fees, days, st.integers(1, 365), st.data())
def test_two_subscriptions_covering_the_period_sum_to_the_fee(
    fee: Decimal, start: date, length: int, data: st.DataObject
) -> None:
    end = start + timedelta(days=length)
    split = start + timedelta(days=data.draw(st.integers(0, length - 1)))  # last day of the first
    first = prorate(fee, start, end, start - timedelta(days=3), split)
    second = prorate(fee, start, end, split + timedelta(days=1), None)
    assert abs(first + second - fee) <= Decimal("0.01")
