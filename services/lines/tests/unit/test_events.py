"""The wire events lines publishes and reads: the contracts' payloads exactly."""

import json
from datetime import UTC, date, datetime

from common.contracts.billing import (
    Holder,
    InvoiceIssuedData,
    StatementSummary,
    SubscriberData,
    Totals,
)
from common.contracts.lines import LineRegistered, LineRemoved, LineVerificationRequested
from lines.domain import events as domain
from lines.events import invoice_summaries, subscription_of, to_wire

AT = datetime(2026, 3, 10, 15, 0, 0, 123456, tzinfo=UTC)


def test_a_code_request_is_the_sensitive_verification_event() -> None:
    wire = to_wire(
        domain.CodeRequested("l1", "u1", "+59322345678", "fijo", "+593991234567", "042917", AT, 2)
    )
    assert isinstance(wire, LineVerificationRequested) and wire.sensitive
    assert wire.topic == "lines.line-verification-requested" and wire.key() == "l1"
    assert json.loads(wire.to_document()["payload"])["data"] == {
        "line_id": "l1",
        "user_id": "u1",
        "number": "+59322345678",
        "service_type": "fijo",
        "destination": "+593991234567",
        "code": "042917",
        "expires_at": "2026-03-10T15:00:00.123456Z",
        "send_number": 2,
    }


def test_registered_and_removed_are_keyed_by_number() -> None:
    registered = to_wire(domain.LineRegistered("l1", "u1", "+593991234567", "movil", "a1", AT))
    removed = to_wire(
        domain.LineRemoved("l1", "u1", "+593991234567", "movil", "a1", AT, "transferred")
    )
    assert isinstance(registered, LineRegistered) and isinstance(removed, LineRemoved)
    assert registered.key() == removed.key() == "+593991234567"
    assert registered.data.account_id == "a1" and removed.data.reason == "transferred"


def test_subscriber_data_becomes_a_directory_entry() -> None:
    data = SubscriberData(
        subscription_id="s1",
        account_id="a1",
        number="+593991234567",
        service_type="movil",
        plan_code="MOVIL-30",
        plan_name="Plan Móvil 30",
        holder_id_type="cedula",
        holder_id_number="1714307103",
        start_date=date(2026, 1, 1),
        end_date=None,
        contact_mobile="+593991234567",
    )
    entry = subscription_of(data, AT)
    assert (entry.subscription_id, entry.plan_name, entry.contact_mobile) == (
        "s1",
        "Plan Móvil 30",
        "+593991234567",
    )
    assert entry.as_of == AT.replace(microsecond=123000)  # BSON's precision


def test_an_invoice_gives_one_summary_per_number() -> None:
    data = InvoiceIssuedData(
        invoice_id="i1",
        account_id="a1",
        period="2026-02",
        number="001-001-000000123",
        access_key="0" * 49,
        issue_date=date(2026, 3, 1),
        authorization_number="0" * 49,
        authorized_at=AT,
        environment="1",
        holder=Holder(name="Ana", email=None, id_type="cedula", id_number="1714307103"),
        lines=["+593991234567", "+59322345678", "+593991234567"],
        totals=Totals(subtotal="20.00", discount="0.00", taxes="3.00", total="23.00"),
        statement=StatementSummary(
            previous_balance="5.00",
            payments="0.00",
            charges="23.00",
            adjustments="0.00",
            balance_due="28.00",
            due_date=date(2026, 3, 16),
        ),
        # The fiscal record lines never reads: named, not carried.
        authorized_xml_sha256="0" * 64,
        authorized_xml_size=15,
    )
    found = invoice_summaries(data)
    assert [number for number, _ in found] == ["+593991234567", "+59322345678"]
    summary = found[0][1]
    assert (str(summary.total), str(summary.balance_due), summary.invoice_number) == (
        "23.00",
        "28.00",
        "001-001-000000123",
    )
