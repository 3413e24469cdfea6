"""Invoices as stored documents and back: everything needed to rebuild the factura exactly, and
the ``IssuedInvoice`` aggregate the submitter moves (its SRI state, what its events carry).

Amounts are kept as decimal strings; dates as ISO strings (BSON has no plain date).
"""

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billing.domain.accounts import Account
from billing.domain.detail_lines import LineInfo
from billing.domain.events import (
    InvoiceAuthorization,
    InvoiceHolder,
    InvoiceTotals,
    StatementSummary,
)
from billing.domain.invoice import Buyer, ExtraTax, Invoice, InvoiceLine, Issuer, Payment
from billing.domain.issued_invoice import HistoryEntry, IssuedInvoice
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Statement
from billing.domain.submission import Message, State


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _line_document(line: InvoiceLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "discount": str(line.discount),
        "tax_code": line.tax_code,
        # Sub-documents, not arrays: FerretDB refuses nested arrays.
        "extra_taxes": [
            {"tax_code": t.tax_code, "rate_code": t.rate_code, "rate": str(t.rate)}
            for t in line.extra_taxes
        ],
        "subtotal": _money(line.precio_total_sin_impuesto),
        "unit": line.info.unit,
        "details": [{"name": n, "value": v} for n, v in line.info.details],
    }


