"""billing in MongoDB (FerretDB): the issuer, the plan catalog, accounts with their
subscriptions and number claims, one-off charges, the ledger of payments and adjustments,
invoices with their fiscal documents and bill runs, and who holds which line (lines' events).
The stores persist only; the rules are the domain's. INDEXES and OUTBOX_COLLECTIONS are what
billing's SPEC hands the runtime."""

from billing.adapters.store.accounts import AccountStore
from billing.adapters.store.bill_runs import BillRunStore
from billing.adapters.store.catalog import IssuerStore, PlanStore
from billing.adapters.store.corrections import CORRECTION_INDEXES, CorrectionStore
from billing.adapters.store.documents import ACCOUNT_INDEXES, ACCOUNT_OUTBOX_COLLECTIONS
from billing.adapters.store.invoices import (
    INVOICE_INDEXES,
    INVOICE_OUTBOX_COLLECTIONS,
    InvoiceStore,
)
from billing.adapters.store.ledger import ChargeStore, LedgerStore
from billing.adapters.store.line_holders import LINE_HOLDER_INDEXES, LineHolderStore
from billing.adapters.store.notes import NOTE_INDEXES, NOTE_OUTBOX_COLLECTIONS, NoteStore

INDEXES = [
    *ACCOUNT_INDEXES,
    *INVOICE_INDEXES,
    *LINE_HOLDER_INDEXES,
    *NOTE_INDEXES,
    *CORRECTION_INDEXES,
]
OUTBOX_COLLECTIONS = [
    *ACCOUNT_OUTBOX_COLLECTIONS,
    *INVOICE_OUTBOX_COLLECTIONS,
    *NOTE_OUTBOX_COLLECTIONS,
]

__all__ = [
    "INDEXES",
    "OUTBOX_COLLECTIONS",
    "AccountStore",
    "BillRunStore",
    "ChargeStore",
    "CorrectionStore",
    "InvoiceStore",
    "IssuerStore",
    "LedgerStore",
    "LineHolderStore",
    "NoteStore",
    "PlanStore",
]
