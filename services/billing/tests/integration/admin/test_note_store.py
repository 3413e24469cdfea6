"""The notes store against the real FerretDB: a note's ``_id`` claims its secuencial (one
sequence per codDoc), a used idempotency key is told apart from a taken number, and only
authorized notes are statement movements."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI

from billing.adapters.store.notes import LOCK_SECONDS, NOTES
from billing.domain.events import InvoiceHolder, StatementSummary
from billing.domain.invoice import Buyer, Issuer
from billing.domain.notes import CREDIT_NOTE, DEBIT_NOTE, ModifiedInvoice, Note, NoteLine

ISSUER = Issuer("1790011674001", "Demo S.A.", "Quito", True, 1)
BUYER = Buyer("05", "1714307103", "Ana Pérez")
FACTURA = ModifiedInvoice("1790011674001-001-001-000000007", "001-001-000000007", date(2026, 11, 1))
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def _note(doc_type: str, sequential: int, amount: str = "2.00") -> Note:
    line = NoteLine("Compensación", Decimal(amount), "4")
    return Note(
        doc_type, ISSUER, BUYER, date(2026, 12, 3), sequential, "12345678", FACTURA, "Corte", [line]
    )


def _context(key: str) -> dict[str, Any]:
    return {
        "account_id": "acc-1",
        "period": "2026-10",
        "holder": InvoiceHolder("Ana Pérez", None, "cedula", "1714307103"),
        "lines_numbers": ["+593991234567"],
        "statement": StatementSummary("0.00", "0.00", "11.50", "0.00", "11.50", date(2026, 11, 16)),
        "idempotency_key": key,
        "now": NOW,
    }


async def test_numbers_idempotency_and_movements(app: FastAPI) -> None:
    store = app.state.service.notes
    point = ("1790011674001", "001", "001")
    assert await store.next_sequential(CREDIT_NOTE, *point) == 1
    assert await store.insert(_note(CREDIT_NOTE, 1), **_context("a")) is None
    assert await store.insert(_note(CREDIT_NOTE, 1), **_context("b")) == "number"
    assert await store.insert(_note(CREDIT_NOTE, 2), **_context("a")) == "idempotency"
    assert await store.next_sequential(CREDIT_NOTE, *point) == 2  # walks over the used one
    assert await store.next_sequential(DEBIT_NOTE, *point) == 1  # its own sequence
    assert await store.insert(_note(DEBIT_NOTE, 1), **_context("a")) is None  # other codDoc

    first = await store.by_idempotency(CREDIT_NOTE, FACTURA.invoice_id, "a")
    assert first is not None and first.note_id == "1790011674001-04-001-001-000000001"
    assert await store.credited_bases(FACTURA.invoice_id) == [{"4": Decimal("2.00")}]
    assert await store.movements(["acc-1"]) == {"acc-1": []}  # none authorized yet
    await app.state.runtime.database[NOTES].update_one(
        {"_id": first.note_id}, {"$set": {"state": "authorized"}}
    )
    [movement] = (await store.movements(["acc-1"]))["acc-1"]
    assert (movement.kind, movement.amount) == ("credit_note", Decimal("-2.30"))
    assert [n.kind for n in await store.of_invoice(FACTURA.invoice_id)] == [
        "credit_note",
        "debit_note",
    ]


async def test_the_factura_lock_is_exclusive_and_outlives_no_dead_holder(app: FastAPI) -> None:
    store = app.state.service.notes
    invoice_id = FACTURA.invoice_id
    assert await store.lock_invoice(invoice_id, NOW)
    assert not await store.lock_invoice(invoice_id, NOW + timedelta(seconds=5))
    # A holder that died without unlocking: taken over once the lock is stale.
    assert await store.lock_invoice(invoice_id, NOW + timedelta(seconds=LOCK_SECONDS + 1))
    await store.unlock_invoice(invoice_id)
    assert await store.lock_invoice(invoice_id, NOW)
