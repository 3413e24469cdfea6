"""Domain events → wire events: the published payloads keep their fields and values (what the
submitter and the bill-run loop have always written from the stored documents)."""

from datetime import UTC, datetime

from billing.adapters.store.invoice_documents import issued_invoice
from billing.domain.events import BillRunCompleted, InvoiceIssued, InvoiceRejected
from billing.domain.submission import AuthorizationAnswer, Message, ReceptionAnswer
from billing.events import to_wire
from common.contracts import billing as wire
from services.billing.tests.unit.invoice_fakes import NOW, POLICY, record

AT = datetime(2026, 11, 10, 9, 30, 15, tzinfo=UTC)
BAD_XML = Message("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")


def test_invoice_issued() -> None:
    doc = record(7)
    invoice = issued_invoice(doc)
    record_xml = b"<autorizacion><estado>AUTORIZADO</estado></autorizacion>"
    answer = AuthorizationAnswer("AUTORIZADO", (), doc["access_key"], AT, "PRUEBAS", record_xml)
    invoice.authorizations_answered([answer], NOW, POLICY)
    [event] = invoice.events
    assert isinstance(event, InvoiceIssued)
    published = to_wire(event)
    assert isinstance(published, wire.InvoiceIssued)
    assert published.topic == "billing.invoice-issued" and published.key_field == "invoice_id"
    # The payload as built from the stored invoice document.
    assert published.data == wire.InvoiceIssuedData(
        invoice_id=doc["_id"],
        account_id=doc["account_id"],
        period=doc["period"],
        number=doc["number"],
        access_key=doc["access_key"],
        issue_date=doc["issue_date"],
        authorization_number=doc["access_key"],
        authorized_at=AT,
        environment="PRUEBAS",
        holder=wire.Holder(**doc["holder"]),
        lines=doc["lines_numbers"],
        totals=wire.Totals(**doc["totals"]),
        statement=wire.StatementSummary(**doc["statement"]),
        authorized_xml=record_xml.decode(),
    )


def test_invoice_issued_without_environment_says_empty() -> None:
    invoice = issued_invoice(record(7))
    invoice.authorizations_answered([AuthorizationAnswer("AUTORIZADO")], NOW, POLICY)
    published = to_wire(invoice.events[0])
    assert isinstance(published, wire.InvoiceIssued)
    assert published.data.environment == "" and published.data.authorized_at == NOW


def test_invoice_rejected() -> None:
    doc = record(7)
    invoice = issued_invoice(doc)
    invoice.submitting(NOW, POLICY)
    invoice.reception_answered(ReceptionAnswer("DEVUELTA", (BAD_XML,)), NOW, POLICY)
    [event] = invoice.events
    assert isinstance(event, InvoiceRejected)
    published = to_wire(event)
    assert published.topic == "billing.invoice-rejected"
    assert published.model_dump(mode="json")["data"] == {
        "invoice_id": doc["_id"],
        "account_id": doc["account_id"],
        "period": "2026-10",
        "number": doc["number"],
        "access_key": doc["access_key"],
        "sri_status": "DEVUELTA",
        "messages": [
            {
                "identifier": "35",
                "message": "ARCHIVO NO CUMPLE ESTRUCTURA XML",
                "additional_info": "detalle",
                "kind": "ERROR",
            }
        ],
    }


def test_bill_run_completed() -> None:
    published = to_wire(BillRunCompleted("run-1", 5, "2026-10", 10, 8, 2))
    assert published.topic == "billing.bill-run-completed"
    assert published.model_dump(mode="json")["data"] == {
        "bill_run_id": "run-1",
        "cycle_day": 5,
        "period": "2026-10",
        "invoices": 10,
        "authorized": 8,
        "rejected": 2,
    }
