"""The invoice email on fakes: InvoiceIssued and RideRendered in either order, replays, SMTP
failures, the attachments (RIDE and byte-exact XML) and the gauges behind the alert."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from common.contracts import InvoiceIssued, RideRendered
from common.contracts.billing import Holder, InvoiceIssuedData, StatementSummary, Totals
from common.contracts.rendering import RideRenderedData
from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import email_invoice, remember_invoice
from notifier.domain.errors import TransientDeliveryError
from notifier.domain.invoices import period_text
from notifier.settings import NotifierSettings
from notifier.use_cases import deliveries, invoices

from .fakes import (
    T0,
    FakeClock,
    FakeDeliveries,
    FakeDocuments,
    FakeInvoiceMails,
    FakeMailer,
    FakeRides,
    parts,
)

SETTINGS = NotifierSettings(consumer_backoff_seconds=0.0, portal_base_url="https://mi.claro.ec")
ACCESS_KEY = "0112202601179001167400120010010000001231234567811"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
# Non-ASCII, CRLF and a BOM-free declaration: it must arrive exactly as billing sent it.
XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n<autorizacion><estado>AUTORIZADO</estado>'
    "<comprobante><![CDATA[<factura><razonSocial>Peñafiel & Cía</razonSocial></factura>]]>"
    "</comprobante></autorizacion>\n"
)
SUBJECT = "Tu factura electrónica de noviembre 2026 — 001-001-000000123"


def issued(**changes: Any) -> InvoiceIssued:
    data: dict[str, Any] = {
        "invoice_id": "inv-1",
        "account_id": "acc-1",
        "period": "2026-11",
        "number": "001-001-000000123",
        "access_key": ACCESS_KEY,
        "issue_date": date(2026, 12, 1),
        "authorization_number": ACCESS_KEY,
        "authorized_at": datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        "environment": "pruebas",
        "holder": Holder(
            name="María José Peñafiel",
            email="maria@correo.ec",
            id_type="cedula",
            id_number="1714307103",
        ),
        "lines": ["+593991234567"],
        "totals": Totals(subtotal="20.00", discount="0.00", taxes="3.00", total="23.00"),
        "statement": StatementSummary(
            previous_balance="0.00",
            payments="0.00",
            charges="23.00",
            adjustments="0.00",
            balance_due="23.00",
            due_date=date(2026, 12, 16),
        ),
        "authorized_xml_sha256": hashlib.sha256(XML.encode()).hexdigest(),
        "authorized_xml_size": len(XML.encode()),
    }
    return InvoiceIssued(data=InvoiceIssuedData(**data | changes))


def rendered(pdf: bytes = PDF, **changes: Any) -> RideRendered:
    data: dict[str, Any] = {
        "invoice_id": "inv-1",
        "account_id": "acc-1",
        "access_key": ACCESS_KEY,
        "number": "001-001-000000123",
        "period": "2026-11",
        "size": len(pdf),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "rendered_at": T0,
    }
    return RideRendered(data=RideRenderedData(**data | changes))


def service() -> Notifier:
    svc = bootstrap(SETTINGS, **parts(SETTINGS))
    assert isinstance(svc.rides, FakeRides)
    svc.rides.pdfs[ACCESS_KEY] = PDF
    documents(svc).served[ACCESS_KEY] = XML.encode()  # what billing serves
    return svc


def documents(svc: Notifier) -> FakeDocuments:
    assert isinstance(svc.documents, FakeDocuments)
    return svc.documents


def sent(svc: Notifier) -> list[EmailMessage]:
    assert isinstance(svc.mailer, FakeMailer)
    return svc.mailer.sent


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    found = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = (part.get_content_type(), payload)
    return found


def test_periods_read_in_spanish() -> None:
    assert period_text("2026-11") == "noviembre 2026"
    assert period_text("2027-01") == "enero 2027"
    assert period_text("2026-09") == "septiembre 2026"


async def test_the_invoice_email_has_its_subject_link_and_both_attachments() -> None:
    svc = service()
    await remember_invoice(issued(), svc)
    assert sent(svc) == []  # the RIDE is not rendered yet
    await email_invoice(rendered(), svc)
    [message] = sent(svc)
    assert message["Subject"] == SUBJECT
    assert message["To"] == "maria@correo.ec"
    assert attachments(message) == {
        "001-001-000000123.pdf": ("application/pdf", PDF),
        "001-001-000000123.xml": ("application/xml", XML.encode()),
    }
    body = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert body is not None and html is not None
    text = body.get_content()
    assert "Hola María José Peñafiel" in text and "$23.00" in text
    assert "https://mi.claro.ec/" in text and "https://mi.claro.ec/" in html.get_content()
    delivery = svc.deliveries.only() if isinstance(svc.deliveries, FakeDeliveries) else None
    assert delivery is not None and delivery.source_event_id == "inv-1"
    assert delivery.template == "invoice" and delivery.status.value == "sent"


async def test_ride_rendered_before_invoice_issued_is_emailed_when_the_invoice_comes() -> None:
    svc = service()
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    await remember_invoice(issued(), svc)
    [message] = sent(svc)
    assert message["Subject"] == SUBJECT and len(attachments(message)) == 2


async def test_replays_of_either_event_send_one_email() -> None:
    svc = service()
    first_issued, first_rendered = issued(), rendered()
    for event in (first_issued, first_rendered, first_issued, first_rendered):
        if isinstance(event, InvoiceIssued):
            await remember_invoice(event, svc)
        else:
            await email_invoice(event, svc)
    await email_invoice(rendered(), svc)  # a second RideRendered (a new event id)
    await remember_invoice(issued(), svc)
    assert len(sent(svc)) == 1


async def test_smtp_failure_then_success_sends_intact_attachments() -> None:
    svc = service()
    assert isinstance(svc.mailer, FakeMailer) and isinstance(svc.clock, FakeClock)
    svc.mailer.fail_with(TransientDeliveryError("data: try later", 451))
    await remember_invoice(issued(), svc)
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    assert isinstance(svc.deliveries, FakeDeliveries)
    assert svc.deliveries.only().status.value == "retrying"
    svc.clock.advance(60)
    assert await deliveries.retry_once(svc) == 1
    [message] = sent(svc)
    assert attachments(message)["001-001-000000123.xml"] == ("application/xml", XML.encode())
    assert attachments(message)["001-001-000000123.pdf"] == ("application/pdf", PDF)
    assert svc.deliveries.only().status.value == "sent"


async def test_a_ride_not_fetchable_or_altered_is_retried_not_sent_broken() -> None:
    svc = service()
    assert isinstance(svc.rides, FakeRides) and isinstance(svc.clock, FakeClock)
    svc.rides.pdfs[ACCESS_KEY] = PDF[:-1]  # not what rendering announced
    await remember_invoice(issued(), svc)
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    svc.rides.pdfs[ACCESS_KEY] = PDF
    svc.clock.advance(60)
    await deliveries.retry_once(svc)
    [message] = sent(svc)
    assert attachments(message)["001-001-000000123.pdf"][1] == PDF


async def test_an_invoice_without_email_is_remembered_and_not_sent() -> None:
    svc = service()
    holder = Holder(name="Sin Correo", email=None, id_type="cedula", id_number="1714307103")
    await remember_invoice(issued(holder=holder), svc)
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    assert await invoices.measure(svc) == (0, 0.0)


async def test_the_gauges_count_invoices_not_emailed_and_the_oldest_age() -> None:
    svc = service()
    assert isinstance(svc.clock, FakeClock) and isinstance(svc.invoice_mails, FakeInvoiceMails)
    await invoices.record_first_start(svc)  # started at T0, before the authorization
    svc.clock.now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 24 h after the authorization
    await remember_invoice(issued(), svc)
    await remember_invoice(issued(invoice_id="inv-2", number="001-001-000000124"), svc)
    count, oldest = await invoices.measure(svc)
    assert count == 2 and oldest == timedelta(hours=24).total_seconds()
    await email_invoice(rendered(), svc)
    count, _ = await invoices.measure(svc)
    assert count == 1
