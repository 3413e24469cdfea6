"""No event waits for the outbox sweep: every write that carries events wakes the relay.

`make test` runs the services with a sweep every hour (OUTBOX_SWEEP_SECONDS=3600), so an event
whose write did not wake the relay would arrive an hour late. Each use case below that writes
events must see them on Kafka within seconds, and no service's relay may find an event by
sweeping while they run. (Bill runs and SRI outcomes: tests/e2e/test_billing_flow.py waits for
InvoiceIssued the same way.)
"""

import asyncio
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.billing_support import BILLING, holder, mobile_number, operator_headers
from tests.kafka_support import all_records, find_record
from tests.support import (
    IDENTITY,
    link_token,
    register,
    registration,
    unique_email,
    wait_for_mail,
    with_captcha,
)

METRICS = {"identity": 8101, "billing": 8103, "notifier": 8104, "rendering": 8105}
PROMPT = 10.0  # seconds: far below the sweep interval, far above a relay's wake-up


async def _samples(client: httpx.AsyncClient, service: str, name: str) -> list[Any]:
    """The samples of one metric, read from the service itself (the gateway hides /metrics)."""
    text = (await client.get(f"http://127.0.0.1:{METRICS[service]}/metrics")).text
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def _swept(client: httpx.AsyncClient) -> dict[str, float]:
    """Per service, the events its relay found only by sweeping."""
    return {
        service: sum(
            s.value
            for s in await _samples(client, service, "outbox_published_total")
            if s.labels.get("via") == "sweep"
        )
        for service in METRICS
    }


async def _prompt(topic: str, key: str) -> dict[str, Any]:
    record = await find_record(topic, key.encode(), timeout=PROMPT)
    return dict(json.loads(record.value))


@pytest.fixture
async def client() -> Any:
    async with httpx.AsyncClient(timeout=30) as http:
        for service in METRICS:
            [interval] = await _samples(http, service, "outbox_sweep_interval_seconds")
            assert interval.value >= 600, f"{service} sweeps every {interval.value}s: run it "
            "under `make test` (OUTBOX_SWEEP_SECONDS=3600)"
        yield http


async def test_identity_and_notifier_events_are_prompt(client: httpx.AsyncClient) -> None:
    before = await _swept(client)
    email = unique_email("outbox")
    body = registration(email)
    created = await register(client, body)
    assert created.status_code == 201, created.text
    user_id = created.json()["user_id"]
    await _prompt("identity.user-registered", user_id)
    requested = await _prompt("identity.activation-requested", user_id)
    [mail] = await wait_for_mail(client, email)
    delivered = await _prompt_delivery(requested["event_id"])
    assert delivered["data"]["template"] == "welcome"
    token = link_token(mail, "/activar")
    assert (await client.post(f"{IDENTITY}/activations", json={"token": token})).status_code == 200
    await _prompt("identity.user-activated", user_id)
    reset = await client.post(f"{IDENTITY}/password-resets", json=await with_captcha(client, email))
    assert reset.status_code == 202
    await _prompt("identity.password-reset-requested", user_id)
    for _ in range(5):
        await client.post(f"{IDENTITY}/sessions", json={"email": email, "password": "mala-1"})
    await _prompt("identity.user-locked-out", user_id)
    assert await _swept(client) == before


async def _prompt_delivery(source_event_id: str) -> dict[str, Any]:
    """NotificationDelivered is keyed by delivery id: find the one for this request."""
    async with asyncio.timeout(PROMPT):
        while True:
            for record in await all_records("notifier.notification-delivered", idle_seconds=1.0):
                event = json.loads(record.value)
                if event["data"]["source_event_id"] == source_event_id:
                    return dict(event)


async def test_billing_account_events_are_prompt(client: httpx.AsyncClient) -> None:
    before = await _swept(client)
    client.headers.update(await operator_headers(client))
    rng = random.Random()
    account = await client.post(
        f"{BILLING}/admin/accounts",
        json={"holder": holder(rng), "cycle_day": 3, "payment_method": "20"},
    )
    assert account.status_code == 201, account.text
    account_id = account.json()["account_id"]
    plans = (await client.get(f"{BILLING}/admin/plans")).json()
    number = mobile_number(rng)
    sub = await client.post(
        f"{BILLING}/admin/accounts/{account_id}/subscriptions",
        json={
            "number": number,
            "service_type": plans[0]["service_type"],
            "plan_code": plans[0]["code"],
            "start_date": (date.today() - timedelta(days=30)).isoformat(),
        },
    )
    assert sub.status_code == 201, sub.text
    number = sub.json()["number"]  # E.164, the events' key
    await _prompt("billing.subscription-activated", number)
    ended = await client.post(
        f"{BILLING}/admin/accounts/{account_id}/subscriptions/{sub.json()['subscription_id']}/end",
        json={"end_date": date.today().isoformat()},
    )
    assert ended.status_code == 200, ended.text
    await _prompt("billing.subscription-ended", number)
    payment = await client.post(
        f"{BILLING}/admin/payments",
        json={
            "account_id": account_id,
            "amount": "1.00",
            "paid_at": datetime.now(UTC).isoformat(),
            "channel": "ventanilla",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert payment.status_code == 201, payment.text
    await _prompt("billing.payment-recorded", account_id)
    assert await _swept(client) == before
