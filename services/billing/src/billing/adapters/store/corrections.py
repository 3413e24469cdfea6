"""Rejected invoices and their correction (docs/sri.md §9): the operator's list of what SRI
refused, and the write that puts a corrected invoice back in line for SRI.

A correction keeps the invoice's ``_id`` (its secuencial), clave de acceso, fechaEmision, period
and lines; it rewrites what the operator may have fixed (issuer, buyer, holder, payment) and
resets the SRI state, in one compare-and-set on ``version`` like every SRI step, so two retries
at once rebuild it once. The rejected version's signed XML is dropped *before* that write: a
crash before the new XML is stored leaves no XML, and the submitter then signs the stored
(corrected) factura itself, instead of sending the rejected document again.
"""

from dataclasses import asdict
from typing import Any

from billing.adapters.store.invoice_documents import (
    history_document,
    issued_invoice,
    state_changes,
)
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import REJECTED
from billing.events import to_wire
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD

INVOICES, FISCAL = "invoices", "fiscal_documents"
# The rejected list reads by equality on state (FerretDB pushes equality down), newest first.
CORRECTION_INDEXES = [Index(INVOICES, [("state", 1), ("updated_at", -1)])]
_LISTED = {OUTBOX_FIELD: 0, "items": 0, "history": 0}


class CorrectionStore:
    def __init__(self, database: Database) -> None:
        self._invoices = database[INVOICES]
        self._fiscal = database[FISCAL]

    async def rejected(self, limit: int) -> list[IssuedInvoice]:
        """Invoices SRI refused (returned, not_authorized) with its messages, latest first."""
        found: list[dict[str, Any]] = []
        for state in sorted(REJECTED):
            cursor = self._invoices.find(
                {"state": state.value}, _LISTED, sort=[("updated_at", -1)], limit=limit
            )
            found += [doc async for doc in cursor]
        found.sort(key=lambda d: d["updated_at"], reverse=True)
        return [issued_invoice(doc) for doc in found[:limit]]

    async def save_corrected(self, invoice: IssuedInvoice) -> bool:
        """The corrected invoice (``invoice.corrected`` applied): False, and nothing written
        to the invoice, if someone moved it first."""
        factura = invoice.factura
        if factura is None:
            raise ValueError("a corrected invoice carries its factura")
        await self._fiscal.update_one({"_id": invoice.invoice_id}, {"$unset": {"signed_xml": ""}})
        payment = factura.payments[0]
        changes = state_changes(invoice) | {
            "issuer": asdict(factura.issuer),
            "buyer": asdict(factura.buyer),
            "holder": asdict(invoice.holder),
            "payment.forma_pago": payment.forma_pago,
            "corrected_at": invoice.corrected_at,
        }
        update: dict[str, Any] = {
            "$set": changes,
            "$inc": {"version": 1, "corrections": 1},
            "$push": {
                "history": {"$each": [history_document(e) for e in invoice.history]},
                OUTBOX_FIELD: {"$each": [to_wire(e).to_document() for e in invoice.events]},
            },
        }
        result = await self._invoices.update_one(
            {"_id": invoice.invoice_id, "version": invoice.version}, update
        )
        if not result.matched_count:
            return False
        invoice.version += 1
        invoice.history.clear()
        invoice.events.clear()
        return True
