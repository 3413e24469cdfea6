"""billing as the runtime sees it (SPEC) and ``build``: the service object from bootstrap, the
bill-run and SRI loops wired to it, the operator and invoice routes."""

from functools import partial
from typing import Any

from fastapi import FastAPI

from billing.adapters.signer import SigningProcesses
from billing.adapters.sri_client import SriClient
from billing.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from billing.api.routes import (
    accounts,
    bill_runs,
    charges,
    invoices,
    issuer,
    payments,
    plans,
    statements,
    subscriptions,
)
from billing.bootstrap import Billing, bootstrap
from billing.consumers import consumers
from billing.loops.bill_runner import BillRunner, sign_page_in_worker
from billing.loops.submitter import Submitter
from billing.settings import BillingSettings
from common.contracts import (
    BillRunCompleted,
    InvoiceIssued,
    InvoiceRejected,
    PaymentRecorded,
    SubscriptionActivated,
    SubscriptionEnded,
)
from common.service import ServiceSpec, build_app


async def run_bill_runs(svc: Billing) -> None:
    """Bill runs: number, sign and store one invoice per account, page by page."""
    assert svc.bill_runner is not None, "wired by build()"
    await svc.bill_runner.run()


async def submit_to_sri(svc: Billing) -> None:
    """Every open invoice through SRI's offline web services until authorized or rejected."""
    assert svc.submitter is not None, "wired by build()"
    await svc.submitter.run()


SPEC: ServiceSpec[Billing] = ServiceSpec(
    name="billing",
    title="billing",
    description="Cuentas, planes, ciclos de facturación, facturas electrónicas SRI y estados "
    "de cuenta.",
    indexes=INDEXES,
    outbox_collections=OUTBOX_COLLECTIONS,
    publishes=[
        SubscriptionActivated,
        SubscriptionEnded,
        PaymentRecorded,
        InvoiceIssued,
        InvoiceRejected,
        BillRunCompleted,
    ],
    routers=[
        issuer.router,
        plans.router,
        accounts.router,
        subscriptions.router,
        charges.router,
        payments.router,
        statements.router,
        bill_runs.router,
        invoices.router,
    ],
    consumers=consumers,
    loops=[run_bill_runs, submit_to_sri],
)


def wire_invoicing(svc: Billing) -> None:
    """The bill-run runner and the SRI submitter, wired to each other and to the service."""
    settings = svc.settings
    reception_url, authorization_url = settings.sri_urls()
    client = SriClient(reception_url, authorization_url, settings.sri_timeout_seconds)
    submitter = Submitter(svc, client, svc.signer)
    sign = None
    if settings.signing_processes > 0 and settings.signing_p12_path:
        processes = SigningProcesses(settings, settings.signing_processes)
        sign = partial(processes.run, sign_page_in_worker)
    runner = BillRunner(svc, svc.signer, submitter.notify, sign)
    submitter.on_final = runner.wake
    submitter.paused = lambda: runner.invoicing
    svc.wake_bill_runs = runner.wake
    svc.bill_runner, svc.submitter = runner, submitter


def build(settings: BillingSettings | None = None, **overrides: Any) -> FastAPI:
    service = bootstrap(settings, **overrides)
    if service.bill_runner is None or service.submitter is None:
        wire_invoicing(service)
    app = build_app(SPEC, service)
    return app
