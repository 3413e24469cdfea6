"""The notifier as it runs (lifespan: consumers, retry loop, the bind to the SMSC) against the
real Kafka and FerretDB, with an SMPP peer (smpp34's server) as the SMSC: one SMS per code event
with its receipt noted, one SMS after an outage, none after expiry; and the email to a user
whose line another account verified, through Mailpit. Topics are this run's own."""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from common.contracts import NotificationDelivered, NotificationFailed, UserRegistered
from common.contracts.base import Event
from common.contracts.identity import UserProfile
from common.contracts.lines import (
    LineRemoved,
    LineRemovedData,
    LineVerificationData,
    LineVerificationRequested,
)
from common.service import ServiceSpec
from notifier.adapters.store import DELIVERIES, RECIPIENTS
from notifier.bootstrap import Notifier
from tests.kafka_support import find_record, produce
from tests.support import free_port, unique_email, wait_for_mail

from .smsc_peer import smsc_peer

NUMBER = "+593991234567"


def kind(isolated: ServiceSpec[Notifier], contract: type[Event]) -> Any:
    """``contract`` on this run's topic."""
    assert isolated.consumers is not None
    [found] = [e for e in isolated.consumers.events if issubclass(e, contract)]
    return found


def code_event(isolated: ServiceSpec[Notifier], expires_in: float = 600) -> Any:
    data = LineVerificationData(
        line_id=uuid.uuid4().hex,
        user_id=uuid.uuid4().hex,
        number=NUMBER,
        service_type="movil",
        destination=NUMBER,
        code="482913",
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        send_number=1,
    )
    return kind(isolated, LineVerificationRequested)(data=data, correlation_id=uuid.uuid4().hex)


async def send(event: Event) -> None:
    body = event.model_dump_json().encode()
    await produce(event.topic, body, event.key().encode(), event.cloudevents_headers())


async def delivery(app: FastAPI, event: Event, check: Callable[[dict[str, Any]], bool]) -> Any:
    deliveries = app.state.runtime.database[DELIVERIES]
    async with asyncio.timeout(60):
        while True:
            doc = await deliveries.find_one({"source_event_id": str(event.event_id)})
            if doc and check(doc):
                return doc
            await asyncio.sleep(0.1)


def final(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda doc: doc["status"] == status and not doc.get("outbox")


async def test_a_code_event_sent_twice_is_one_sms_with_its_receipt_noted(
    start: Callable[..., Any], isolated: ServiceSpec[Notifier]
) -> None:
    port = free_port()
    async with smsc_peer(port) as peer:
        peer.answer = lambda submit: f"smsc-{uuid.uuid4().hex[:8]}"
        app = await start(smpp_port=port)
        event = code_event(isolated)
        await send(event)
        await send(event)  # a duplicate on the topic
        doc = await delivery(app, event, final("sent"))
        assert doc["channel"] == "sms" and doc["template"] == "line_code"
        assert "payload" not in doc  # the code is not kept once sent
        [submit] = peer.submits
        assert submit.destination_addr == NUMBER.removeprefix("+")
        assert "482913" in submit.short_message.decode("utf-16-be")

        [esme] = peer.binds
        receipt = f"id:{doc['provider_message_id']} sub:001 dlvrd:001 stat:DELIVRD err:000"
        await esme.deliver_sm(NUMBER, receipt.encode(), source_addr=NUMBER, esm_class=0x04)
        noted = await delivery(app, event, lambda d: d.get("dlr_status") == "DELIVRD")
        assert noted["dlr_error"] == "000" and noted["dlr_at"] is not None
        await asyncio.sleep(1)  # time for a second SMS, if there were going to be one
        assert len(peer.submits) == 1

    record = await find_record(NotificationDelivered.topic, doc["_id"].encode())
    delivered = json.loads(record.value)["data"]
    assert delivered["channel"] == "sms" and delivered["source_event_id"] == str(event.event_id)
    assert "482913" not in record.value.decode() and NUMBER not in record.value.decode()


async def test_an_smsc_outage_ends_in_exactly_one_sms(
    start: Callable[..., Any], isolated: ServiceSpec[Notifier]
) -> None:
    port = free_port()  # the SMSC is down: every bind is refused
    app = await start(smpp_port=port)
    event = code_event(isolated)
    await send(event)
    await delivery(app, event, lambda d: d["status"] == "retrying" and d["attempts"] >= 3)
    async with smsc_peer(port) as peer:
        doc = await delivery(app, event, final("sent"))
        await asyncio.sleep(1)
        assert len(peer.submits) == 1 and doc["attempts"] >= 4


async def test_a_code_that_expires_during_an_outage_is_never_sent(
    start: Callable[..., Any], isolated: ServiceSpec[Notifier]
) -> None:
    port = free_port()
    app = await start(smpp_port=port)
    warm_up = code_event(isolated)  # once it is taken, the consumer has its partitions
    await send(warm_up)
    await delivery(app, warm_up, lambda d: True)
    event = code_event(isolated, expires_in=3)
    await send(event)
    doc = await delivery(app, event, final("failed"))
    assert doc["failure_reason"] == "expired" and "payload" not in doc
    assert doc["attempts"] >= 2  # tried while the SMSC was down, then given up at expiry
    failed = await find_record(NotificationFailed.topic, doc["_id"].encode())
    assert json.loads(failed.value)["data"]["error"].startswith("expired")
    async with smsc_peer(port) as peer:
        await delivery(app, warm_up, final("sent"))  # the SMSC is back and used
        assert len(peer.submits) == 1  # the warm-up's SMS only


@pytest.mark.parametrize("reason", ["transferred", "removed"])
async def test_a_transferred_line_emails_its_previous_holder(
    start: Callable[..., Any], isolated: ServiceSpec[Notifier], reason: str
) -> None:
    app = await start()
    address = unique_email("traspaso")
    profile = UserProfile(
        user_id=uuid.uuid4().hex,
        email=address,
        given_names="Rosa",
        surnames="Tenesaca",
        id_type="cedula",
        id_number="1714307103",
    )
    await send(kind(isolated, UserRegistered)(data=profile))
    recipients = app.state.runtime.database[RECIPIENTS]
    async with asyncio.timeout(60):
        while True:  # the recipient is known before its line can be transferred
            if await recipients.find_one({"_id": profile.user_id}):
                break
            await asyncio.sleep(0.1)
    removed = LineRemovedData(
        line_id=uuid.uuid4().hex,
        user_id=profile.user_id,
        number=NUMBER,
        service_type="movil",
        occurred_at=datetime.now(UTC),
        reason=reason,
    )
    event = kind(isolated, LineRemoved)(data=removed)
    await send(event)
    if reason == "removed":
        await asyncio.sleep(2)
        assert await app.state.runtime.database[DELIVERIES].find_one({}) is None
        return
    async with httpx.AsyncClient() as http:
        [mail] = await wait_for_mail(http, address, timeout=60)
    assert mail["Subject"] == "Tu línea fue registrada en otra cuenta de Mi Claro"
    assert "099***4567" in mail["Text"] and "Hola Rosa" in mail["Text"]
    assert "991234567" not in mail["Text"] and "991234567" not in mail["HTML"]
    await delivery(app, event, final("sent"))
