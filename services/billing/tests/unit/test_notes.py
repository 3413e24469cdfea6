"""Notas de crédito (04) and débito (05) (docs/sri.md §9): the credit limit per IVA rate, the
XML valid against SRI's schemas, signed and verified by xmlsec1, and issuing them: only against
an authorized factura, never to consumidor final, each codDoc numbered on its own without gaps.
"""

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from billing.adapters.signing import DS, XADES, sign_factura, verify_factura
from billing.adapters.sri_schema import validate_note
from billing.domain.events import InvoiceHolder, StatementSummary
from billing.domain.invoice import Buyer, Issuer
from billing.domain.issued_note import IssuedNote
from billing.domain.note_xml import to_xml
from billing.domain.notes import (
    CREDIT_NOTE,
    DEBIT_NOTE,
    CreditExceeded,
    ModifiedInvoice,
    Note,
    NoteLine,
    check_credit,
)
from billing.domain.ownership import Viewer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from billing.domain.submission import AuthorizationAnswer, Message, State
from billing.events import to_wire
from billing.use_cases import bill_runs, invoicing, notes
from billing.use_cases.notes import LineInput, NoteInput
from common.errors import Conflict, InvalidInput, NotFound
from services.billing.tests.unit.invoice_fakes import (
    ISSUER as INVOICE_ISSUER,
)
from services.billing.tests.unit.invoice_fakes import (
    NOW,
    POLICY,
    FakeAccounts,
    FakeBilling,
    FakePages,
    FakeSigner,
    account,
    clock,
    record,
)
from services.billing.tests.unit.test_signing import SIGNING_TIME, Pki, pki  # noqa: F401

pytestmark = pytest.mark.unit

ISSUER = Issuer(
    "1790011674001", "Demo S.A.", "Quito", True, 1, agente_retencion="1", gran_contribuyente="7"
)
BUYER = Buyer("04", "1790085783001", "Empresa Cliente S.A.", "Quito", "pagos@cliente.ec")
FACTURA = ModifiedInvoice("1790011674001-001-001-000000007", "001-001-000000007", date(2026, 11, 1))


def _note(doc_type: str, *lines: NoteLine, buyer: Buyer = BUYER, sequential: int = 1) -> Note:
    return Note(
        doc_type, ISSUER, buyer, date(2026, 11, 10), sequential, "12345678", FACTURA,
        "Compensación por corte de servicio del 3 al 5 de noviembre", lines,
    )  # fmt: skip


LINES = (NoteLine("Compensación plan", Decimal("8.70"), "4"), NoteLine("Exento", Decimal("1"), "7"))


# -- the credit limit ---------------------------------------------------------------------------


def test_credit_up_to_what_is_left_per_iva_rate() -> None:
    factura = {"4": Decimal("30.00"), "0": Decimal("5.00")}
    earlier = [{"4": Decimal("20.00")}, {"4": Decimal("4.50"), "0": Decimal("5.00")}]
    check_credit([NoteLine("x", Decimal("5.50"), "4")], factura, earlier)  # exactly the rest
    with pytest.raises(CreditExceeded, match=r"SUBTOTAL 15%: se pide 5\.51, queda 5\.50"):
        check_credit([NoteLine("x", Decimal("5.51"), "4")], factura, earlier)
    with pytest.raises(CreditExceeded, match=r"SUBTOTAL 0%: se pide 0\.01, queda 0\.00"):
        check_credit([NoteLine("x", Decimal("0.01"), "0")], factura, earlier)


def test_a_rate_the_factura_does_not_have_cannot_be_credited() -> None:
    with pytest.raises(CreditExceeded, match="EXENTO"):
        check_credit([NoteLine("x", Decimal("1.00"), "7")], {"4": Decimal("100.00")}, [])


def test_lines_of_one_rate_are_added_before_the_check() -> None:
    two = [NoteLine("a", Decimal("6.00"), "4"), NoteLine("b", Decimal("5.00"), "4")]
    with pytest.raises(CreditExceeded, match=r"se pide 11\.00, queda 10\.00"):
        check_credit(two, {"4": Decimal("10.00")}, [])


def test_never_to_consumidor_final_nor_before_the_factura() -> None:
    with pytest.raises(ValueError, match="consumidor final"):
        _note(CREDIT_NOTE, *LINES, buyer=Buyer.consumidor_final())
    with pytest.raises(ValueError, match="before the factura"):
        replace(_note(DEBIT_NOTE, *LINES), issue_date=date(2026, 10, 31))


