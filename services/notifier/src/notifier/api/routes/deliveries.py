"""Delivery lookup for operators (role ``operator``)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notifier.api.deps import NotifierDep, Operator
from notifier.domain.deliveries import Delivery
from notifier.use_cases import lookup

router = APIRouter(prefix="/v1", tags=["notifier"])


class DeliveryOut(BaseModel):
    delivery_id: str
    source_event_id: str
    source_event_type: str
    channel: str
    template: str
    recipient: str
    user_id: str | None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    provider_message_id: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    failure_reason: str | None  # refused, gave_up, expired
    expires_at: datetime | None  # SMS codes: never sent from then on
    dlr_status: str | None  # SMS: the SMSC's delivery receipt (DELIVRD, UNDELIV, …)
    dlr_error: str | None
    dlr_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> "DeliveryOut":
        # Never the payload: it holds the single-use link or the SMS code while it is open.
        return cls(
            delivery_id=delivery.delivery_id,
            source_event_id=delivery.source_event_id,
            source_event_type=delivery.source_event_type,
            channel=delivery.channel,
            template=delivery.template,
            recipient=delivery.recipient,
            user_id=delivery.user_id,
            status=delivery.status.value,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            provider_message_id=delivery.provider_message_id,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            sent_at=delivery.sent_at,
            failed_at=delivery.failed_at,
            failure_reason=delivery.failure_reason,
            expires_at=delivery.expires_at,
            dlr_status=delivery.dlr_status,
            dlr_error=delivery.dlr_error,
            dlr_at=delivery.dlr_at,
        )


@router.get("/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    _: Operator,
    svc: NotifierDep,
    event_id: Annotated[str | None, Query(max_length=100)] = None,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """Deliveries of one source event, or to one address (newest first)."""
    found = await lookup.find_deliveries(svc, event_id=event_id, recipient=recipient, limit=limit)
    return [DeliveryOut.of(d) for d in found]
