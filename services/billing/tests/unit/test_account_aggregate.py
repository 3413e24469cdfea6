"""The account aggregate and the ledger: the rules the store used to decide, and the domain
events they raise (mapped to the unchanged wire events by billing/events.py)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.domain import events, inputs
from billing.domain.accounts import (
    Account,
    AlreadyEnded,
    Holder,
    NumberHolding,
    NumberInUse,
    Subscription,
    holding_account,
)
from billing.domain.ledger import LedgerEntry, adjustment_amount, effective_date
from billing.events import to_wire
from common.contracts import billing as wire
from common.errors import InvalidInput, NotFound

HOLDER = Holder("cedula", "1714307103", "Ana", "Quito", "ana@correo.ec", "")
JAN = date(2026, 1, 1)


def account(account_id: str = "a1", *subscriptions: Subscription, day: int = 1) -> Account:
    return Account(account_id, HOLDER, day, "20", subscriptions)


def line(
    sid: str = "s1", start: date = JAN, end: date | None = None, number: str = "0991234567"
) -> Subscription:
    return Subscription(sid, number, "movil", "M-30", start, end)


def test_subscribing_raises_subscription_activated_with_the_holder() -> None:
    changed = account().subscribe(line(), "Plan Móvil 30")
    assert changed.subscriptions == (line(),)
    [event] = changed.events
    assert event == events.SubscriptionActivated(
        "a1",
        "s1",
        "+593991234567",
        "movil",
        "M-30",
        "cedula",
        "1714307103",
        JAN,
        None,
        contact_mobile=None,  # the holder gave no phone
        plan_name="Plan Móvil 30",
    )
    assert account().events == ()  # the original is unchanged (values, not mutation)
    assert account().subscribe(line()).events[0].plan_name is None  # a plan the caller lacks


def test_the_holders_mobile_is_where_codes_for_fixed_services_go() -> None:
    """lines sends the SMS code of a fixed, internet or TV service to the contract's mobile."""
    with_mobile = Account("a1", replace(HOLDER, phone="099 123 4567"), 1, "20", ())
    [event] = with_mobile.subscribe(line(number="022345678")).events
    assert event.contact_mobile == "+593991234567"
    with_landline = Account("a1", replace(HOLDER, phone="(02) 234-5678"), 1, "20", ())
    [event] = with_landline.subscribe(line(number="042345678")).events
    assert event.contact_mobile is None


def test_subscriptions_stay_in_start_order() -> None:
    later, earlier = line("s2", date(2026, 3, 1)), line("s1", JAN, date(2026, 2, 28))
    changed = account().subscribe(later).subscribe(earlier)
    assert [s.subscription_id for s in changed.subscriptions] == ["s1", "s2"]


def test_ending_raises_subscription_ended_once() -> None:
    ended = account("a1", line()).end_subscription("s1", date(2026, 2, 28), "Plan Móvil 30")
    assert ended.subscription("s1").end_date == date(2026, 2, 28)
    [event] = ended.events
    assert isinstance(event, events.SubscriptionEnded) and event.end_date == date(2026, 2, 28)
    assert event.plan_name == "Plan Móvil 30"
    again = replace(ended, events=()).end_subscription("s1", date(2026, 2, 28))
    assert again.events == ()  # the same end again changes nothing


def test_an_end_only_comes_forward() -> None:
    ended = account("a1", line(end=date(2026, 2, 28)))
    with pytest.raises(AlreadyEnded) as error:
        ended.end_subscription("s1", date(2026, 3, 31))
    message = "La suscripción ya termina el 28/02/2026; no se puede extender."
    assert (error.value.status, error.value.code, error.value.message) == (
        409,
        "already_ended",
        message,
    )
    assert error.value.fields == {"end_date": message}
    earlier = ended.end_subscription("s1", date(2026, 1, 31))
    assert earlier.subscription("s1").end_date == date(2026, 1, 31)


def test_ending_before_the_start_or_an_unknown_subscription() -> None:
    with pytest.raises(InvalidInput) as error:
        account("a1", line()).end_subscription("s1", date(2025, 12, 31))
    assert error.value.fields == {"end_date": "La fecha de fin es anterior a la de inicio."}
    with pytest.raises(NotFound) as missing:
        account("a1", line()).end_subscription("nope", JAN)
    assert missing.value.message == "La cuenta no tiene esa suscripción."


def test_a_number_is_free_replayed_or_in_use() -> None:
    held = NumberHolding("a1", line("s1", JAN, date(2026, 1, 31)))
    new = line("s2", date(2026, 2, 1))
    assert account("a2").replayed_or_free(new, [held]) is None  # free from the day after
    with pytest.raises(NumberInUse) as error:
        account("a2").replayed_or_free(line("s2", date(2026, 1, 31)), [held])
    message = "Este número ya tiene una suscripción vigente en esas fechas."
    assert (error.value.code, error.value.fields) == ("number_in_use", {"number": message})
    # The same request for the same account is a replay; for another account it is a conflict.
    same = line("s9", JAN, date(2026, 1, 31))
    assert account("a1").replayed_or_free(same, [held]) == held.subscription
    with pytest.raises(NumberInUse):
        account("a2").replayed_or_free(same, [held])


