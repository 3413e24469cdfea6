"""Domain events → wire events: the published payloads keep their fields and values (what the
submitter and the bill-run loop have always written from the stored documents)."""

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from billing.adapters.store.invoice_documents import issued_invoice
from billing.domain.accounts import Subscription
from billing.domain.events import BillRunCompleted, InvoiceIssued, InvoiceRejected
from billing.domain.submission import AuthorizationAnswer, Message, ReceptionAnswer
from billing.events import to_wire
from common.contracts import billing as wire
from services.billing.tests.unit.invoice_fakes import NOW, POLICY, account, record

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
        authorized_xml_sha256=hashlib.sha256(record_xml).hexdigest(),
        authorized_xml_size=len(record_xml),
    )
    assert published.schema_version == 2
    assert published.cloudevents_headers()["ce_dataschema"].endswith(":v2")


# What a record costs on Kafka, counted as scripts/event_sizes.py counts it.
def record_bytes(document: dict[str, Any]) -> int:
    headers = document["headers"].items()
    return (
        len(document["payload"].encode())
        + len(document["key"].encode())
        + sum(len(k.encode()) + len(v.encode()) for k, v in headers)
    )


def test_the_invoice_issued_of_a_200_line_invoice_stays_small() -> None:
    """The event names the fiscal record instead of carrying it: an invoice of 200 lines (200
    numbers, the worst case: each number billed is listed, 16 B each) whose authorized XML is
    108 KB makes a record of under 5 KB (it was over 110 KB), and the XML's size changes
    nothing but the digits of ``authorized_xml_size``."""
    subscriptions = tuple(
        Subscription(f"sub-{n}", f"09{80000000 + n}", "movil", "P1", date(2026, 1, 1))
        for n in range(200)
    )
    doc = record(7, account_=account(subscriptions=subscriptions))
    tiny, large = b"<autorizacion/>", b"<autorizacion>" + b"x" * 108_000 + b"</autorizacion>"
    sizes = []
    for record_xml in (tiny, large):
        invoice = issued_invoice(doc)
        answer = AuthorizationAnswer("AUTORIZADO", (), doc["access_key"], AT, "PRUEBAS", record_xml)
        invoice.authorizations_answered([answer], NOW, POLICY)
        published = to_wire(invoice.events[0])
        assert isinstance(published, wire.InvoiceIssued) and len(published.data.lines) == 200
        sizes.append(record_bytes(published.to_document()))
    assert sizes[1] < 5 * 1024
    assert sizes[1] - sizes[0] == len(str(len(large))) - len(str(len(tiny)))


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
