"""Bootstrap without I/O, the spec, the consumers on an in-memory broker, the start-up backfill
and the counters' clean-up."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from common.contracts.billing import SubscriberData, SubscriptionActivated, SubscriptionEnded
from common.testing import InMemoryRuntime
from lines import app
from lines.bootstrap import bootstrap
from lines.use_cases.directory import clean_up_counters
from services.lines.tests.unit.fakes import MOBILE, NOW, SETTINGS, Fakes, subscription


def test_bootstrap_connects_to_nothing_and_takes_overrides(fakes: Fakes) -> None:
    svc = bootstrap(SETTINGS)
    assert type(svc.lines).__name__ == "LineStore"
    assert type(svc.history).__name__ == "KafkaSubscriberHistory"
    assert app.build(SETTINGS).state.runtime.outbox_collections == ["lines"]
    faked = bootstrap(SETTINGS, lines=fakes.lines)
    assert faked.lines is fakes.lines and faked.policy == SETTINGS.policy()


def test_the_spec() -> None:
    assert [e.topic for e in app.SPEC.publishes] == [
        "lines.line-verification-requested",
        "lines.line-registered",
        "lines.line-removed",
    ]
    assert app.SPEC.consumers is not None and app.SPEC.consumers.group == "lines"
    assert {e.topic for e in app.SPEC.consumers.events} == {
        "billing.subscription-activated",
        "billing.subscription-ended",
        "billing.invoice-issued",
    }
    assert [s.__name__ for s in app.SPEC.startup] == ["backfill_directory"]


def _data(**changes: Any) -> SubscriberData:
    values: dict[str, Any] = {
        "subscription_id": "s1",
        "account_id": "a1",
        "number": MOBILE,
        "service_type": "movil",
        "plan_code": "MOVIL-30",
        "holder_id_type": "cedula",
        "holder_id_number": "1714307103",
        "start_date": date(2026, 1, 1),
    }
    return SubscriberData(**(values | changes))


async def _publish(application: FastAPI, event: Any) -> None:
    await application.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


async def test_consumers_keep_the_directory_whatever_the_order(fakes: Fakes) -> None:
    application = fakes.app()
    application.state.runtime.broker.context.set_global("runtime", InMemoryRuntime())
    ended = SubscriptionEnded(
        data=_data(end_date=date(2026, 3, 31)), occurred_at=NOW + timedelta(days=1)
    )
    activated = SubscriptionActivated(data=_data(plan_name="Plan Móvil 30"), occurred_at=NOW)
    async with TestKafkaBroker(application.state.runtime.broker):
        await _publish(application, ended)
        await _publish(application, activated)
    (entry,) = await fakes.subscribers.of_number(MOBILE)
    assert (entry.end_date, entry.account_id) == (date(2026, 3, 31), "a1")


async def test_the_backfill_runs_once_per_database(fakes: Fakes) -> None:
    fakes.history.events = [subscription(), subscription(end_date=date(2026, 5, 31))]
    svc = fakes.service()
    await app.backfill_directory(svc)
    assert fakes.subscribers.backfill == (NOW, 2)
    (entry,) = await fakes.subscribers.of_number(MOBILE)
    assert entry.end_date == date(2026, 5, 31)
    await app.backfill_directory(svc)
    assert fakes.history.reads == 1


async def test_a_failed_backfill_does_not_stop_the_start(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> Any:
        raise ConnectionError("kafka down")
        yield  # pragma: no cover

    monkeypatch.setattr(fakes.history, "subscriptions", broken)
    await app.backfill_directory(fakes.service())
    assert fakes.subscribers.backfill is None  # the next start tries again


async def test_past_days_counters_are_deleted(fakes: Fakes) -> None:
    await fakes.counters.increment("user:u:2026-03-09", "2026-03-09")
    await fakes.counters.increment("user:u:2026-03-10", "2026-03-10")
    await clean_up_counters(fakes.service(), datetime(2026, 3, 10, 0, 1, tzinfo=UTC))
    assert fakes.counters.counts == {"user:u:2026-03-10": 1}
