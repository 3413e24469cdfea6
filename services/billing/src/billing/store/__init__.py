"""Every billing collection's indexes and outbox collections (what the runtime needs at start).

The account side's stores live in ``billing.adapters.store``; the invoice side's is still
``billing.store.invoices`` (it moves beside them when both sides are merged).
"""

from billing.adapters.store import ACCOUNT_INDEXES, ACCOUNT_OUTBOX_COLLECTIONS
from billing.store.invoices import INVOICE_INDEXES, INVOICE_OUTBOX_COLLECTIONS

INDEXES = [*ACCOUNT_INDEXES, *INVOICE_INDEXES]
OUTBOX_COLLECTIONS = [*ACCOUNT_OUTBOX_COLLECTIONS, *INVOICE_OUTBOX_COLLECTIONS]
