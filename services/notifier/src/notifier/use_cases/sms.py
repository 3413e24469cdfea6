"""The SMS channel: which delivery a code request becomes, how one SMS is sent, the bind to the
SMSC held for the service's life and the receipts it brings back.

A code SMS is sent only while the code is valid: the delivery carries ``expires_at``, the
lifecycle (deliveries.attempt) fails it as expired from then on, and the gateway never submits
at or after it.
"""

import asyncio
import uuid
from datetime import datetime
from typing import Literal

from common.logging import get_logger
from notifier.domain.deliveries import Delivery
from notifier.domain.errors import PermanentDeliveryError
from notifier.domain.messages import Template
from notifier.domain.sms import (
    DeliveryReceipt,
    LineCode,
    LineCodeRequest,
    OutgoingSms,
    line_code_text,
    smpp_address,
)
from notifier.ports import NotifierPorts

log = get_logger(__name__)

SMS: Literal["sms"] = "sms"
# A receipt can come before the sender has recorded the SMSC's message id: look again a few
# times (0.5 + 1 + 2 s) before giving it up.
RECEIPT_TRIES = 4


def line_code_delivery(request: LineCodeRequest, now: datetime) -> Delivery:
    """The delivery of a code SMS; its payload (the code: a secret) is dropped once final."""
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=request.event_id,
        source_event_type=request.event_type,
        channel=SMS,
        template=Template.LINE_CODE.value,
        recipient=request.destination,
        user_id=request.user_id,
        payload=request.code.to_payload(),
        now=now,
        correlation_id=request.correlation_id,
        expires_at=request.code.expires_at,
    )


async def send_sms(svc: NotifierPorts, delivery: Delivery) -> str:
    """Compose and submit one SMS: the SMSC's message id, or a DeliveryError."""
    if delivery.template != Template.LINE_CODE:
        raise PermanentDeliveryError(f"no SMS template {delivery.template}")
    code = LineCode.from_payload(delivery.payload or {})
    text = line_code_text(svc.settings.brand_name, code.code, code.expires_at)
    sms = OutgoingSms(smpp_address(delivery.recipient), text, delivery.delivery_id)
    return await svc.sms.send(sms, delivery.expires_at)


async def record_receipt(svc: NotifierPorts, receipt: DeliveryReceipt) -> bool:
    """Note an SMSC's delivery receipt on its SMS; False if no SMS has its message id."""
    for attempt in range(RECEIPT_TRIES):
        if await svc.deliveries.record_receipt(receipt, svc.clock()):
            log.info("sms_receipt", message_id=receipt.message_id, stat=receipt.status)
            return True
        if attempt < RECEIPT_TRIES - 1:
            await asyncio.sleep(0.5 * 2**attempt)
    log.warning("sms_receipt_unmatched", message_id=receipt.message_id, stat=receipt.status)
    return False


async def keep_bound(svc: NotifierPorts) -> None:
    """Background loop: hold the bind to the SMSC and record the receipts it sends."""
    await svc.sms.run(lambda receipt: _record_safely(svc, receipt))


async def _record_safely(svc: NotifierPorts, receipt: DeliveryReceipt) -> None:
    # A receipt is information, not work to redo: a failure to note it is logged, not raised.
    try:
        await record_receipt(svc, receipt)
    except Exception:
        log.exception("sms_receipt_not_recorded", message_id=receipt.message_id)
