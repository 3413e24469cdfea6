"""billing's persistence (MongoDB API), one module per group of collections."""

from billing.store.accounts import ACCOUNT_INDEXES, ACCOUNT_OUTBOX_COLLECTIONS
from billing.store.invoices import INVOICE_INDEXES, INVOICE_OUTBOX_COLLECTIONS

INDEXES = [*ACCOUNT_INDEXES, *INVOICE_INDEXES]
OUTBOX_COLLECTIONS = [*ACCOUNT_OUTBOX_COLLECTIONS, *INVOICE_OUTBOX_COLLECTIONS]
