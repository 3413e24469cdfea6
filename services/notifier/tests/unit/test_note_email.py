"""The email of a nota de crédito or de débito on fakes (issue 12): the note's event and its
RideRendered (doc_type 04 / 05) in either order make one email with the RIDE and the authorized
XML attached, naming the factura it modifies and why; an invoice's events never complete it."""

import hashlib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from common.contracts import CreditNoteIssued, DebitNoteIssued, RideRendered
from common.contracts.billing import Holder, Totals
from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import email_invoice, remember_credit_note, remember_debit_note
from notifier.settings import NotifierSettings

from .fakes import T0, FakeDeliveries, FakeDocuments, FakeMailer, FakeNoteMails, FakeRides, parts

SETTINGS = NotifierSettings(consumer_backoff_seconds=0.0, portal_base_url="https://mi.claro.ec")
NOTE_KEY = "0112202604179001167400120010010000000071234567811"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n<autorizacion><estado>AUTORIZADO</estado>'
    "<comprobante><![CDATA[<notaCredito><motivo>Compensación</motivo></notaCredito>]]>"
    "</comprobante></autorizacion>\n"
)
REASON = "Compensación por corte del servicio del 10/11/2026 al 12/11/2026"
Note = CreditNoteIssued | DebitNoteIssued


def note(kind: type[CreditNoteIssued] | type[DebitNoteIssued], **changes: Any) -> Note:
    data: dict[str, Any] = {
        "note_id": "note-1",
        "account_id": "acc-1",
        "number": "001-001-000000007",
        "access_key": NOTE_KEY,
        "issue_date": date(2026, 12, 2),
        "authorization_number": NOTE_KEY,
        "authorized_at": datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        "environment": "PRUEBAS",
        "holder": Holder(
            name="María José Peñafiel",
            email="maria@correo.ec",
            id_type="cedula",
            id_number="1714307103",
        ),
        "lines": ["+593991234567"],
        "modified_invoice_id": "inv-1",
        "modified_number": "001-001-000000123",
        "modified_issue_date": date(2026, 12, 1),
        "reason": REASON,
        "totals": Totals(subtotal="2.00", discount="0.00", taxes="0.30", total="2.30"),
        "authorized_xml_sha256": hashlib.sha256(XML.encode()).hexdigest(),
        "authorized_xml_size": len(XML.encode()),
    }
    return kind.model_validate({"data": data | changes})


def rendered(doc_type: str, **changes: Any) -> RideRendered:
    data: dict[str, Any] = {
        "invoice_id": "note-1",
        "account_id": "acc-1",
        "access_key": NOTE_KEY,
        "number": "001-001-000000007",
        "period": "2026-12",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "rendered_at": T0,
        "doc_type": doc_type,
    }
    return RideRendered.model_validate({"data": data | changes})


def service() -> Notifier:
    svc = bootstrap(SETTINGS, **parts(SETTINGS))
    assert isinstance(svc.rides, FakeRides) and isinstance(svc.documents, FakeDocuments)
    svc.rides.pdfs[NOTE_KEY] = PDF
    svc.documents.served[NOTE_KEY] = XML.encode()
    return svc


async def remember(event: Note, svc: Notifier) -> None:
    if isinstance(event, CreditNoteIssued):
        await remember_credit_note(event, svc)
    else:
        await remember_debit_note(event, svc)


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


KINDS = [
    (CreditNoteIssued, "04", "Nota de crédito", "credit_note"),
    (DebitNoteIssued, "05", "Nota de débito", "debit_note"),
]


@pytest.mark.parametrize(("kind", "doc_type", "name", "template"), KINDS)
@pytest.mark.parametrize("ride_first", [False, True])
async def test_a_note_is_emailed_once_both_events_are_in(
    kind: type[CreditNoteIssued] | type[DebitNoteIssued],
    doc_type: str,
    name: str,
    template: str,
    ride_first: bool,
) -> None:
    svc = service()
    first, second = (
        (rendered(doc_type), note(kind)) if ride_first else (note(kind), rendered(doc_type))
    )
    for event in (first, second):
        assert sent(svc) == []
        if isinstance(event, RideRendered):
            await email_invoice(event, svc)
        else:
            await remember(event, svc)
    [message] = sent(svc)
    assert message["Subject"] == f"{name} 001-001-000000007 — factura 001-001-000000123"
    assert message["To"] == "maria@correo.ec"
    assert attachments(message) == {
        "001-001-000000007.pdf": ("application/pdf", PDF),
        "001-001-000000007.xml": ("application/xml", XML.encode()),
    }
    for part in (message.get_body(("plain",)), message.get_body(("html",))):
        assert part is not None
        content = part.get_content()
        for expected in (
            "Hola María José Peñafiel",
            f"{name} 001-001-000000007",
            "001-001-000000123, emitida el 01/12/2026",
            REASON,
            "$2.30",
            NOTE_KEY,
        ):
            assert expected in content, expected
    assert isinstance(svc.deliveries, FakeDeliveries)
    delivery = svc.deliveries.only()
    assert (delivery.source_event_id, delivery.template) == ("note-1", template)
    assert delivery.status.value == "sent"
    assert isinstance(svc.note_mails, FakeNoteMails)
    assert svc.note_mails.mails["note-1"].emailed_at is not None


async def test_replays_send_one_email_and_an_invoice_ride_completes_no_note() -> None:
    svc = service()
    await email_invoice(rendered("01"), svc)  # an invoice's RIDE with the same id: not the note's
    await remember(note(CreditNoteIssued), svc)
    assert sent(svc) == []
    for _ in range(2):
        await email_invoice(rendered("04"), svc)
        await remember(note(CreditNoteIssued), svc)
    assert len(sent(svc)) == 1


async def test_a_note_without_email_or_before_the_cutoff_is_remembered_not_sent() -> None:
    svc = service()
    holder = Holder(name="Sin Correo", email=None, id_type="cedula", id_number="1714307103")
    await remember(note(DebitNoteIssued, holder=holder), svc)
    await email_invoice(rendered("05"), svc)
    early = note(CreditNoteIssued, note_id="note-2", authorized_at=datetime(2020, 1, 1, tzinfo=UTC))
    await remember(early, svc)
    await email_invoice(rendered("04", invoice_id="note-2"), svc)
    assert sent(svc) == []
    assert isinstance(svc.note_mails, FakeNoteMails) and isinstance(svc.documents, FakeDocuments)
    reasons = {k: m.not_emailed_reason for k, m in svc.note_mails.mails.items()}
    assert reasons == {"note-1": "no_email", "note-2": "authorized_before_cutoff"}
