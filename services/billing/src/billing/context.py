"""The billing service's parts, built once by ``app`` and injected into routes and loops."""

from collections.abc import Callable
from dataclasses import dataclass, field

from billing.settings import BillingSettings
from billing.store.accounts import AccountStore, ChargeStore, IssuerStore, LedgerStore, PlanStore
from billing.store.invoices import BillRunStore, InvoiceStore
from common.auth import TokenVerifier
from common.service import Runtime


@dataclass
class Billing:
    runtime: Runtime
    settings: BillingSettings
    verifier: TokenVerifier
    issuer: IssuerStore
    plans: PlanStore
    accounts: AccountStore
    charges: ChargeStore
    ledger: LedgerStore
    invoices: InvoiceStore
    bill_runs: BillRunStore
    # Set by app: wake the bill-run loop now instead of at its next poll.
    wake_bill_runs: Callable[[], None] = field(default=lambda: None)
