"""The invoice email's XML comes from billing (InvoiceIssued names it), on fakes and under
FastStream's in-memory broker: billing down (503, unreachable, too slow) is waited out past
every attempt and never dead-lettered, and the email still goes out with the XML; bytes other
than the event names, or a clave billing does not have, go to the DLQ at once and nothing is
kept or sent."""

from typing import Any

import pytest
from faststream.kafka import KafkaMessage, TestKafkaBroker
from pydantic import ValidationError

from common.contracts import InvoiceIssued
from common.documents import DocumentUnavailable
from common.faults import is_transient
from common.testing import PRODUCTION_KAFKA
from notifier.consumers import remember_invoice
from notifier.settings import NotifierSettings

from .fakes import FakeInvoiceMails, parts
from .test_consumers import app_on_fakes, publish
from .test_invoice_email import (
    ACCESS_KEY,
    PDF,
    SETTINGS,
    XML,
    attachments,
    documents,
    issued,
    rendered,
    service,
)

ATTEMPTS = SETTINGS.consumer_max_attempts


async def consume(svc_parts: dict[str, Any], *events: Any) -> list[dict[str, str]]:
    """Publish ``events`` through notifier's consumers; the DLQ headers of InvoiceIssued."""
    app, _ = app_on_fakes(svc_parts)
    broker = app.state.runtime.broker
    dead: list[dict[str, str]] = []

    @broker.subscriber(f"{InvoiceIssued.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append(dict(message.headers))

    async with TestKafkaBroker(broker):
        for event in events:
            await publish(app, event)
    return dead


def billing_parts(**served: bytes) -> dict[str, Any]:
    svc_parts = parts(SETTINGS)
    svc_parts["rides"].pdfs[ACCESS_KEY] = PDF
    svc_parts["documents"].served.update(served or {ACCESS_KEY: XML.encode()})
    return svc_parts


async def test_billing_down_is_raised_as_transient_and_nothing_is_kept() -> None:
    svc = service()
    documents(svc).outages = 1
    with pytest.raises(DocumentUnavailable) as down:
        await remember_invoice(issued(), svc)
    assert is_transient(down.value)
    assert isinstance(svc.invoice_mails, FakeInvoiceMails) and svc.invoice_mails.mails == {}


async def test_billing_down_is_waited_out_and_the_email_goes_out_with_the_xml() -> None:
    svc_parts = billing_parts()
    svc_parts["documents"].outages = ATTEMPTS + 2
    dead = await consume(svc_parts, issued(), rendered())
    assert dead == [] and len(svc_parts["documents"].fetched) == ATTEMPTS + 3
    [message] = svc_parts["mailer"].sent
    assert attachments(message)["001-001-000000123.xml"] == ("application/xml", XML.encode())


@pytest.mark.parametrize(
    ("served", "error"),
    [
        ({ACCESS_KEY: XML.encode()[:-1]}, "DocumentMismatch"),
        ({"1" * 49: b"<x/>"}, "DocumentMissing"),
    ],
    ids=["other bytes", "unknown clave"],
)
async def test_what_billing_cannot_serve_as_named_goes_to_the_dlq_at_once(
    served: dict[str, bytes], error: str
) -> None:
    svc_parts = billing_parts(**served)
    dead = await consume(svc_parts, issued(), rendered())
    [headers] = dead
    assert headers["dlq_error_type"] == error
    assert svc_parts["documents"].fetched == [ACCESS_KEY]  # not retried
    mail = svc_parts["invoice_mails"].mails.get("inv-1")
    assert mail is None or mail.issued is None  # only RideRendered's half
    assert svc_parts["mailer"].sent == []


def test_production_needs_the_document_key() -> None:
    keys = {"ride_link_key": "k" * 64, "smpp_system_id": "selfcare", "smpp_password": "secreto"}
    with pytest.raises(ValidationError, match="DOCUMENT_LINK_KEY"):
        NotifierSettings(app_env="production", **keys, **PRODUCTION_KAFKA)
    settings = NotifierSettings(
        app_env="production", document_link_key="d" * 64, **keys, **PRODUCTION_KAFKA
    )
    assert settings.document_link_secret == "d" * 64 and "d" * 64 not in repr(settings)
