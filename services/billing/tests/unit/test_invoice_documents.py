"""An invoice stored as a document rebuilds to the very same factura XML (used to re-sign)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billing.adapters.store.invoice_documents import invoice_document, invoice_from_document
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import bill_lines, build_invoice, lines_total, statement_info
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import ExtraTax, Invoice, Issuer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement

ISSUER = Issuer(
    ruc="1790011674001",
    razon_social="Telecomunicaciones Demo S.A.",
    dir_matriz="Av. Amazonas N24-100, Quito",
    obligado_contabilidad=True,
    environment=1,
    nombre_comercial="Demo Telecom",
    dir_establecimiento="Av. 9 de Octubre 100, Guayaquil",
)
PLANS = {
    "MOVIL-20": Plan("MOVIL-20", "Plan Móvil 20", "movil", Decimal("20.00")),
    "TV-PLUS": Plan(
        "TV-PLUS",
        "TV Plus",
        "tv",
        Decimal("30.00"),
        extra_taxes=(ExtraTax("3", "3092", Decimal(15)),),
    ),
}
PERIOD = BillingPeriod.of("2026-10", 1)


def _account() -> Account:
    holder = Holder("cedula", "1714307103", "Ana Pérez", "Quito", "ana@correo.ec", "0991234567")
    return Account(
        "acc-1",
        holder,
        cycle_day=1,
        payment_method="20",
        subscriptions=(
            Subscription("s1", "0991234567", "movil", "MOVIL-20", date(2026, 1, 1)),
            Subscription(
                "s2", "022345678", "tv", "TV-PLUS", date(2026, 10, 11), monthly_discount=Decimal(3)
            ),
        ),
    )


def _built(issuer: Issuer = ISSUER) -> tuple[Invoice, dict[str, Any]]:
    account = _account()
    lines = bill_lines(account, PLANS, PERIOD)
    this = Movement(PERIOD.cutoff, "invoice", "Factura", lines_total(lines), "", PERIOD.label)
    statement = build_statement(PERIOD, [this], due_days=15)
    invoice = build_invoice(
        issuer,
        account,
        lines,
        issue_date=PERIOD.cutoff,
        sequential=42,
        numeric_code="12345678",
        additional_info=statement_info(account, PERIOD, statement),
    )
    doc = invoice_document(
        invoice,
        account=account,
        period=PERIOD,
        bill_run_id="run-1",
        statement=statement,
        now=datetime.now(UTC),
    )
    return invoice, doc


def test_designations_survive_the_round_trip() -> None:
    """A retry re-signs with the issuer the invoice was built with, designations included;
    documents stored before the designations existed rebuild without them."""
    designated = replace(ISSUER, agente_retencion="7", gran_contribuyente="NAC-GCTRGGC20-00000001")
    invoice, doc = _built(designated)
    rebuilt = to_xml(invoice_from_document(doc))
    assert rebuilt == to_xml(invoice)
    assert b"<agenteRetencion>7</agenteRetencion>" in rebuilt
    assert b'nombre="Gran Contribuyente"' in rebuilt
    _, old = _built()
    del old["issuer"]["agente_retencion"], old["issuer"]["gran_contribuyente"]
    assert b"agenteRetencion" not in to_xml(invoice_from_document(old))


def test_document_round_trip_gives_identical_xml() -> None:
    account = _account()
    lines = bill_lines(account, PLANS, PERIOD)
    total = lines_total(lines)
    this = Movement(PERIOD.cutoff, "invoice", "Factura", total, "", PERIOD.label)
    statement = build_statement(PERIOD, [this], due_days=15)
    invoice = build_invoice(
        ISSUER,
        account,
        lines,
        issue_date=PERIOD.cutoff,
        sequential=42,
        numeric_code="12345678",
        additional_info=statement_info(account, PERIOD, statement),
    )
    assert invoice.importe_total == total
    doc = invoice_document(
        invoice,
        account=account,
        period=PERIOD,
        bill_run_id="run-1",
        statement=statement,
        now=datetime.now(UTC),
    )
    assert doc["_id"] == "1790011674001-001-001-000000042"
    assert doc["number"] == "001-001-000000042"
    assert doc["totals"]["total"] == f"{total:.2f}"
    assert doc["lines_numbers"] == ["+593991234567", "+59322345678"]
    assert to_xml(invoice_from_document(doc), "1.1.0") == to_xml(invoice, "1.1.0")
