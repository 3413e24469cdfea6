"""Charges, payments, adjustments and statements on in-memory fakes (no I/O)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import use_cases
from billing.bootstrap import Billing
from billing.domain import events
from billing.domain.accounts import Account, Holder, Subscription
from billing.domain.idempotency import IdempotencyConflict
from billing.domain.ownership import Viewer
from billing.domain.statement import Movement
from billing.use_cases.adjustments import AdjustmentInput
from billing.use_cases.charges import ChargeInput
from billing.use_cases.payments import PaymentInput
from common.errors import InvalidInput, NotFound
from services.billing.tests.unit.fakes import (
    NOW,
    FakeAccounts,
    FakeInvoices,
    FakeLedger,
    fake_billing,
)

HOLDER = Holder("cedula", "1714307103", "Ana", "Quito", "ana@correo.ec", "")
NUMBER = "+593991234567"
OPERATOR = Viewer("op-1", operator=True)


async def with_account(svc: Billing, account_id: str = "a1", day: int = 1) -> str:
    await svc.accounts.add(Account(account_id, HOLDER, day, "20"))
    return account_id


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    [name] = error.value.fields or {}
    return name


def sim(**changes: str) -> ChargeInput:
    values = {
        "description": "Cambio de SIM",
        "amount": "5.5",
        "tax_code": "4",
        "period": "2026-02",
        "idempotency_key": "sim-1",
    }
    return ChargeInput(**(values | changes))


async def test_a_charge_is_added_once_per_key() -> None:
    svc = fake_billing()
    account_id = await with_account(svc)
    first = await use_cases.charges.add(svc, account_id, sim(), NOW)
    assert first.amount == Decimal("5.50")
    assert await use_cases.charges.add(svc, account_id, sim(amount="5.50"), NOW) == first
    with pytest.raises(IdempotencyConflict):
        await use_cases.charges.add(svc, account_id, sim(amount="6.00"), NOW)
    charges = await svc.charges.for_accounts([account_id], "2026-02")
    assert charges == {account_id: [first]}


async def test_charge_input() -> None:
    svc = fake_billing()
    account_id = await with_account(svc)
    for changes, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": "2.001"}, "amount"),
        ({"tax_code": "9"}, "tax_code"),
        ({"period": "2026-04"}, "period"),  # NOW is in March 2026
        ({"period": "2026-13"}, "period"),
        ({"period": "1999-12"}, "period"),  # periods run from 2000-01 to 2999-12
        ({"description": " "}, "description"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ]:
        with pytest.raises(InvalidInput) as error:
            await use_cases.charges.add(svc, account_id, sim(**changes), NOW)
        assert field_of(error) == field, changes
    assert await use_cases.charges.add(svc, account_id, sim(period="2026-03"), NOW)
    with pytest.raises(NotFound):
        await use_cases.charges.add(svc, "nope", sim(), NOW)


def paid(account_id: str = "a1", **changes: str) -> PaymentInput:
    values = {
        "account_id": account_id,
        "amount": "20.00",
        "paid_at": "2026-03-05T10:30:00-05:00",
        "channel": "banco-pichincha",
        "idempotency_key": "pago-1",
    }
    return PaymentInput(**(values | changes))


async def test_a_payment_replayed_with_its_key_counts_once() -> None:
    ledger = FakeLedger()
    svc = fake_billing(ledger=ledger)
    await with_account(svc)
    first = await use_cases.payments.record(svc, paid(), NOW)
    again = await use_cases.payments.record(svc, paid(), NOW)
    assert again == first and first.on == date(2026, 3, 5)
    assert first.paid_at == datetime(2026, 3, 5, 15, 30, tzinfo=UTC)
    with pytest.raises(IdempotencyConflict):
        await use_cases.payments.record(svc, paid(amount="21"), NOW)
    [event] = ledger.events
    assert event == events.PaymentRecorded(
        first.entry_id, "a1", Decimal("20.00"), first.paid_at, "banco-pichincha"
    )
    assert (await svc.ledger.movements(["a1"]))["a1"][0].amount == Decimal("-20.00")


async def test_payment_input() -> None:
    svc = fake_billing()
    await with_account(svc)
    for request, field in [
        (paid(amount="-1.00"), "amount"),
        (paid(paid_at="2026-03-11T10:00:00-05:00"), "paid_at"),
        # Year 0 in UTC: no datetime can hold it (was a 500).
        (paid(paid_at="0001-01-01T00:00:00+05:00"), "paid_at"),
        (paid(channel=" "), "channel"),
        (paid(channel="x" * 51), "channel"),
        (paid("nope"), "account_id"),
    ]:
        with pytest.raises(InvalidInput) as error:
            await use_cases.payments.record(svc, request, NOW)
        assert field_of(error) == field, request


def credit(**changes: str) -> AdjustmentInput:
    values = {
        "amount": "-3.00",
        "reason": "Compensación",
        "effective_date": "2026-03-10",
        "idempotency_key": "aj-1",
    }
    return AdjustmentInput(**(values | changes))


async def test_adjustments() -> None:
    ledger = FakeLedger()
    svc = fake_billing(ledger=ledger)
    account_id = await with_account(svc)
    first = await use_cases.adjustments.add(svc, account_id, credit(), NOW)
    assert first.amount == Decimal("-3.00") and first.description == "Compensación"
    assert await use_cases.adjustments.add(svc, account_id, credit(), NOW) == first
    with pytest.raises(IdempotencyConflict):
        await use_cases.adjustments.add(svc, account_id, credit(amount="-4"), NOW)
    assert ledger.events == []  # adjustments publish nothing
    # The zero amount is judged before the reason (the first error wins, as before).
    for changes, field in [
        ({"amount": "0", "reason": " "}, "amount"),
        ({"effective_date": "2026-03-11"}, "effective_date"),
        ({"reason": " "}, "reason"),
    ]:
        with pytest.raises(InvalidInput) as error:
            await use_cases.adjustments.add(svc, account_id, credit(**changes), NOW)
        assert field_of(error) == field
    with pytest.raises(NotFound):
        await use_cases.adjustments.add(svc, "nope", credit(), NOW)


async def with_history(svc: Billing, invoices: FakeInvoices) -> None:
    """a1 held the line until 15 December, a2 from the 16th; both with invoices and a payment."""
    accounts = svc.accounts
    assert isinstance(accounts, FakeAccounts)
    for account_id, start, end in [
        ("a1", date(2025, 11, 1), date(2025, 12, 15)),
        ("a2", date(2025, 12, 16), None),
    ]:
        await with_account(svc, account_id)
        sub = Subscription(f"s-{account_id}", NUMBER, "movil", "M-30", start, end)
        account = await use_cases.accounts.get(svc, account_id)
        await use_cases.subscriptions.subscribe(svc, account, sub)
    invoices.by_account["a1"] = [
        Movement(date(2025, 12, 1), "invoice", "Factura nov", Decimal("30.00"), "i-11", "2025-11"),
        Movement(date(2026, 1, 1), "invoice", "Factura dic", Decimal("15.00"), "i-12", "2025-12"),
    ]
    early = paid("a1", amount="5.00", paid_at="2025-11-20T09:00:00-05:00", idempotency_key="p-0")
    await use_cases.payments.record(svc, early, NOW)


async def test_statements_per_account_and_per_line() -> None:
    invoices = FakeInvoices()
    svc = fake_billing(invoices=invoices)
    await with_history(svc, invoices)
    found = await use_cases.statements.of_account(svc, "a1", "2025-12")
    statement = found.statement
    assert found.account_id == "a1" and statement.previous_balance == Decimal("25.00")
    assert (statement.charges, statement.balance_due) == (Decimal("15.00"), Decimal("40.00"))
    assert statement.due_date == date(2026, 1, 16)  # the cut-off + 15 days (settings)
    by_line = await use_cases.statements.of_line(svc, "099 123 4567", "2025-12", OPERATOR)
    assert by_line.account_id == "a2"  # the latest holder in that period
    assert (await use_cases.statements.of_line(svc, NUMBER, "2025-11", OPERATOR)).account_id == "a1"
    with pytest.raises(NotFound) as before:
        await use_cases.statements.of_line(svc, NUMBER, "2025-10", OPERATOR)
    assert before.value.message == "Esta línea no tuvo una suscripción en ese periodo."


async def test_statement_input() -> None:
    svc = fake_billing()
    await with_account(svc)
    with pytest.raises(InvalidInput) as bad_line:
        await use_cases.statements.of_line(svc, "1", "2025-11", OPERATOR)
    assert bad_line.value.fields == {"line": "El número de teléfono no es válido."}
    with pytest.raises(InvalidInput) as bad_period:
        await use_cases.statements.of_account(svc, "a1", "2025-1")
    assert bad_period.value.fields == {"period": "Use el formato AAAA-MM (de 2000-01 a 2999-12)."}
    # Their last day would be in year 10000, their first in year 0 (both were a 500).
    for period in ("9999-12", "0000-01"):
        with pytest.raises(InvalidInput) as out_of_range:
            await use_cases.statements.of_account(svc, "a1", period)
        assert set(out_of_range.value.fields or {}) == {"period"}
    with pytest.raises(NotFound):
        await use_cases.statements.of_account(svc, "nope", "2025-11")
