"""Notas de crédito (04) and débito (05) against an authorized factura (docs/sri.md §9): issue
one (operators), read one and its fiscal record (operators; customers through the factura it
modifies), and list the notes of a factura.

Issuing numbers the note from the first free secuencial of its codDoc at the issuer's billing
point (inserting it claims the number; a collision moves on to the next), signs it with the
issuer's certificate and hands it to the notes' SRI submitter, which takes it through the same
states as a factura. A request sent again with its idempotency key gets the first note.
"""

import asyncio
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from billing.domain import inputs, tax_catalog, tax_inputs
from billing.domain.invoice import Invoice
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.issued_note import IssuedNote
from billing.domain.notes import (
    CREDIT_NOTE,
    CreditExceeded,
    Note,
    NoteLine,
    check_credit,
    iva_bases,
    modified_invoice,
)
from billing.domain.ownership import Viewer
from billing.domain.periods import ecuador_day
from billing.domain.submission import State
from billing.ports import InvoiceReads, IssuerSource
from billing.ports.notes import NoteRepository
from billing.use_cases import invoices
from common.errors import Conflict, InvalidInput, NotFound

# A note's number is claimed by inserting it: this many collisions in a row is not a race.
MAX_NUMBER_TRIES = 20
# Checking what is left of a factura and inserting the note happen under this lock and the
# factura's lock in the store, so two requests (of this process, or of two replicas) cannot both
# credit the last of it.
_CREDIT_LOCK = asyncio.Lock()


class NoteSigner(Protocol):
    def sign(self, invoice: Any, now: datetime | None = None) -> bytes: ...


class NoteSubmitter(Protocol):
    def notify(self, stored: Sequence[tuple[IssuedInvoice, bytes]] = ()) -> None: ...


class LateFees(Protocol):
    @property
    def late_fees_as(self) -> str: ...


class NoteIssuing(InvoiceReads, Protocol):
    @property
    def issuer(self) -> IssuerSource: ...
    @property
    def notes(self) -> NoteRepository: ...
    @property
    def signer(self) -> Callable[[], NoteSigner]: ...
    @property
    def note_submitter(self) -> NoteSubmitter | None: ...
    @property
    def settings(self) -> LateFees: ...


@dataclass(frozen=True)
class LineInput:
    description: str
    amount: str
    tax_code: str


@dataclass(frozen=True)
class NoteInput:
    reason: str
    lines: Sequence[LineInput]
    idempotency_key: str


def note_not_found() -> NotFound:
    return NotFound("No encontramos esa nota.")


def _tax_code(value: str, doc_type: str, today: date) -> str:
    """A credit goes back at the factura's own rates (the credit limit checks the factura has
    it, even one no longer in force); a debit is a new charge, at a rate in force today."""
    if doc_type == CREDIT_NOTE:
        if not tax_catalog.knows("IVA", value):
            raise InvalidInput.field("tax_code", "Código de IVA desconocido.")
        return value
    return tax_inputs.iva_code(value, today)


def _lines(request: NoteInput, doc_type: str, today: date) -> tuple[NoteLine, ...]:
    if not request.lines:
        raise InvalidInput.field("lines", "Indica al menos una línea.")
    lines = []
    for index, line in enumerate(request.lines):
        prefix = f"lines.{index}."
        try:
            lines.append(
                NoteLine(
                    inputs.text(line.description, "description"),
                    inputs.positive(line.amount, "amount"),
                    _tax_code(line.tax_code, doc_type, today),
                )
            )
        except InvalidInput as error:
            raise error.renamed(prefix) from None
    return tuple(lines)