def _line(doc: Mapping[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        code=doc["code"],
        description=doc["description"],
        quantity=Decimal(doc["quantity"]),
        unit_price=Decimal(doc["unit_price"]),
        tax_code=doc["tax_code"],
        discount=Decimal(doc["discount"]),
        extra_taxes=tuple(
            ExtraTax(t["tax_code"], t["rate_code"], Decimal(t["rate"])) for t in doc["extra_taxes"]
        ),
        # Invoices stored before detail lines had them carry neither (rebuilt as they were).
        info=LineInfo(
            doc.get("unit"), tuple((d["name"], d["value"]) for d in doc.get("details", ()))
        ),
    )


def statement_document(statement: Statement) -> dict[str, Any]:
    return {
        "previous_balance": _money(statement.previous_balance),
        "payments": _money(statement.payments),
        "charges": _money(statement.charges),
        "adjustments": _money(statement.adjustments),
        "balance_due": _money(statement.balance_due),
        "due_date": statement.due_date.isoformat(),
    }


def invoice_document(
    invoice: Invoice,
    *,
    account: Account,
    period: BillingPeriod,
    bill_run_id: str,
    statement: Statement,
    now: datetime,
) -> dict[str, Any]:
    issuer, buyer = invoice.issuer, invoice.buyer
    payment = invoice.payments[0]
    return {
        # The id is the claim on the secuencial (see store/invoices.py).
        "_id": invoice.document_id,
        "number": invoice.number,
        "account_id": account.account_id,
        "period": period.label,
        "cycle_day": period.cycle_day,
        "bill_run_id": bill_run_id,
        "establishment": issuer.establishment,
        "emission_point": issuer.emission_point,
        "sequential": invoice.sequential,
        "access_key": invoice.access_key,
        "numeric_code": invoice.numeric_code,
        "issue_date": invoice.issue_date.isoformat(),
        "issuer": asdict(issuer),
        "buyer": asdict(buyer),
        "holder": {
            "name": account.holder.name,
            "email": account.holder.email,
            "id_type": account.holder.id_type,
            "id_number": account.holder.id_number,
        },
        "lines_numbers": [s.number for s in account.active_subscriptions(period.start, period.end)],
        "items": [_line_document(line) for line in invoice.lines],
        "additional_info": [{"name": n, "value": v} for n, v in invoice.additional_info],
        "payment": {
            "forma_pago": payment.forma_pago,
            "total": _money(payment.total),
            "plazo": str(payment.plazo) if payment.plazo is not None else None,
            "unidad_tiempo": payment.unidad_tiempo,
        },
        "totals": {
            "subtotal": _money(invoice.total_sin_impuestos),
            "discount": _money(invoice.total_descuento),
            "taxes": _money(invoice.total_impuestos),
            "total": _money(invoice.importe_total),
        },
        "statement": statement_document(statement),
        "state": State.SIGNED.value,
        "attempts": 0,
        "polls": 0,  # received_at, sri_has_key: written by the first SRI step
        "next_attempt_at": now,
        "sri_messages": [],
        "authorization": None,
        "history": [{"state": State.SIGNED.value, "at": now}],
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def invoice_from_document(doc: Mapping[str, Any]) -> Invoice:
    """The factura exactly as first built (used to re-sign if its XML was never stored)."""
    payment = doc["payment"]
    return Invoice(
        issuer=Issuer(**doc["issuer"]),
        buyer=Buyer(**doc["buyer"]),
        issue_date=date.fromisoformat(doc["issue_date"]),
        sequential=int(doc["sequential"]),
        numeric_code=doc["numeric_code"],
        lines=tuple(_line(item) for item in doc["items"]),
        payments=(
            Payment(
                payment["forma_pago"],
                Decimal(payment["total"]),
                Decimal(payment["plazo"]) if payment["plazo"] is not None else None,
                payment["unidad_tiempo"],
            ),
        ),
        additional_info=tuple((i["name"], i["value"]) for i in doc["additional_info"]),
    )


# -- the aggregate ----------------------------------------------------------------------------


def comprobante_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What every stored comprobante on its way through SRI has (a factura, a nota): the fields
    of ``IssuedInvoice``, which ``IssuedNote`` extends."""
    holder, statement = doc["holder"], doc["statement"]
    return {
        "invoice_id": doc["_id"],
        "number": doc["number"],
        "account_id": doc["account_id"],
        "period": doc["period"],
        "access_key": doc["access_key"],
        "issue_date": date.fromisoformat(doc["issue_date"]),
        "holder": InvoiceHolder(
            holder["name"], holder.get("email"), holder["id_type"], holder["id_number"]
        ),
        "lines": tuple(doc["lines_numbers"]),
        "totals": InvoiceTotals(**doc["totals"]),
        "statement": StatementSummary(
            **{k: v for k, v in statement.items() if k != "due_date"},
            due_date=date.fromisoformat(statement["due_date"]),
        ),
        "state": State(doc["state"]),
        "attempts": int(doc.get("attempts", 0)),
        "polls": int(doc.get("polls", 0)),
        "received_at": doc.get("received_at"),
        "sri_has_key": bool(doc.get("sri_has_key", False)),
        "next_attempt_at": doc.get("next_attempt_at"),
        "sri_messages": tuple(Message(**m) for m in doc.get("sri_messages") or ()),
        "authorization": _authorization(doc.get("authorization")),
        "version": int(doc["version"]),
        "updated_at": doc.get("updated_at"),
    }


def issued_invoice(doc: Mapping[str, Any], *, with_factura: bool = False) -> IssuedInvoice:
    """The aggregate of a stored invoice (with its factura if asked and the items were read)."""
    return IssuedInvoice(
        **comprobante_fields(doc),
        bill_run_id=doc.get("bill_run_id"),
        corrected_at=doc.get("corrected_at"),
        factura=invoice_from_document(doc) if with_factura and "items" in doc else None,
    )


def _authorization(doc: Mapping[str, Any] | None) -> InvoiceAuthorization | None:
    if not doc:
        return None
    return InvoiceAuthorization(doc["number"], doc["authorized_at"], doc.get("environment"))


def state_changes(invoice: IssuedInvoice) -> dict[str, Any]:
    """The fields an SRI step may change (the rest was fixed when the invoice was issued)."""
    authorization = invoice.authorization
    return {
        "state": invoice.state.value,
        "attempts": invoice.attempts,
        "polls": invoice.polls,
        "received_at": invoice.received_at,
        "sri_has_key": invoice.sri_has_key,
        "next_attempt_at": invoice.next_attempt_at,
        "sri_messages": [asdict(m) for m in invoice.sri_messages],
        "authorization": None if authorization is None else asdict(authorization),
        "updated_at": invoice.updated_at,
    }


def history_document(entry: HistoryEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {"state": entry.state.value, "at": entry.at}
    if entry.with_status:
        doc["sri_status"] = entry.sri_status
    return doc
