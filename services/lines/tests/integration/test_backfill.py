"""The start-up backfill against the real Kafka: billing's subscription topics read from the
beginning to their end, with no consumer group, into a fresh database."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from common.contracts.base import Event
from common.contracts.billing import SubscriberData, SubscriptionActivated, SubscriptionEnded
from common.messaging import ensure_topics
from lines import app
from lines.bootstrap import bootstrap
from lines.settings import LinesSettings
from services.lines.tests.integration.conftest import unique_number
from tests.kafka_support import produce, security
from tests.support import KAFKA


def subscriber(number: str, **changes: Any) -> SubscriberData:
    values: dict[str, Any] = {
        "subscription_id": f"test-{uuid.uuid4().hex}",
        "account_id": f"test-{uuid.uuid4().hex[:8]}",
        "number": number,
        "service_type": "movil",
        "plan_code": "MOVIL-30",
        "plan_name": "Plan Móvil 30",
        "holder_id_type": "cedula",
        "holder_id_number": "1714307103",
        "start_date": date(2026, 1, 1),
    }
    return SubscriberData(**(values | changes))


async def publish(event: Event) -> None:
    await produce(
        event.topic,
        event.model_dump_json().encode(),
        event.key().encode(),
        event.cloudevents_headers(),
    )


async def test_the_backfill_reads_both_topics_to_their_end(
    make_settings: Callable[..., LinesSettings],
) -> None:
    await ensure_topics(KAFKA, [SubscriptionActivated.topic, SubscriptionEnded.topic], **security())
    ending, staying = unique_number(), unique_number()
    ended = subscriber(ending)
    # The ending published first: the backfill reads partitions in no particular order.
    await publish(SubscriptionEnded(data=ended.model_copy(update={"end_date": date(2026, 2, 28)})))
    await publish(SubscriptionActivated(data=ended))
    await publish(SubscriptionActivated(data=subscriber(staying, contact_mobile=staying)))

    svc = bootstrap(make_settings())
    try:
        await app.backfill_directory(svc)
        (gone,) = await svc.subscribers.of_number(ending)
        (active,) = await svc.subscribers.of_number(staying)
        assert (gone.subscription_id, gone.end_date) == (ended.subscription_id, date(2026, 2, 28))
        assert (active.end_date, active.contact_mobile, active.plan_name) == (
            None,
            staying,
            "Plan Móvil 30",
        )
        assert await svc.subscribers.backfilled()

        # Once done, a restart does not read the topics again.
        later = unique_number()
        await publish(SubscriptionActivated(data=subscriber(later)))
        await app.backfill_directory(svc)
        assert await svc.subscribers.of_number(later) == []
    finally:
        await svc.runtime.database.close()
