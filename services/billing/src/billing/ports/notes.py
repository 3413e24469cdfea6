"""What issuing and reading notas de crédito and débito need from the notes store
(``billing.adapters.store.notes``; ``tests/unit/note_fakes.py`` in memory)."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from billing.domain.events import InvoiceHolder, StatementSummary
from billing.domain.issued_note import IssuedNote
from billing.domain.notes import Note
from billing.domain.statement import Movement


class NoteRepository(Protocol):
    async def next_sequential(
        self, doc_type: str, ruc: str, establishment: str, point: str
    ) -> int: ...
    async def advance_hint(
        self, doc_type: str, ruc: str, establishment: str, point: str, last: int
    ) -> None: ...
    async def insert(
        self,
        note: Note,
        *,
        account_id: str,
        period: str,
        holder: InvoiceHolder,
        lines_numbers: Sequence[str],
        statement: StatementSummary,
        idempotency_key: str,
        now: datetime,
    ) -> str | None:
        """None when inserted; else what collided: "number" or "idempotency"."""
        ...

    async def lock_invoice(self, invoice_id: str, now: datetime) -> bool:
        """A lock per factura while a credit is checked and inserted (False: held)."""
        ...

    async def unlock_invoice(self, invoice_id: str) -> None: ...
    async def by_idempotency(
        self, doc_type: str, invoice_id: str, key: str
    ) -> IssuedNote | None: ...
    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None: ...
    async def get(self, note_id: str) -> IssuedNote | None: ...
    async def of_invoice(self, invoice_id: str) -> list[IssuedNote]: ...
    async def credited_bases(self, invoice_id: str) -> list[dict[str, Decimal]]: ...
    async def authorized_xml(self, note_id: str) -> bytes | None: ...
    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]: ...