def test_totals_per_line_and_tax() -> None:
    note = _note(CREDIT_NOTE, *LINES)
    assert (note.subtotal, note.taxes, note.total) == (
        Decimal("9.70"),
        Decimal("1.31"),  # 8.70 × 15% = 1.305 → 1.31 (half up); exento 0
        Decimal("11.01"),
    )
    assert note.access_key[8:10] == "04" and note.number == "001-001-000000001"
    assert note.document_id == "1790011674001-04-001-001-000000001"


# -- the XML: valid, signed, verified ---------------------------------------------------------


@pytest.mark.parametrize("doc_type", [CREDIT_NOTE, DEBIT_NOTE])
def test_xml_is_valid_against_sris_schema(doc_type: str) -> None:
    xml = to_xml(_note(doc_type, *LINES))
    assert validate_note(xml) == []
    root = etree.fromstring(xml)
    assert root.get("version") == ("1.1.0" if doc_type == CREDIT_NOTE else "1.0.0")
    info = root[1]
    assert info.findtext("codDocModificado") == "01"
    assert info.findtext("numDocModificado") == "001-001-000000007"
    assert info.findtext("fechaEmisionDocSustento") == "01/11/2026"
    assert root.findtext("infoTributaria/agenteRetencion") == "1"
    total = "valorModificacion" if doc_type == CREDIT_NOTE else "valorTotal"
    assert info.findtext(total) == "11.01"


def test_xsd_refuses_a_broken_note() -> None:
    xml = to_xml(_note(DEBIT_NOTE, *LINES)).replace(b"<valorTotal>", b"<valorTotalx>")
    xml = xml.replace(b"</valorTotal>", b"</valorTotalx>")
    assert validate_note(xml)


XMLSEC1 = shutil.which("xmlsec1")


@pytest.mark.parametrize("doc_type", [CREDIT_NOTE, DEBIT_NOTE])
def test_signed_and_verified_by_xmlsec1(pki: Pki, doc_type: str, tmp_path: Path) -> None:  # noqa: F811
    note = _note(doc_type, *LINES)
    signed = sign_factura(to_xml(note), pki.credentials, signing_time=SIGNING_TIME)
    assert verify_factura(signed)
    if XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed (deploy/local/stack.sh installs Debian's xmlsec1)")
    root_tag = "notaCredito" if doc_type == CREDIT_NOTE else "notaDebito"
    path = tmp_path / "note.xml"
    path.write_bytes(signed)
    command = [
        XMLSEC1, "--verify", "--enabled-key-data", "x509", "--id-attr:id", root_tag,
        "--id-attr:Id", f"{XADES}:SignedProperties", "--id-attr:Id", f"{DS}:KeyInfo",
        "--trusted-pem", str(pki.ca_pem), str(path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    assert done.returncode == 0, done.stderr
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.replace(b"11.01", b"11.02", 1))
    command[-1] = str(tampered)
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    assert done.returncode != 0


# -- issuing -----------------------------------------------------------------------------------


OPERATOR = Viewer("op", operator=True)


def _service(state: State = State.AUTHORIZED, **account_changes: object) -> tuple[FakeBilling, str]:
    svc = FakeBilling()
    svc.signer = FakeSigner  # type: ignore[attr-defined]
    svc.note_submitter = None  # type: ignore[attr-defined]
    svc.settings.late_fees_as = "debit_note"  # type: ignore[attr-defined]
    issued = svc.invoices.add(record(7, account(**account_changes)))
    svc.invoices.invoices[issued.invoice_id] = replace(issued, state=state)
    return svc, issued.invoice_id


def _request(key: str, *amounts: str, tax_code: str = "4") -> NoteInput:
    lines = [LineInput("Compensación por corte", a, tax_code) for a in amounts]
    return NoteInput("Corte de servicio", lines, key)


async def test_credit_notes_are_numbered_gapless_per_doc_type() -> None:
    svc, invoice_id = _service()  # the factura: 10.00 at IVA 15%
    first = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "1.00"), NOW)
    debit = await notes.issue(svc, invoice_id, DEBIT_NOTE, _request("b", "2.00"), NOW)
    second = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("c", "1.00"), NOW)
    assert [first.number, second.number] == ["001-001-000000001", "001-001-000000002"]
    assert debit.number == "001-001-000000001"  # its own sequence (codDoc 05)
    assert {first.access_key[8:10], debit.access_key[8:10]} == {"04", "05"}
    assert first.state == State.SIGNED and svc.notes.fiscal[first.note_id]["signed_xml"]
    listed = await notes.of_invoice(svc, invoice_id)
    assert [(n.kind, n.number) for n in listed] == [
        ("credit_note", "001-001-000000001"),
        ("debit_note", "001-001-000000001"),
        ("credit_note", "001-001-000000002"),
    ]


