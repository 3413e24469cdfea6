"""Notas de crédito and débito go through SRI with the invoices' submitter (``Submitter``, the
same state machine and steps, ``use_cases/submission.py``), run as a second loop over the notes
store: ``note_side`` presents that store where the submitter expects the invoices.

The note store has what an SRI step and the loop use (``due``, ``next_attempt_at``, ``save``,
``signed_xml``, ``save_signed``, ``save_authorized``, ``factura`` — the note itself, which the
signer signs like a factura); the rest of ``InvoiceRepository`` (bill runs, statements) is not
asked of it, hence the cast.
"""

from dataclasses import dataclass
from typing import Protocol, cast

from billing.adapters.store.notes import NoteStore
from billing.loops.submitter import SubmitterSettings
from billing.ports import InvoiceRepository


class NoteService(Protocol):
    @property
    def notes(self) -> NoteStore: ...
    @property
    def settings(self) -> SubmitterSettings: ...


@dataclass(frozen=True)
class NoteSide:
    invoices: InvoiceRepository
    settings: SubmitterSettings


def note_side(svc: NoteService) -> NoteSide:
    return NoteSide(cast(InvoiceRepository, svc.notes), svc.settings)
