"""Invoices (docs/api.md §billing): an account's invoices (operators), a line's invoices, one
invoice, its fiscal XML and its RIDE link — for operators any, for customers those of the lines
they hold (the use cases decide, ``domain/ownership.py``)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path, Query, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from billing.api.deps import Ctx, Operator, Reader
from billing.api.routes import billing_router
from billing.api.schemas import Identifier, PhoneNumber
from billing.domain.invoice import InvoiceLine
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.issued_note import IssuedNote
from billing.domain.submission import Message
from billing.use_cases import corrections, invoices, notes
from common.errors import InvalidInput
from common.http import ERROR_RESPONSES

router = billing_router("billing-invoices")
InvoiceId = Annotated[Identifier, Path()]


class InvoiceRow(BaseModel):
    invoice_id: str
    account_id: str
    period: str
    number: str
    issue_date: date
    total: str
    status: str  # authorized | rejected | pending

    @classmethod
    def of(cls, invoice: IssuedInvoice) -> "InvoiceRow":
        return cls(**_row(invoice))


class SriMessageOut(BaseModel):
    identifier: str
    message: str
    additional_info: str | None
    kind: str

    @classmethod
    def of(cls, message: Message) -> "SriMessageOut":
        return cls(
            identifier=message.identifier,
            message=message.message,
            additional_info=message.additional_info,
            kind=message.kind,
        )


class HolderOut(BaseModel):
    name: str
    email: str | None
    id_type: str
    id_number: str


class ExtraTaxOut(BaseModel):
    tax_code: str
    rate_code: str
    rate: str


class DetailOut(BaseModel):
    """A detAdicional of a line: ("Línea", "099 123 4567"), ("Periodo", "01/11/2026 al …")."""

    name: str
    value: str


class ItemOut(BaseModel):
    """A line of the factura, amounts as decimal strings (as stored)."""

    code: str
    description: str
    quantity: str
    unit_price: str
    discount: str
    tax_code: str
    extra_taxes: list[ExtraTaxOut]
    subtotal: str  # precioTotalSinImpuesto
    unit: str | None  # unidadMedida
    details: list[DetailOut]  # detallesAdicionales

    @classmethod
    def of(cls, line: InvoiceLine) -> "ItemOut":
        return cls(
            code=line.code,
            description=line.description,
            quantity=str(line.quantity),
            unit_price=str(line.unit_price),
            discount=str(line.discount),
            tax_code=line.tax_code,
            extra_taxes=[
                ExtraTaxOut(tax_code=t.tax_code, rate_code=t.rate_code, rate=str(t.rate))
                for t in line.extra_taxes
            ],
            subtotal=f"{line.precio_total_sin_impuesto:.2f}",
            unit=line.info.unit,
            details=[DetailOut(name=name, value=value) for name, value in line.info.details],
        )


class TotalsOut(BaseModel):
    subtotal: str
    discount: str
    taxes: str
    total: str


class StatementOut(BaseModel):
    previous_balance: str
    payments: str
    charges: str
    adjustments: str
    balance_due: str
    due_date: date


class NoteRef(BaseModel):
    """A nota de crédito or débito that modifies the invoice."""

    note_id: str
    kind: str  # credit_note | debit_note
    number: str
    status: str
    total: str

    @classmethod
    def of(cls, note: IssuedNote) -> "NoteRef":
        return cls(
            note_id=note.note_id,
            kind=note.kind,
            number=note.number,
            status=note.public_status,
            total=note.totals.total,
        )


class InvoiceOut(InvoiceRow):
    access_key: str
    authorization_number: str | None
    authorization_date: datetime | None
    environment: str | None
    sri_state: str
    sri_messages: list[SriMessageOut]
    holder: HolderOut
    lines: list[str]  # the E.164 numbers billed
    items: list[ItemOut]
    totals: TotalsOut
    statement: StatementOut
    bill_run_id: str | None
    notes: list[NoteRef] = []  # notas de crédito and débito that modify it, oldest first

    @classmethod
    def of(cls, invoice: IssuedInvoice) -> "InvoiceOut":
        authorization, factura = invoice.authorization, invoice.factura
        return cls(
            **_row(invoice),
            access_key=invoice.access_key,
            authorization_number=authorization.number if authorization else None,
            authorization_date=authorization.authorized_at if authorization else None,
            environment=authorization.environment if authorization else None,
            sri_state=invoice.state.value,
            sri_messages=[SriMessageOut.of(m) for m in invoice.sri_messages],
            holder=HolderOut.model_validate(invoice.holder, from_attributes=True),
            lines=list(invoice.lines),
            items=[ItemOut.of(line) for line in factura.lines] if factura else [],
            totals=TotalsOut.model_validate(invoice.totals, from_attributes=True),
            statement=StatementOut.model_validate(invoice.statement, from_attributes=True),
            bill_run_id=invoice.bill_run_id,
        )


def _row(invoice: IssuedInvoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.invoice_id,
        "account_id": invoice.account_id,
        "period": invoice.period,
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "total": invoice.totals.total,
        "status": invoice.public_status,
    }


class StatusFilter(StrEnum):
    REJECTED = "rejected"


class RejectedRow(InvoiceRow):
    """A rejected invoice as the operator corrects it: with SRI's answer."""

    access_key: str
    state: str  # returned | not_authorized
    sri_messages: list[SriMessageOut]
    updated_at: datetime | None

    @classmethod
    def of(cls, invoice: IssuedInvoice) -> "RejectedRow":
        return cls(
            **_row(invoice),
            access_key=invoice.access_key,
            state=invoice.state.value,
            sri_messages=[SriMessageOut.of(m) for m in invoice.sri_messages],
            updated_at=invoice.updated_at,
        )


