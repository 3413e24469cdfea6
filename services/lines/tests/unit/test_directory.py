"""The subscriber directory's merge (any order, same result), who is active when, and the
invoice summaries' rank."""

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lines.domain.directory import (
    Subscription,
    SubscriptionStatus,
    current,
    ecuador_day,
    status_on,
)
from services.lines.tests.unit.fakes import invoice, subscription

T0 = datetime(2026, 1, 1, tzinfo=UTC)

descriptions = st.builds(
    lambda minutes, end, plan, contact: subscription(
        as_of=T0 + timedelta(minutes=minutes),
        end_date=None if end is None else date(2026, 1, 1) + timedelta(days=end),
        plan_name=plan,
        contact_mobile=contact,
    ),
    st.integers(0, 5),
    st.none() | st.integers(0, 400),
    st.sampled_from([None, "Plan A", "Plan B"]),
    st.sampled_from([None, "+593987654321", "+593987654300"]),
)


def merge_all(events: list[Subscription]) -> Subscription:
    merged = events[0]
    for event in events[1:]:
        merged = merged.merged(event)
    return merged


@given(st.lists(descriptions, min_size=1, max_size=4))
def test_any_order_of_events_gives_the_same_subscription(events: list[Subscription]) -> None:
    results = {merge_all(list(order)) for order in itertools.permutations(events)}
    assert len(results) == 1
    (result,) = results
    ends = [e.end_date for e in events if e.end_date is not None]
    assert result.end_date == (min(ends) if ends else None)
    assert result.merged(events[0]) == result  # a replay changes nothing


def test_the_newest_description_wins_but_an_end_date_only_comes_forward() -> None:
    activated = subscription(as_of=T0, plan_name="Plan A")
    ended = subscription(as_of=T0 + timedelta(days=30), end_date=date(2026, 3, 31))
    renamed = subscription(as_of=T0 + timedelta(days=40), plan_name="Plan B")
    merged = activated.merged(ended).merged(renamed)
    assert (merged.plan_name, merged.end_date) == ("Plan B", date(2026, 3, 31))
    earlier = subscription(as_of=T0, end_date=date(2026, 2, 28))
    assert merged.merged(earlier).end_date == date(2026, 2, 28)


def test_active_from_start_to_end_inclusive() -> None:
    sub = subscription(start_date=date(2026, 2, 1), end_date=date(2026, 2, 28))
    assert not sub.active_on(date(2026, 1, 31))
    assert sub.active_on(date(2026, 2, 1)) and sub.active_on(date(2026, 2, 28))
    assert not sub.active_on(date(2026, 3, 1))
    assert subscription(end_date=None).active_on(date(2099, 1, 1))


def test_the_current_subscription_and_consultar_status() -> None:
    day = date(2026, 3, 10)
    old = subscription(subscription_id="old", end_date=date(2026, 2, 28))
    new = subscription(subscription_id="new", start_date=date(2026, 3, 1), account_id="acc-2")
    future = subscription(subscription_id="future", start_date=date(2026, 4, 1))
    assert current([old, new, future], day) == new
    assert status_on([old, new], day) == (SubscriptionStatus.ACTIVE, new)
    assert status_on([old, future], day) == (SubscriptionStatus.ENDED, old)
    assert status_on([future], day) == (SubscriptionStatus.UNKNOWN, None)
    assert status_on([], day) == (SubscriptionStatus.UNKNOWN, None)


def test_the_plan_as_the_customer_knows_it() -> None:
    assert subscription(plan_name="Plan Móvil 30").plan_label == "Plan Móvil 30"
    assert subscription(plan_name=None, plan_code="MOVIL-30").plan_label == "MOVIL-30"


def test_contract_days_are_ecuadors() -> None:
    assert ecuador_day(datetime(2026, 3, 11, 4, 59, tzinfo=UTC)) == date(2026, 3, 10)
    assert ecuador_day(datetime(2026, 3, 11, 5, 0, tzinfo=UTC)) == date(2026, 3, 11)


def test_invoices_rank_by_period_then_issue_date() -> None:
    february, march = invoice(period="2026-02"), invoice(period="2026-03")
    assert february.rank < march.rank
    reissued = invoice(period="2026-02", issue_date=date(2026, 2, 5), invoice_id="inv-b")
    assert february.rank < reissued.rank < march.rank