async def issue(
    svc: NoteIssuing, invoice_id: str, doc_type: str, request: NoteInput, now: datetime
) -> IssuedNote:
    """Issue a nota de crédito or débito against the factura ``invoice_id``."""
    if doc_type != CREDIT_NOTE and svc.settings.late_fees_as != "debit_note":
        raise Conflict(
            "late_fees_on_next_invoice",
            "Los recargos van en la próxima factura (LATE_FEES_AS=next_invoice): "
            "regístrelos como cargo de la cuenta.",
        )
    reason = inputs.text(request.reason, "reason")
    lines = _lines(request, doc_type, ecuador_day(now))
    key = inputs.idempotency_key(request.idempotency_key)
    first = await svc.notes.by_idempotency(doc_type, invoice_id, key)
    if first is not None:
        return first
    invoice = await svc.invoices.get(invoice_id)
    if invoice is None or invoice.factura is None:
        raise NotFound("No encontramos esa factura.")
    if invoice.state != State.AUTHORIZED:
        raise Conflict(
            "invoice_not_authorized", "Solo se emiten notas sobre facturas autorizadas por el SRI."
        )
    factura = invoice.factura
    if factura.buyer.id_type == "07":
        raise InvalidInput.field(
            "invoice_id", "No se emiten notas de crédito ni débito a consumidor final."
        )
    issuer = await svc.issuer.issuer()
    if issuer is None:
        raise Conflict("issuer_not_configured", "Configure el emisor antes de emitir notas.")
    try:
        signer = svc.signer()  # before a number is used: without a certificate, nothing
    except RuntimeError as error:  # adapters.signer.SignerUnavailable
        raise Conflict("signer_unavailable", f"No hay certificado de firma: {error}") from None
    async with _CREDIT_LOCK:
        if not await svc.notes.lock_invoice(invoice_id, now):
            raise Conflict(
                "factura_busy", "Se está emitiendo otra nota de esta factura; intenta de nuevo."
            )
        try:
            if doc_type == CREDIT_NOTE:
                _check(lines, factura, await svc.notes.credited_bases(invoice_id))
            note = await _insert(svc, invoice, factura, doc_type, reason, lines, key, now)
        finally:
            await svc.notes.unlock_invoice(invoice_id)
    if note is None:  # the same key won a race: the first note stands
        found = await svc.notes.by_idempotency(doc_type, invoice_id, key)
        assert found is not None
        return found
    xml = await asyncio.to_thread(signer.sign, note)
    await svc.notes.save_signed([(note.document_id, xml)])
    issued = await svc.notes.get(note.document_id)
    assert issued is not None
    if svc.note_submitter is not None:
        svc.note_submitter.notify([(issued, xml)])
    return issued


def _check(lines: Sequence[NoteLine], factura: Invoice, earlier: list[dict[str, Decimal]]) -> None:
    try:
        check_credit(lines, iva_bases(factura.total_con_impuestos), earlier)
    except CreditExceeded as error:
        raise InvalidInput.field("lines", str(error)) from None


async def _insert(
    svc: NoteIssuing,
    invoice: IssuedInvoice,
    factura: Invoice,
    doc_type: str,
    reason: str,
    lines: tuple[NoteLine, ...],
    key: str,
    now: datetime,
) -> Note | None:
    """Build and insert the note from the first free secuencial; None if ``key`` was used
    meanwhile."""
    issuer = await svc.issuer.issuer()
    assert issuer is not None
    point = (doc_type, issuer.ruc, issuer.establishment, issuer.emission_point)
    sequential = await svc.notes.next_sequential(*point)
    modified = modified_invoice(
        invoice.invoice_id, factura.issuer.ruc, invoice.number, invoice.issue_date
    )
    for _ in range(MAX_NUMBER_TRIES):
        try:
            note = Note(
                doc_type=doc_type,
                issuer=issuer,
                buyer=factura.buyer,
                issue_date=ecuador_day(now),
                sequential=sequential,
                numeric_code=f"{secrets.randbelow(10**8):08d}",
                modified=modified,
                reason=reason,
                lines=lines,
            )
        except ValueError as error:
            raise InvalidInput.field("lines", str(error)) from None
        conflict = await svc.notes.insert(
            note,
            account_id=invoice.account_id,
            period=invoice.period,
            holder=invoice.holder,
            lines_numbers=invoice.lines,
            statement=invoice.statement,
            idempotency_key=key,
            now=now,
        )
        if conflict is None:
            await svc.notes.advance_hint(*point, sequential)
            return note
        if conflict == "idempotency":
            return None
        sequential += 1
    raise RuntimeError(f"no free secuencial for {doc_type} after {MAX_NUMBER_TRIES} tries")


# -- reading -----------------------------------------------------------------------------------


async def get(svc: NoteIssuing, note_id: str, doc_type: str, viewer: Viewer) -> IssuedNote:
    """One note of ``doc_type`` if ``viewer`` may see the factura it modifies (else 404)."""
    note = await svc.notes.get(note_id)
    if note is None or note.doc_type != doc_type:
        raise note_not_found()
    try:
        await invoices.get(svc, note.modified_invoice_id, viewer)
    except NotFound:
        raise note_not_found() from None
    return note


async def authorized_xml(
    svc: NoteIssuing, note_id: str, doc_type: str, viewer: Viewer
) -> tuple[IssuedNote, bytes]:
    note = await get(svc, note_id, doc_type, viewer)
    xml = await svc.notes.authorized_xml(note_id) if note.state == State.AUTHORIZED else None
    if xml is None:
        raise Conflict("not_authorized", "La nota aún no tiene autorización del SRI.")
    return note, xml


async def of_invoice(svc: NoteIssuing, invoice_id: str) -> list[IssuedNote]:
    """The notes that modify a factura (the caller has already been allowed to see it)."""
    return await svc.notes.of_invoice(invoice_id)