async def test_a_replayed_request_gets_the_first_note() -> None:
    svc, invoice_id = _service()
    first = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("k", "1.00"), NOW)
    again = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("k", "1.00"), NOW)
    assert again.note_id == first.note_id and len(svc.notes.docs) == 1


async def test_never_above_what_is_left_of_the_factura() -> None:
    svc, invoice_id = _service()  # base 10.00 at 15%
    await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "6.00"), NOW)
    with pytest.raises(InvalidInput) as refused:
        await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("b", "4.01"), NOW)
    assert "queda 4.00" in (refused.value.fields or {})["lines"]
    # Debit notes do not use up the credit; the exact rest still goes through.
    await notes.issue(svc, invoice_id, DEBIT_NOTE, _request("c", "9.00"), NOW)
    await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("d", "4.00"), NOW)
    assert len(svc.notes.docs) == 3  # nothing numbered for the refused one


async def test_a_rejected_credit_note_gives_its_room_back() -> None:
    svc, invoice_id = _service()
    first = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "10.00"), NOW)
    svc.notes.docs[first.note_id]["state"] = State.NOT_AUTHORIZED.value
    await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("b", "10.00"), NOW)


async def test_only_against_an_authorized_factura() -> None:
    svc, invoice_id = _service(State.RECEIVED)
    with pytest.raises(Conflict, match="autorizadas"):
        await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "1.00"), NOW)
    with pytest.raises(NotFound):
        await notes.issue(
            svc, "1790011674001-001-001-000000099", CREDIT_NOTE, _request("a", "1"), NOW
        )


async def test_debit_notes_refused_when_late_fees_go_on_the_next_invoice() -> None:
    svc, invoice_id = _service()
    svc.settings.late_fees_as = "next_invoice"
    with pytest.raises(Conflict) as refused:
        await notes.issue(svc, invoice_id, DEBIT_NOTE, _request("a", "1.00"), NOW)
    assert refused.value.code == "late_fees_on_next_invoice"
    await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("b", "1.00"), NOW)


async def test_authorized_notes_are_statement_movements() -> None:
    svc, invoice_id = _service()
    credit = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "2.00"), NOW)
    debit = await notes.issue(svc, invoice_id, DEBIT_NOTE, _request("b", "1.00"), NOW)
    pending = await svc.notes.movements([credit.account_id])
    assert pending[credit.account_id] == []  # counted once authorized only
    svc.notes.authorize(credit.note_id)
    svc.notes.authorize(debit.note_id)
    moved = (await svc.notes.movements([credit.account_id]))[credit.account_id]
    assert sorted((m.kind, m.amount) for m in moved) == [
        ("credit_note", Decimal("-2.30")),
        ("debit_note", Decimal("1.15")),
    ]


def test_the_statement_counts_notes_with_the_charges_of_their_month() -> None:
    period = BillingPeriod.of("2026-11")
    moves = [
        Movement(date(2026, 11, 1), "invoice", "Factura", Decimal("11.50"), "f", "2026-11"),
        Movement(date(2026, 11, 10), "credit_note", "Nota de crédito", Decimal("-2.30"), "c"),
        Movement(date(2026, 11, 12), "debit_note", "Nota de débito", Decimal("1.15"), "d"),
        Movement(date(2026, 12, 2), "credit_note", "Nota de crédito", Decimal("-1.00"), "n"),
    ]
    statement = build_statement(period, moves, due_days=15)
    assert statement.charges == Decimal("10.35")
    assert statement.balance_due == Decimal("10.35")
    assert [m.kind for m in statement.movements] == ["invoice", "credit_note", "debit_note"]


# -- SRI's answer: the note's events on the wire ----------------------------------------------


async def _issued_note(doc_type: str) -> IssuedNote:
    svc, invoice_id = _service()
    note = await notes.issue(svc, invoice_id, doc_type, _request("a", "2.00"), NOW)
    note.state = State.RECEIVED
    return note


