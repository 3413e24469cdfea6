"""billing as the runtime sees it (SPEC) and ``build``: the service object from bootstrap, the
bill-run and SRI loops wired to it, the operator and invoice routes."""

from dataclasses import replace
from typing import Any

from fastapi import FastAPI

from billing.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from billing.api.routes import (
    accounts,
    bill_runs,
    charges,
    corrections,
    documents,
    invoices,
    issuer,
    notes,
    payments,
    plans,
    statements,
    subscriptions,
    withholdings,
)
from billing.bootstrap import Billing, bootstrap
from billing.consumers import consumers
from billing.settings import BillingSettings
from common.contracts import (
    BillRunCompleted,
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceCorrected,
    InvoiceIssued,
    InvoiceRejected,
    PaymentRecorded,
    SubscriptionActivated,
    SubscriptionEnded,
    WithholdingReceived,
)
from common.contracts.billing import NoteRejected
from common.revocations import follow_session_revocations
from common.service import ServiceSpec, build_app


async def run_bill_runs(svc: Billing) -> None:
    """Bill runs: number, sign and store one invoice per account, page by page."""
    assert svc.bill_runner is not None, "wired by build()"
    await svc.bill_runner.run()


async def submit_to_sri(svc: Billing) -> None:
    """Every open invoice through SRI's offline web services until authorized or rejected."""
    assert svc.submitter is not None, "wired by build()"
    await svc.submitter.run()


async def submit_notes_to_sri(svc: Billing) -> None:
    """Every open nota de crédito or débito through SRI, with the invoices' submitter."""
    assert svc.note_submitter is not None, "wired by build()"
    await svc.note_submitter.run()


def signing_pool_healthy(svc: Billing) -> bool:
    """False once the signing processes cannot be recreated: no bill run can sign."""
    return svc.signing is None or svc.signing.healthy


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
        InvoiceCorrected,
        BillRunCompleted,
        CreditNoteIssued,
        DebitNoteIssued,
        WithholdingReceived,
        NoteRejected,
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
        notes.router,
        corrections.router,
        documents.router,
        withholdings.router,
    ],
    consumers=consumers,
    loops=[run_bill_runs, submit_to_sri, submit_notes_to_sri, follow_session_revocations],
    health={"signing_pool": signing_pool_healthy},
)


def build(settings: BillingSettings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or BillingSettings()
    spec = SPEC if settings.consume_events else replace(SPEC, consumers=None)
    return build_app(spec, bootstrap(settings, **overrides))
