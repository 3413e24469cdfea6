"""Wiring: settings → runtime → stores → routes; the bill-run and SRI loops."""

from functools import cache, partial

from fastapi import FastAPI

from billing.api import admin
from billing.api.routes import bill_runs, invoices
from billing.context import Billing
from billing.invoicing import BillRunner, sign_page_in_worker
from billing.metrics import SIGNING_CERT_EXPIRY
from billing.settings import BillingSettings
from billing.signer import Signer, SigningProcesses
from billing.sri_client import SriClient
from billing.store import INDEXES, OUTBOX_COLLECTIONS
from billing.store.accounts import AccountStore, ChargeStore, IssuerStore, LedgerStore, PlanStore
from billing.store.invoices import BillRunStore, InvoiceStore
from billing.submitter import Submitter
from common.auth import jwks_verifier
from common.contracts import (
    BillRunCompleted,
    InvoiceIssued,
    InvoiceRejected,
    PaymentRecorded,
    SubscriptionActivated,
    SubscriptionEnded,
)
from common.logging import get_logger
from common.service import Runtime, create_app

log = get_logger(__name__)

PUBLISHES = [
    SubscriptionActivated,
    SubscriptionEnded,
    PaymentRecorded,
    InvoiceIssued,
    InvoiceRejected,
    BillRunCompleted,
]


def build(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    runtime = Runtime.create(settings, OUTBOX_COLLECTIONS)
    runtime.indexes = INDEXES
    runtime.outbox_collections = OUTBOX_COLLECTIONS
    runtime.publishes = PUBLISHES
    app = create_app(
        runtime,
        [admin.router, bill_runs.router, invoices.router],
        title="billing",
        description="Cuentas, planes, ciclos de facturación, facturas electrónicas SRI y estados "
        "de cuenta.",
    )
    database = runtime.database
    ctx = Billing(
        runtime=runtime,
        settings=settings,
        verifier=jwks_verifier(settings.identity_jwks_url),
        issuer=IssuerStore(database),
        plans=PlanStore(database),
        accounts=AccountStore(database),
        charges=ChargeStore(database),
        ledger=LedgerStore(database),
        invoices=InvoiceStore(database),
        bill_runs=BillRunStore(database),
    )
    app.state.billing = ctx

    @cache
    def signer() -> Signer:
        # Read on first use: the API serves even while the certificate is missing; bill runs
        # then fail with a clear reason instead of the whole service refusing to start.
        loaded = Signer.from_settings(settings)
        SIGNING_CERT_EXPIRY.set(loaded.expires_at.timestamp())
        return loaded

    reception_url, authorization_url = settings.sri_urls()
    client = SriClient(reception_url, authorization_url, settings.sri_timeout_seconds)
    submitter = Submitter(ctx, client, signer)
    sign = None
    if settings.signing_processes > 0 and settings.signing_p12_path:
        processes = SigningProcesses(settings, settings.signing_processes)
        sign = partial(processes.run, sign_page_in_worker)
    runner = BillRunner(ctx, signer, submitter.notify, sign)
    submitter.on_final = runner.wake
    submitter.paused = lambda: runner.invoicing
    ctx.wake_bill_runs = runner.wake
    app.state.submitter, app.state.bill_runner = submitter, runner

    runtime.loops.append(lambda rt: runner.run())
    runtime.loops.append(lambda rt: submitter.run())
    return app