@pytest.mark.parametrize(
    ("doc_type", "topic"),
    [(CREDIT_NOTE, "billing.credit-note-issued"), (DEBIT_NOTE, "billing.debit-note-issued")],
)
async def test_authorized_note_publishes_its_event(doc_type: str, topic: str) -> None:
    note = await _issued_note(doc_type)
    record = b"<autorizacion>...</autorizacion>"
    answer = AuthorizationAnswer("AUTORIZADO", number=note.access_key, record=record)
    assert note.authorizations_answered([answer], NOW, POLICY) is answer
    [event] = note.events
    wire = to_wire(event)
    assert wire.topic == topic and wire.data.note_id == note.note_id  # type: ignore[attr-defined]
    data = wire.model_dump(mode="json")["data"]
    assert sorted(data) == sorted(
        [
            "note_id", "doc_type", "account_id", "number", "access_key", "issue_date",
            "authorization_number", "authorized_at", "environment", "holder", "lines",
            "modified_invoice_id", "modified_number", "modified_issue_date", "reason", "totals",
            "authorized_xml_sha256", "authorized_xml_size",
        ]
    )  # fmt: skip
    assert data["doc_type"] == doc_type and data["totals"]["total"] == "2.30"
    assert data["modified_number"] == "001-001-000000007" and data["lines"] == ["+593991234567"]
    assert data["authorized_xml_size"] == len(record)
    assert set(data["holder"]) == {"name", "email", "id_type", "id_number"}


async def test_refused_note_publishes_note_rejected() -> None:
    note = await _issued_note(CREDIT_NOTE)
    message = Message("39", "FIRMA INVALIDA", None, "ERROR")
    note.authorizations_answered([AuthorizationAnswer("NO AUTORIZADO", (message,))], NOW, POLICY)
    [event] = note.events
    wire = to_wire(event)
    assert wire.topic == "billing.note-rejected"
    assert note.public_status == "rejected"


async def test_without_a_certificate_nothing_is_numbered() -> None:
    svc, invoice_id = _service()

    def unavailable() -> FakeSigner:
        raise RuntimeError("SIGNING_P12_PATH is not set")

    svc.signer = unavailable  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as refused:
        await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "1.00"), NOW)
    assert refused.value.code == "signer_unavailable" and not svc.notes.docs


async def test_a_bill_run_counts_authorized_notes_in_the_statement() -> None:
    svc = FakeBilling(accounts=FakeAccounts(account("acc-0")))
    credit = Note(
        CREDIT_NOTE, INVOICE_ISSUER, BUYER, date(2026, 10, 15), 1, "12345678",
        ModifiedInvoice("1790011674001-001-001-000000001", "001-001-000000001", date(2026, 10, 1)),
        "Corte", [NoteLine("Compensación", Decimal("2.00"), "4")],
    )  # fmt: skip
    context = {
        "account_id": "acc-0",
        "period": "2026-09",
        "holder": InvoiceHolder("Ana", None, "cedula", "1714307103"),
        "lines_numbers": [],
        "statement": StatementSummary("0", "0", "0", "0", "0", date(2026, 10, 16)),
        "idempotency_key": "k",
        "now": NOW,
    }
    assert await svc.notes.insert(credit, **context) is None
    svc.notes.authorize(credit.document_id)
    run = await bill_runs.start(svc, 1, "2026-10", None, date(2026, 11, 10), NOW)
    [loaded] = await svc.bill_runs.running()
    await invoicing.invoice(svc, loaded, FakePages(), clock())
    assert svc.bill_runs.runs[run.bill_run_id].invoices_created == 1
    [invoice] = svc.invoices.records.values()
    # The plan's 10.00 + IVA = 11.50, less the credit note's 2.30 issued inside the period.
    assert invoice["statement"]["charges"] == "9.20"


async def test_a_factura_being_credited_elsewhere_is_409() -> None:
    svc, invoice_id = _service()
    await svc.notes.lock_invoice(invoice_id, NOW)  # another replica is issuing one
    with pytest.raises(Conflict) as busy:
        await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "1.00"), NOW)
    assert busy.value.code == "factura_busy" and not svc.notes.docs
    await svc.notes.unlock_invoice(invoice_id)
    await notes.issue(svc, invoice_id, CREDIT_NOTE, _request("a", "1.00"), NOW)
    assert not svc.notes.locks  # released after the insert