@router.get("/admin/invoices")
async def invoices_of_account(
    svc: Ctx,
    _: Operator,
    account_id: Annotated[Identifier | None, Query()] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
) -> list[RejectedRow] | list[InvoiceRow]:
    """An account's invoices, newest period first; ``status=rejected``: the invoices SRI
    refused (of that account, or of every account), latest first, with SRI's messages."""
    if status == StatusFilter.REJECTED:
        if account_id is None:
            return [RejectedRow.of(i) for i in await corrections.rejected(svc)]
        found = await invoices.of_account(svc, account_id)
        return [RejectedRow.of(i) for i in found if i.public_status == "rejected"]
    if account_id is None:
        # Without a filter there is nothing to list (status=rejected lists every account's).
        raise InvalidInput.field("account_id", "Este campo es obligatorio.")
    return [InvoiceRow.of(invoice) for invoice in await invoices.of_account(svc, account_id)]


@router.get("/invoices")
async def invoices_of_line(
    line: Annotated[PhoneNumber, Query()], svc: Ctx, caller: Reader
) -> list[InvoiceRow]:
    """A line's invoices, newest period first (customers: a line they hold)."""
    return [InvoiceRow.of(invoice) for invoice in await invoices.of_line(svc, line, caller)]


@router.get("/invoices/{invoice_id}")
async def invoice(invoice_id: InvoiceId, svc: Ctx, caller: Reader) -> InvoiceOut:
    out = InvoiceOut.of(await invoices.get(svc, invoice_id, caller))
    out.notes = [NoteRef.of(n) for n in await notes.of_invoice(svc, invoice_id)]
    return out


@router.get(
    "/invoices/{invoice_id}/xml",
    response_class=Response,
    responses={
        200: {
            "description": "SRI's `autorizacion` with the signed comprobante inside.",
            "content": {"application/xml": {"schema": {"type": "string"}}},
            "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
        },
        409: ERROR_RESPONSES[409] | {"description": "Aún no autorizada (`not_authorized`)."},
    },
)
async def invoice_xml(invoice_id: InvoiceId, svc: Ctx, caller: Reader) -> Response:
    """The fiscal record: SRI's ``autorizacion`` with the signed comprobante inside."""
    invoice, xml = await invoices.authorized_xml(svc, invoice_id, caller)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{invoice.access_key}.xml"'},
    )


@router.get(
    "/invoices/{invoice_id}/ride",
    response_class=RedirectResponse,
    status_code=302,
    responses={
        302: {
            "description": "A link to the RIDE (PDF) at rendering, valid five minutes.",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        409: ERROR_RESPONSES[409] | {"description": "Aún sin RIDE (`ride_not_ready`)."},
    },
)
async def invoice_ride(invoice_id: InvoiceId, svc: Ctx, caller: Reader) -> RedirectResponse:
    """302 to the RIDE (PDF) at rendering through a link valid for five minutes."""
    link = await invoices.ride_link(svc, invoice_id, caller, svc.clock())
    return RedirectResponse(link, status_code=302, headers={"Cache-Control": "no-store"})
