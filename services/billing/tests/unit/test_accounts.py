"""Accounts, billing periods, statements and bill lines: the pure domain behind the admin API."""

from datetime import date
from decimal import Decimal

import pytest

from billing.domain.accounts import (
    Account,
    Holder,
    Plan,
    Subscription,
    check_id,
    normalize_number,
)
from billing.domain.bill import Charge, UnknownPlan, bill_lines
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from common.errors import InvalidInput

CEDULA = "1714307103"


def holder(id_type: str = "cedula", id_number: str = CEDULA, **changes: str) -> Holder:
    values = {
        "name": "María Pérez",
        "address": "Av. Amazonas N1-23, Quito",
        "email": "maria@correo.ec",
        "phone": "0991234567",
    } | changes
    return Holder(id_type, id_number, **values)  # type: ignore[arg-type]


# --- holders and identification -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("cedula", CEDULA),
        ("ruc", "1790011674001"),  # private company
        ("ruc", "1760001550001"),  # public entity
        ("ruc", "1714307103001"),  # natural person: cédula + establishment
    ],
)
def test_valid_identifications(id_type: str, number: str) -> None:
    assert holder(id_type, f" {number} ").id_number == number


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("cedula", "1714307104"),  # wrong check digit
        ("cedula", "171430710"),
        ("cedula", "17143071O3"),
        ("ruc", "1790011675001"),
        ("ruc", "1714307103000"),  # establishment 000
        ("ruc", CEDULA),
        ("passport", "A1"),
        ("passport", "AB-1234"),
    ],
)
def test_invalid_identifications_name_the_field(id_type: str, number: str) -> None:
    with pytest.raises(InvalidInput) as error:
        holder(id_type, number)
    assert list(error.value.fields or {}) == ["id_number"]


def test_passport_is_upper_cased_and_unknown_types_are_refused() -> None:
    assert holder("passport", " ab123456 ").id_number == "AB123456"
    with pytest.raises(InvalidInput) as error:
        check_id("dni", CEDULA)
    assert list(error.value.fields or {}) == ["id_type"]


def test_holder_fields_are_cleaned_and_checked() -> None:
    h = holder(name=" Ana\nRuiz ", phone="")
    assert h.name == "Ana Ruiz" and h.phone == ""
    assert h.buyer().id_type == "05" and holder("ruc", "1790011674001").buyer().id_type == "04"
    for field, value in [("email", "no-es-correo"), ("name", "  "), ("phone", "12345")]:
        with pytest.raises(InvalidInput) as error:
            holder(**{field: value})
        assert list(error.value.fields or {}) == [field]


@pytest.mark.parametrize("text", ["0991234567", "099 123 4567", "+593 99 123 4567", "593991234567"])
def test_numbers_become_e164(text: str) -> None:
    assert normalize_number(text) == "+593991234567"


@pytest.mark.parametrize("text", ["12345", "+14155550123", "abc", ""])
def test_bad_numbers(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_number(text)
    assert list(error.value.fields or {}) == ["number"]


def test_account_checks_cycle_day_and_payment_method() -> None:
    with pytest.raises(InvalidInput) as error:
        Account("a1", holder(), 29, "20")
    assert list(error.value.fields or {}) == ["cycle_day"]
    with pytest.raises(InvalidInput) as error:
        Account("a1", holder(), 1, "99")
    assert list(error.value.fields or {}) == ["payment_method"]


def test_subscription_dates_and_discount() -> None:
    sub = Subscription("s1", "0991234567", "movil", "M-15", date(2026, 3, 10))
    assert sub.number == "+593991234567"
    assert sub.active_between(date(2026, 3, 1), date(2026, 3, 10))
    assert not sub.active_between(date(2026, 2, 1), date(2026, 3, 9))
    assert not sub.ended(date(2026, 3, 31)).active_between(date(2026, 4, 1), date(2026, 4, 30))
    with pytest.raises(InvalidInput):
        sub.ended(date(2026, 3, 9))
    with pytest.raises(InvalidInput) as error:
        Subscription("s1", "0991234567", "movil", "M", date(2026, 3, 1), None, Decimal("-1"))
    assert list(error.value.fields or {}) == ["monthly_discount"]


# --- billing periods ------------------------------------------------------------------------------


def test_cycle_day_one_is_the_calendar_month() -> None:
    period = BillingPeriod.of("2026-02")
    assert (period.start, period.end, period.cutoff) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        date(2026, 3, 1),
    )


def test_cycle_day_15() -> None:
    period = BillingPeriod.of("2026-10", 15)
    assert (period.start, period.end, period.cutoff) == (
        date(2026, 10, 15),
        date(2026, 11, 14),
        date(2026, 11, 15),
    )
    assert BillingPeriod.containing(date(2026, 11, 14), 15) == period
    assert BillingPeriod.containing(date(2026, 11, 15), 15).label == "2026-11"
    assert not period.is_closed(date(2026, 11, 14)) and period.is_closed(date(2026, 11, 15))


def test_december_crosses_the_year() -> None:
    december = BillingPeriod.of("2026-12", 15)
    assert (december.end, december.cutoff) == (date(2027, 1, 14), date(2027, 1, 15))
    assert december.next.label == "2027-01" and december.next.previous == december
    assert BillingPeriod.of("2027-01").previous.label == "2026-12"
    assert BillingPeriod.containing(date(2027, 1, 10), 15) == december


@pytest.mark.parametrize(("text", "day"), [("2026-13", 1), ("2026-1", 1), ("2026-10", 29)])
def test_bad_periods(text: str, day: int) -> None:
    with pytest.raises(ValueError):
        BillingPeriod.of(text, day)


