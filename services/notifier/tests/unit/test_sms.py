"""The code SMS on fakes (store, SMSC, clock): one SMS per event, retries from the record while
the code is valid and never after, receipts noted on their SMS, no code or number in the logs."""

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from common.contracts import NotificationDelivered, NotificationFailed
from notifier.domain.deliveries import DeliveryStatus, FailureReason
from notifier.domain.errors import PermanentDeliveryError, TransientDeliveryError, Undeliverable
from notifier.domain.sms import UCS2, DeliveryReceipt, LineCode, LineCodeRequest
from notifier.use_cases import deliveries
from notifier.use_cases import sms as sms_channel
from notifier.use_cases.deliveries import retry_once
from notifier.use_cases.lines import send_line_code

from .fakes import T0
from .services import clock, instant_pauses, service, smsc, store

NUMBER = "+593991234567"
CODE = "482913"


def request(expires_at: datetime = T0 + timedelta(minutes=10), **changes: Any) -> LineCodeRequest:
    values: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "event_type": "lines.line_verification_requested",
        "correlation_id": "corr-1",
        "user_id": "u1",
        "destination": NUMBER,
        "code": LineCode(CODE, expires_at, "line-1", 1),
    }
    return LineCodeRequest(**(values | changes))


async def test_the_code_is_sent_once_and_recorded_sent() -> None:
    svc = service()
    ask = request()
    await send_line_code(svc, ask)
    [sent] = smsc(svc).sent
    assert sent.sms.destination == "593991234567" and sent.deadline == ask.code.expires_at
    assert sent.sms.text.data_coding == UCS2 and CODE in sent.sms.text.text
    assert "Vence a las 07:10." in sent.sms.text.text  # 12:10 UTC in Guayaquil
    delivery = store(svc).only()
    assert delivery.channel == "sms" and delivery.template == "line_code"
    assert delivery.status is DeliveryStatus.SENT and delivery.provider_message_id == "sms-1"
    assert delivery.payload is None  # the code is gone at rest
    [event] = store(svc).outbox
    assert isinstance(event, NotificationDelivered) and event.data.channel == "sms"
    assert NUMBER not in event.model_dump_json() and CODE not in event.model_dump_json()


async def test_a_replayed_event_sends_one_sms() -> None:
    svc = service()
    ask = request()
    await send_line_code(svc, ask)
    await send_line_code(svc, ask)
    assert len(smsc(svc).sent) == 1 and len(store(svc).rows) == 1


async def test_a_resend_is_a_new_event_and_a_new_sms() -> None:
    svc = service()
    await send_line_code(svc, request())
    await send_line_code(svc, request(code=LineCode("771204", T0 + timedelta(minutes=10), "l", 2)))
    assert [s.message_id for s in smsc(svc).sent] == ["sms-1", "sms-2"]


async def test_an_expired_code_is_never_sent_and_fails_without_a_dead_letter() -> None:
    svc = service()
    await send_line_code(svc, request(expires_at=T0))  # now == expires_at: too late
    assert smsc(svc).sent == []
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 0
    assert delivery.failure_reason is FailureReason.EXPIRED and delivery.payload is None
    [event] = store(svc).outbox
    assert isinstance(event, NotificationFailed) and (event.data.error or "").startswith("expired")


async def test_an_smsc_outage_is_retried_and_sends_exactly_one_sms_once_it_is_back() -> None:
    svc = service()
    down = [TransientDeliveryError("not bound to the SMSC") for _ in range(4)]
    smsc(svc).fail_with(*down)
    await send_line_code(svc, request())  # attempt 1 fails: the consumer moves on
    assert store(svc).only().status is DeliveryStatus.RETRYING
    for _ in range(20):  # 20 s of outage, the retry loop polling every second
        clock(svc).advance(1)
        await retry_once(svc)
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 5
    assert len(smsc(svc).sent) == 1
    assert [type(e) for e in store(svc).outbox] == [NotificationDelivered]