def test_replays_of_an_account_compare_the_request_only() -> None:
    first = account("a1", line())
    assert first.same_request(account("a2"))  # subscriptions added since do not count
    assert not first.same_request(account("a2", day=15))


def test_a_migrated_account_activates_each_subscription() -> None:
    migrated = Account.migrated(
        account("a1", line("s1"), line("s2", number="0987654321")), {"M-30": "Plan Móvil 30"}
    )
    assert [type(e).__name__ for e in migrated.events] == ["SubscriptionActivated"] * 2
    assert {e.plan_name for e in migrated.events} == {"Plan Móvil 30"}
    names = {"M-30": "Plan Móvil 30"}
    assert Account.migrated(migrated, names).events == migrated.events  # idempotent


def test_the_account_holding_a_line_in_a_period() -> None:
    first = account("a1", line("s1", JAN, date(2026, 1, 15)))
    second = account("a2", line("s2", date(2026, 1, 16)))
    assert holding_account([first, second], "+593991234567", "2026-01") == second  # the latest
    assert holding_account([first, second], "+593991234567", "2025-12") is None
    assert holding_account([first], "+593991234567", "2026-02") is None


def test_wire_events_keep_their_payloads() -> None:
    holder = replace(HOLDER, phone="0987654321")
    subscribed = Account("a1", holder, 1, "20").subscribe(line(), "Plan Móvil 30")
    activated = to_wire(subscribed.events[0])
    assert isinstance(activated, wire.SubscriptionActivated)
    assert activated.data.model_dump() == {
        "subscription_id": "s1",
        "account_id": "a1",
        "number": "+593991234567",
        "service_type": "movil",
        "plan_code": "M-30",
        "plan_name": "Plan Móvil 30",
        "holder_id_type": "cedula",
        "holder_id_number": "1714307103",
        "start_date": JAN,
        "end_date": None,
        "contact_mobile": "+593987654321",
    }
    assert activated.to_document()["key"] == "+593991234567"
    paid_at = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
    payment = LedgerEntry.payment("p1", "a1", Decimal("20.00"), paid_at, "banco", "k1")
    recorded = to_wire(payment.events[0])
    assert isinstance(recorded, wire.PaymentRecorded)
    assert recorded.data.model_dump() == {
        "payment_id": "p1",
        "account_id": "a1",
        "amount": "20.00",
        "paid_at": paid_at,
        "channel": "banco",
    }
    assert recorded.to_document()["key"] == "a1"


def test_a_payment_counts_on_its_ecuadorian_day() -> None:
    late = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)  # still 31 January in Quito
    payment = LedgerEntry.payment("p1", "a1", Decimal("5.00"), late, "banco", "k")
    assert payment.on == date(2026, 1, 31) and payment.description == "Pago recibido (banco)"
    assert payment.movement().amount == Decimal("-5.00")
    assert payment.same_request(replace(payment, entry_id="p2"))
    assert not payment.same_request(replace(payment, entry_id="p2", amount=Decimal("6.00")))


def test_adjustment_rules() -> None:
    with pytest.raises(InvalidInput) as zero:
        adjustment_amount(Decimal("0.00"))
    assert zero.value.fields == {"amount": "Un ajuste no puede ser cero."}
    with pytest.raises(InvalidInput) as future:
        effective_date(date(2026, 3, 11), today=date(2026, 3, 10))
    assert list(future.value.fields or {}) == ["effective_date"]
    assert effective_date(date(2026, 3, 10), today=date(2026, 3, 10)) == date(2026, 3, 10)
    credit = LedgerEntry.adjustment("j1", "a1", Decimal("-3.00"), JAN, "Compensación", "k")
    assert credit.events == () and credit.movement().amount == Decimal("-3.00")


def test_payment_times() -> None:
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    bare = inputs.paid_at("2026-03-10T09:30:00.123456", now)  # Ecuador's clock
    assert bare == datetime(2026, 3, 10, 14, 30, 0, 123000, tzinfo=UTC)  # milliseconds kept
    assert inputs.paid_at((now + timedelta(minutes=4)).isoformat(), now)  # clock skew
    for text, message in [
        ((now + timedelta(minutes=6)).isoformat(), "La fecha de pago no puede estar en el futuro."),
        ("ayer", "Use fecha y hora ISO 8601, por ejemplo 2026-11-05T10:30:00-05:00."),
    ]:
        with pytest.raises(InvalidInput) as error:
            inputs.paid_at(text, now)
        assert error.value.fields == {"paid_at": message}
