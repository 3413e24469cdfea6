"""The account side's stores moved to ``billing.adapters.store``; this module keeps the old
import path for bench/bill_run.py and the invoice side until the merge (then it goes)."""

from billing.adapters.store import (
    ACCOUNT_INDEXES,
    ACCOUNT_OUTBOX_COLLECTIONS,
    AccountStore,
    ChargeStore,
    IssuerStore,
    LedgerStore,
    PlanStore,
)
from billing.domain.issuer import issuer_from_config

__all__ = [
    "ACCOUNT_INDEXES",
    "ACCOUNT_OUTBOX_COLLECTIONS",
    "AccountStore",
    "ChargeStore",
    "IssuerStore",
    "LedgerStore",
    "PlanStore",
    "issuer_from_config",
]
