"""Notas de crédito and débito (docs/api.md §billing, fiscal corrections): the operator issues
them against an authorized factura; operators and the customers who may see that factura read
them and their fiscal XML."""

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Response
from pydantic import BaseModel, Field

from billing.api.deps import Ctx, Operator, Reader
from billing.api.routes import billing_router
from billing.api.schemas import IdempotencyKey, Identifier, PositiveMoney, TaxCode, Text
from billing.domain.issued_note import IssuedNote
from billing.domain.notes import CREDIT_NOTE, DEBIT_NOTE
from billing.use_cases import notes
from billing.use_cases.notes import LineInput, NoteInput
from common.http import ERROR_RESPONSES

router = billing_router("billing-notes")
NoteId = Annotated[Identifier, Path()]
InvoiceId = Annotated[Identifier, Path()]


class NoteLineIn(BaseModel):
    description: Text
    amount: PositiveMoney  # before taxes
    tax_code: TaxCode  # IVA codigoPorcentaje


class NoteIn(BaseModel):
    reason: Text  # motivo
    lines: list[NoteLineIn] = Field(min_length=1, max_length=50)
    idempotency_key: IdempotencyKey


class NoteCreated(BaseModel):
    credit_note_id: str | None = None
    debit_note_id: str | None = None
    number: str
    status: str  # authorized | rejected | pending


class NoteLineOut(BaseModel):
    description: str
    amount: str
    tax_code: str


class NoteTotalsOut(BaseModel):
    subtotal: str
    taxes: str
    total: str


class SriMessageOut(BaseModel):
    identifier: str
    message: str
    additional_info: str | None
    kind: str


class NoteOut(BaseModel):
    note_id: str
    kind: str  # credit_note | debit_note
    doc_type: str  # 04 | 05
    number: str
    status: str
    sri_state: str
    sri_messages: list[SriMessageOut]
    access_key: str
    issue_date: date
    authorization_number: str | None
    authorization_date: datetime | None
    account_id: str
    modified_invoice_id: str
    modified_number: str
    modified_issue_date: date | None
    reason: str
    lines: list[NoteLineOut]
    totals: NoteTotalsOut

    @classmethod
    def of(cls, note: IssuedNote) -> "NoteOut":
        authorization = note.authorization
        return cls(
            note_id=note.note_id,
            kind=note.kind,
            doc_type=note.doc_type,
            number=note.number,
            status=note.public_status,
            sri_state=note.state.value,
            sri_messages=[
                SriMessageOut(
                    identifier=m.identifier,
                    message=m.message,
                    additional_info=m.additional_info,
                    kind=m.kind,
                )
                for m in note.sri_messages
            ],
            access_key=note.access_key,
            issue_date=note.issue_date,
            authorization_number=authorization.number if authorization else None,
            authorization_date=authorization.authorized_at if authorization else None,
            account_id=note.account_id,
            modified_invoice_id=note.modified_invoice_id,
            modified_number=note.modified_number,
            modified_issue_date=note.modified_issue_date,
            reason=note.reason,
            lines=[
                NoteLineOut(
                    description=i.description, amount=f"{i.amount:.2f}", tax_code=i.tax_code
                )
                for i in (note.note.lines if note.note else ())
            ],
            totals=NoteTotalsOut(
                subtotal=note.totals.subtotal, taxes=note.totals.taxes, total=note.totals.total
            ),
        )


def _request(body: NoteIn) -> NoteInput:
    return NoteInput(
        reason=body.reason,
        lines=[LineInput(**line.model_dump()) for line in body.lines],
        idempotency_key=body.idempotency_key,
    )


@router.post(
    "/admin/invoices/{invoice_id}/credit-notes",
    status_code=201,
    response_model=NoteCreated,
    response_model_exclude_none=True,
)
async def credit_note(invoice_id: InvoiceId, body: NoteIn, svc: Ctx, _: Operator) -> NoteCreated:
    """A nota de crédito (04) against an authorized factura: never above what is left of it
    per IVA rate, never to consumidor final (422); 409 while the factura is not authorized."""
    note = await notes.issue(svc, invoice_id, CREDIT_NOTE, _request(body), svc.clock())
    return NoteCreated(credit_note_id=note.note_id, number=note.number, status=note.public_status)


@router.post(
    "/admin/invoices/{invoice_id}/debit-notes",
    status_code=201,
    response_model=NoteCreated,
    response_model_exclude_none=True,
)
async def debit_note(invoice_id: InvoiceId, body: NoteIn, svc: Ctx, _: Operator) -> NoteCreated:
    """A nota de débito (05) against an authorized factura (late-payment interest, a
    reconnection fee); 409 ``late_fees_on_next_invoice`` when LATE_FEES_AS=next_invoice."""
    note = await notes.issue(svc, invoice_id, DEBIT_NOTE, _request(body), svc.clock())
    return NoteCreated(debit_note_id=note.note_id, number=note.number, status=note.public_status)


_XML_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "SRI's `autorizacion` with the signed comprobante inside.",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    },
    409: ERROR_RESPONSES[409] | {"description": "Aún no autorizada (`not_authorized`)."},
}


async def _xml(svc: Ctx, note_id: str, doc_type: str, caller: Reader) -> Response:
    note, xml = await notes.authorized_xml(svc, note_id, doc_type, caller)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{note.access_key}.xml"'},
    )


@router.get("/credit-notes/{note_id}")
async def get_credit_note(note_id: NoteId, svc: Ctx, caller: Reader) -> NoteOut:
    return NoteOut.of(await notes.get(svc, note_id, CREDIT_NOTE, caller))


@router.get("/credit-notes/{note_id}/xml", response_class=Response, responses=_XML_RESPONSES)
async def credit_note_xml(note_id: NoteId, svc: Ctx, caller: Reader) -> Response:
    return await _xml(svc, note_id, CREDIT_NOTE, caller)


@router.get("/debit-notes/{note_id}")
async def get_debit_note(note_id: NoteId, svc: Ctx, caller: Reader) -> NoteOut:
    return NoteOut.of(await notes.get(svc, note_id, DEBIT_NOTE, caller))


@router.get("/debit-notes/{note_id}/xml", response_class=Response, responses=_XML_RESPONSES)
async def debit_note_xml(note_id: NoteId, svc: Ctx, caller: Reader) -> Response:
    return await _xml(svc, note_id, DEBIT_NOTE, caller)
