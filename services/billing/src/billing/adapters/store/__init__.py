"""billing's operator data in MongoDB (FerretDB): the issuer, the plan catalog, accounts with
their subscriptions and number claims, one-off charges and the ledger of payments and
adjustments. The stores persist only; the rules are the domain's."""

from billing.adapters.store.accounts import AccountStore
from billing.adapters.store.catalog import IssuerStore, PlanStore
from billing.adapters.store.documents import ACCOUNT_INDEXES, ACCOUNT_OUTBOX_COLLECTIONS
from billing.adapters.store.ledger import ChargeStore, LedgerStore

__all__ = [
    "ACCOUNT_INDEXES",
    "ACCOUNT_OUTBOX_COLLECTIONS",
    "AccountStore",
    "ChargeStore",
    "IssuerStore",
    "LedgerStore",
    "PlanStore",
]