# --- statements -----------------------------------------------------------------------------------

NOV = BillingPeriod.of("2026-11")  # 1–30 November, cut-off 1 December


def invoice(period: str, amount: str) -> Movement:
    return Movement(date(2026, 12, 1), "invoice", "Factura", Decimal(amount), period, period)


def payment(day: date, amount: str) -> Movement:
    return Movement(day, "payment", "Pago", -Decimal(amount), f"p-{day}")


def adjustment(day: date, amount: str) -> Movement:
    return Movement(day, "adjustment", "Ajuste", Decimal(amount), f"a-{day}")


def test_statement_windows() -> None:
    movements = [
        invoice("2026-10", "40.00"),  # before: previous balance
        payment(date(2026, 10, 31), "10.00"),  # day before the start: previous balance
        payment(date(2026, 11, 1), "25.00"),  # first day: inside
        adjustment(date(2026, 11, 30), "-2.50"),  # last day: inside
        adjustment(date(2026, 11, 15), "1.00"),
        invoice("2026-11", "34.50"),  # the period's own invoice, issued on the cut-off
        payment(date(2026, 12, 1), "99.00"),  # after the period: not in this statement
        invoice("2026-12", "99.00"),
    ]
    s = build_statement(NOV, movements, due_days=15)
    assert (s.period_start, s.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert s.previous_balance == Decimal("30.00")
    assert s.payments == Decimal("25.00")
    assert s.charges == Decimal("34.50")
    assert s.adjustments == Decimal("-1.50")
    assert s.balance_due == Decimal("38.00")  # 30 − 25 + 34.50 − 1.50
    assert s.due_date == date(2026, 12, 16)
    assert [m.kind for m in s.movements] == ["payment", "adjustment", "adjustment", "invoice"]


def test_empty_statement_and_credit_balance() -> None:
    empty = build_statement(NOV, [], due_days=15)
    assert (empty.previous_balance, empty.balance_due) == (Decimal("0.00"), Decimal("0.00"))
    credit = build_statement(NOV, [payment(date(2026, 11, 3), "12.00")], due_days=10)
    assert credit.balance_due == Decimal("-12.00") and credit.due_date == date(2026, 12, 11)


# --- bill lines -----------------------------------------------------------------------------------

PLAN = Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00"))
PLANS = {PLAN.code: PLAN}


def account(*subs: Subscription) -> Account:
    return Account("a1", holder(), 1, "20", subs)


def sub(
    start: date, end: date | None = None, discount: str = "0.00", sid: str = "s1"
) -> Subscription:
    return Subscription(sid, "0991234567", "movil", PLAN.code, start, end, Decimal(discount))


def test_full_period_bills_the_fee() -> None:
    [line] = bill_lines(account(sub(date(2026, 1, 1))), PLANS, NOV)
    assert line.unit_price == Decimal("30.00") and line.discount == Decimal("0.00")
    assert line.description == "Plan Móvil 30 +593991234567 del 01/11/2026 al 30/11/2026"


def test_proration_and_discount() -> None:
    # 16–30 November: 15 of 30 days → half the fee and half the 6.00 monthly discount.
    [line] = bill_lines(account(sub(date(2026, 11, 16), discount="6.00")), PLANS, NOV)
    assert (line.unit_price, line.discount) == (Decimal("15.00"), Decimal("3.00"))
    assert line.precio_total_sin_impuesto == Decimal("12.00")
    assert line.description.endswith("del 16/11/2026 al 30/11/2026, 15 días")
    # Ended on the 10th: 10 days → 10.00.
    [ended] = bill_lines(account(sub(date(2026, 1, 1), date(2026, 11, 10))), PLANS, NOV)
    assert ended.unit_price == Decimal("10.00")


def test_discount_is_capped_at_the_fee() -> None:
    free = Plan("M-0", "Plan gratuito", "movil", Decimal("5.00"))
    subscription = Subscription(
        "s1", "0991234567", "movil", "M-0", date(2026, 1, 1), None, Decimal(9)
    )
    [line] = bill_lines(account(subscription), {"M-0": free}, NOV)
    assert line.discount == line.unit_price == Decimal("5.00")


def test_charges_of_the_period_follow_the_plans() -> None:
    charges = [
        Charge("c1", "Cambio de SIM", Decimal("5.00"), "4", "2026-11"),
        Charge("c2", "Reconexión", Decimal("2.00"), "0", "2026-10"),  # another period
    ]
    lines = bill_lines(account(sub(date(2026, 1, 1))), PLANS, NOV, charges)
    assert [(line.code, line.unit_price) for line in lines] == [
        ("M-30", Decimal("30.00")),
        ("CARGO", Decimal("5.00")),
    ]
    # Charges alone (no active subscription) still make lines.
    [only] = bill_lines(account(sub(date(2025, 1, 1), date(2025, 12, 31))), PLANS, NOV, charges)
    assert only.description == "Cambio de SIM"


def test_nothing_to_bill_and_unknown_plans() -> None:
    assert bill_lines(account(sub(date(2026, 12, 1))), PLANS, NOV) == ()
    with pytest.raises(UnknownPlan):
        bill_lines(account(sub(date(2026, 1, 1))), {}, NOV)


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "1.005"])
def test_charges_are_positive_cents(amount: str) -> None:
    with pytest.raises(ValueError):
        Charge("c", "Cargo", Decimal(amount), "4", "2026-11")