async def test_the_retry_schedule_stops_at_expiry() -> None:
    svc = service()
    ask = request(expires_at=T0 + timedelta(seconds=40))
    smsc(svc).fail_with(*(TransientDeliveryError("throttled", 0x58) for _ in range(50)))
    await send_line_code(svc, ask)
    scheduled = []
    while not store(svc).only().is_final:
        due = store(svc).only().next_attempt_at
        assert due is not None and due < ask.code.expires_at
        scheduled.append(due)
        clock(svc).now = due
        await retry_once(svc)
    delivery = store(svc).only()
    # Tries at 0, 1, 3, 7, 15 and 31 s; the next would be at 63 s, past the expiry at 40 s.
    assert [round((t - T0).total_seconds()) for t in scheduled] == [1, 3, 7, 15, 31]
    assert delivery.attempts == 6 and delivery.failure_reason is FailureReason.EXPIRED
    assert (delivery.last_error or "").startswith("expired after 6 attempts: 88 throttled")
    assert smsc(svc).sent == [] and clock(svc).now < ask.code.expires_at
    [event] = store(svc).outbox
    assert isinstance(event, NotificationFailed)


async def test_a_delivery_due_after_expiry_is_failed_not_sent() -> None:
    svc = service()
    smsc(svc).fail_with(TransientDeliveryError("down"))
    await send_line_code(svc, request())
    clock(svc).advance(11 * 60)  # the loop was away past the code's ten minutes
    assert await retry_once(svc) == 1
    delivery = store(svc).only()
    assert delivery.failure_reason is FailureReason.EXPIRED and smsc(svc).sent == []


async def test_a_refused_destination_is_undeliverable() -> None:
    svc = service()
    smsc(svc).fail_with(PermanentDeliveryError("submit_sm refused", 0x0B))
    with pytest.raises(Undeliverable):
        await send_line_code(svc, request())
    assert store(svc).only().failure_reason is FailureReason.REFUSED


async def test_a_destination_that_is_not_e164_is_refused_without_submitting() -> None:
    svc = service()
    with pytest.raises(Undeliverable):
        await send_line_code(svc, request(destination="0991234567"))
    assert smsc(svc).sent == []


async def test_a_receipt_is_noted_on_its_sms() -> None:
    svc = service()
    await send_line_code(svc, request())
    clock(svc).advance(3)
    assert await sms_channel.record_receipt(svc, DeliveryReceipt("sms-1", "DELIVRD", "000"))
    delivery = store(svc).only()
    assert (delivery.dlr_status, delivery.dlr_error) == ("DELIVRD", "000")
    assert delivery.dlr_at == clock(svc).now and delivery.status is DeliveryStatus.SENT


@pytest.fixture
async def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return await instant_pauses(monkeypatch)


async def test_a_receipt_for_no_known_sms_is_looked_for_again_then_dropped(
    pauses: list[float],
) -> None:
    svc = service()
    assert not await sms_channel.record_receipt(svc, DeliveryReceipt("nope", "DELIVRD"))
    assert pauses == [0.5, 1.0, 2.0]


async def test_the_bind_loop_hands_receipts_to_the_store() -> None:
    svc = service()
    await send_line_code(svc, request())
    loop = asyncio.create_task(sms_channel.keep_bound(svc))
    await smsc(svc).receipts.put(DeliveryReceipt("sms-1", "UNDELIV", "012"))
    for _ in range(100):
        if store(svc).only().dlr_status:
            break
        await asyncio.sleep(0.01)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert store(svc).only().dlr_status == "UNDELIV"


class RecordingLog:
    """Stands in for a module's structlog logger: keeps every call, before any masking."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        def record(event: str, **fields: Any) -> None:
            self.calls.append((event, fields))

        return record


async def test_neither_the_code_nor_the_number_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = RecordingLog()
    for module in (deliveries, sms_channel):
        monkeypatch.setattr(module, "log", recorded)
    svc = service()
    smsc(svc).fail_with(TransientDeliveryError("down"))
    await send_line_code(svc, request())
    clock(svc).advance(2)
    await retry_once(svc)
    await sms_channel.record_receipt(svc, DeliveryReceipt("sms-1", "DELIVRD"))
    events = [event for event, _ in recorded.calls]
    assert events == ["sms_retrying", "sms_sent", "sms_receipt"]
    logged = repr(recorded.calls)
    assert CODE not in logged and NUMBER.removeprefix("+") not in logged
