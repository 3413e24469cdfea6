"""Bill runs: one invoice per account with something to bill, signed and stored in batches.

A run pages through the accounts of its cycle day in ``_id`` order and remembers how far it got
(``cursor``), so a restarted process resumes where the last one stopped. Within a batch, accounts
already invoiced for the period are skipped, the rest get consecutive secuenciales from the first
free number, are signed off the event loop and inserted in order; an insert that stops early
(someone else took a number or invoiced an account) is re-planned from the first free number.
Nothing here talks to SRI: the submitter picks up what was stored.
"""

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from billing.context import Billing
from billing.domain.accounts import Account, Plan
from billing.domain.bill import Charge, bill_lines, build_invoice, lines_total, statement_info
from billing.domain.invoice import InvoiceLine, Issuer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from billing.domain.submission import REJECTED, State
from billing.metrics import BILL_RUN_ACCOUNTS, INVOICES_CREATED
from billing.records import invoice_document
from billing.signer import Signer, worker_signer
from billing.store.invoices import BILL_RUNS
from common.contracts.billing import BillRunCompleted, BillRunData
from common.logging import get_logger

log = get_logger(__name__)


@dataclass
class RunState:
    """What one pass over a bill run reads once and carries from page to page."""

    run_id: str
    issuer: Issuer
    plans: dict[str, Plan]
    period: BillingPeriod
    issue_date: date
    history: dict[str, list[Movement]]
    done: set[str]
    next_sequential: int  # the first free number, as far as this run knows
    planned: int = 0  # the first number of the next page to sign (pages ahead are signed early)

    def __post_init__(self) -> None:
        self.planned = self.next_sequential


@dataclass(frozen=True)
class Draft:
    """An account's bill before it has a number."""

    account: Account
    lines: tuple[InvoiceLine, ...]
    movements: tuple[Movement, ...]


@dataclass
class Page:
    """A page of accounts: their drafts, and the signing of those drafts, started early."""

    accounts: Sequence[Account]
    drafts: list[Draft]
    failed: int
    first: int
    signing: "asyncio.Future[Signed]"


class BillRunner:
    def __init__(
        self,
        ctx: Billing,
        signer: Callable[[], Signer],
        invoices_stored: Callable[[Sequence[tuple[dict[str, Any], bytes]]], None],
        sign: "Callable[[SignJob], Awaitable[Signed]] | None" = None,
    ) -> None:
        self._ctx = ctx
        self._signer = signer
        # How pages get signed: in worker processes (app.py) or, by default, in a thread.
        self._sign = sign or (lambda job: asyncio.to_thread(sign_page, job, self._signer()))
        self._stored = invoices_stored
        self._wake = asyncio.Event()
        # True while a run is being signed and stored: the submitter waits meanwhile.
        self.invoicing = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll_seconds: float = 5.0) -> None:
        while True:
            self._wake.clear()
            try:
                for run in await self._ctx.bill_runs.running():
                    if run.get("phase") == "invoicing":
                        self.invoicing = True
                        try:
                            await self.invoice(run)
                        finally:
                            self.invoicing = False
                await complete_finished(self._ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bill_run_error")
            try:
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            except TimeoutError:
                pass

    async def invoice(self, run: dict[str, Any]) -> None:
        ctx, run_id = self._ctx, run["_id"]
        issuer = await ctx.issuer.issuer()
        if issuer is None:
            await self._fail(run_id, "issuer_not_configured")
            return
        try:
            self._signer()  # fail the run now if the certificate cannot be loaded
        except Exception as error:
            await self._fail(run_id, f"signer_unavailable: {error}")
            return
        period = BillingPeriod.of(run["period"], run["cycle_day"])
        cursor = run.get("cursor")
        resumed = cursor is not None or bool(run.get("reopened"))
        log.info("bill_run_invoicing", bill_run_id=run_id, period=period.label, cursor=cursor)
        state = RunState(
            run_id=run_id,
            issuer=issuer,
            plans=await ctx.plans.all(),
            period=period,
            issue_date=date.fromisoformat(run["issue_date"]),
            # Read once per run: per-page lookups by account would each scan on FerretDB.
            history=await ctx.invoices.history(period.cycle_day),
            done=await ctx.invoices.invoiced_in(period.cycle_day, period.label)
            if resumed
            else set(),
            next_sequential=await ctx.invoices.next_sequential(
                issuer.ruc, issuer.establishment, issuer.emission_point
            ),
        )
        pages = ctx.accounts.stream_billable(
            period.cycle_day, cursor, ctx.settings.bill_run_batch_size
        )
        # Pipelined: page k+1 is signed (in a thread) while page k is written.
        previous: Page | None = None
        async for accounts in pages:
            drafts, failed = await self._drafts(state, accounts)
            page = Page(accounts, drafts, failed, state.planned, self._signing(state, drafts))
            state.planned += len(drafts)
            if previous is not None:
                await self._store_page(state, previous)
                if state.next_sequential != page.first:
                    # It stopped short: this page gets signed again at its turn, from here.
                    state.planned = state.next_sequential + len(drafts)
            previous = page
        if previous is not None:
            await self._store_page(state, previous)
        now = datetime.now(UTC)
        await ctx.bill_runs.update(
            run_id,
            {"phase": "submitting", "reopened": False, "invoiced_at": now, "updated_at": now},
        )
        log.info("bill_run_invoiced", bill_run_id=run_id)

    async def _fail(self, run_id: str, reason: str) -> None:
        log.error("bill_run_failed", bill_run_id=run_id, reason=reason)
        await self._ctx.bill_runs.update(
            run_id, {"status": "failed", "error": reason, "updated_at": datetime.now(UTC)}
        )

    async def _drafts(
        self, state: "RunState", accounts: Sequence[Account]
    ) -> tuple[list[Draft], int]:
        """Drafts for the accounts not yet invoiced, and how many accounts could not be billed."""
        todo = [a for a in accounts if a.account_id not in state.done]
        if not todo:
            return [], 0
        ids = [a.account_id for a in todo]
        charges: dict[str, list[Charge]] = await self._ctx.charges.for_accounts(
            ids, state.period.label
        )
        ledger = await self._ctx.ledger.movements(ids)
        drafts, failed = [], 0
        for account in todo:
            try:
                lines = bill_lines(
                    account, state.plans, state.period, charges.get(account.account_id, ())
                )
            except ValueError:
                log.exception("account_not_billable", account_id=account.account_id)
                failed += 1
                continue
            if lines:
                movements = (
                    *ledger.get(account.account_id, ()),
                    *state.history.get(account.account_id, ()),
                )
                drafts.append(Draft(account, lines, movements))
        return drafts, failed

    def _job(self, state: "RunState", drafts: Sequence[Draft], first: int) -> "SignJob":
        return SignJob(
            run_id=state.run_id,
            issuer=state.issuer,
            period=state.period,
            issue_date=state.issue_date,
            payment_days=self._ctx.settings.payment_term_days,
            first=first,
            drafts=tuple(drafts),
        )

    def _signing(self, state: "RunState", drafts: Sequence[Draft]) -> "asyncio.Future[Signed]":
        return asyncio.ensure_future(self._sign(self._job(state, drafts, state.planned)))

    async def _store_page(self, state: "RunState", page: "Page") -> None:
        """Write a signed page, then advance the run's cursor past its accounts."""
        docs, signed = await page.signing
        if page.first != state.next_sequential:
            # An earlier page stopped short (a conflict): these numbers are stale, sign again.
            docs, signed = await self._sign(self._job(state, page.drafts, state.next_sequential))
        created = await self._insert(state, page.drafts, docs, signed)
        cursor = page.accounts[-1].account_id
        BILL_RUN_ACCOUNTS.labels(state.run_id).inc(len(page.accounts))
        await self._ctx.bill_runs.update(
            state.run_id,
            {"cursor": cursor, "updated_at": datetime.now(UTC)},
            inc={
                "accounts_processed": len(page.accounts),
                "invoices_created": created,
                "accounts_failed": page.failed,
            },
        )

    async def _insert(
        self,
        state: "RunState",
        drafts: Sequence[Draft],
        docs: list[dict[str, Any]],
        signed: list[bytes],
    ) -> int:
        """Insert in order; on a conflict, continue from the first free number. Returns how many
        invoices were created."""
        store, issuer = self._ctx.invoices, state.issuer
        point = (issuer.ruc, issuer.establishment, issuer.emission_point)
        created = 0
        while drafts:
            first = state.next_sequential
            result = await store.insert_batch(docs)
            if result.inserted:
                ids = [doc["_id"] for doc in docs[: result.inserted]]
                await store.save_signed(zip(ids, signed[: result.inserted], strict=True))
                await store.advance_hint(*point, first + result.inserted - 1)
                INVOICES_CREATED.inc(result.inserted)
                created += result.inserted
                self._stored(list(zip(docs[: result.inserted], signed, strict=False)))
            state.next_sequential = first + result.inserted
            drafts = drafts[result.inserted :]
            if result.conflict == "account_period":
                drafts = drafts[1:]  # invoiced meanwhile by someone else: nothing more to do
            elif result.conflict == "number":
                # Another writer took the number: continue from the first free one.
                log.warning(
                    "secuencial_taken", bill_run_id=state.run_id, number=first + result.inserted
                )
                state.next_sequential = await store.next_sequential(*point)
            if drafts:
                docs, signed = await self._sign(self._job(state, drafts, state.next_sequential))
        return created


@dataclass(frozen=True)
class SignJob:
    """A page to number, build and sign: plain data, so a worker process can take it."""

    run_id: str
    issuer: Issuer
    period: BillingPeriod
    issue_date: date
    payment_days: int
    first: int
    drafts: tuple[Draft, ...]


Signed = tuple[list[dict[str, Any]], list[bytes]]


def sign_page(job: SignJob, signer: Signer) -> Signed:
    """CPU only: number, build and sign every draft of the page (invoice documents + XML)."""
    now = datetime.now(UTC)
    period, issue_date = job.period, job.issue_date
    docs, signed = [], []
    for offset, draft in enumerate(job.drafts):
        total = lines_total(draft.lines)
        this = Movement(issue_date, "invoice", "Factura", total, "", period.label)
        statement = build_statement(period, (*draft.movements, this), due_days=job.payment_days)
        invoice = build_invoice(
            job.issuer,
            draft.account,
            draft.lines,
            issue_date=issue_date,
            sequential=job.first + offset,
            numeric_code=f"{secrets.randbelow(10**8):08d}",
            additional_info=statement_info(draft.account, period, statement),
            payment_days=job.payment_days,
        )
        docs.append(
            invoice_document(
                invoice,
                account=draft.account,
                period=period,
                bill_run_id=job.run_id,
                statement=statement,
                now=now,
            )
        )
        signed.append(signer.sign(invoice))
    return docs, signed


def sign_page_in_worker(job: SignJob) -> Signed:
    """Entry point in a signing process (see billing.signer.SigningProcesses)."""
    return sign_page(job, worker_signer())


def new_bill_run(cycle_day: int, period: BillingPeriod, issue_date: date) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "_id": uuid.uuid4().hex,
        "cycle_day": cycle_day,
        "period": period.label,
        "issue_date": issue_date.isoformat(),
        "status": "running",
        "phase": "invoicing",
        "cursor": None,
        "accounts_processed": 0,
        "invoices_created": 0,
        "created_at": now,
        "updated_at": now,
    }


async def complete_finished(ctx: Billing) -> int:
    """Mark runs whose every invoice reached a final SRI state completed (BillRunCompleted)."""
    completed = 0
    for run in await ctx.bill_runs.running():
        if run.get("phase") != "submitting":
            continue
        if await ctx.invoices.has_open(run["_id"]):
            continue
        counts = await ctx.invoices.count_by_state(run["_id"])
        data = BillRunData(
            bill_run_id=run["_id"],
            cycle_day=run["cycle_day"],
            period=run["period"],
            invoices=sum(counts.values()),
            authorized=counts.get(State.AUTHORIZED.value, 0),
            rejected=sum(n for s, n in counts.items() if State(s) in REJECTED),
        )
        now = datetime.now(UTC)
        await ctx.bill_runs.update(
            run["_id"],
            {"status": "completed", "phase": "done", "completed_at": now, "updated_at": now},
            events=[BillRunCompleted(data=data)],
        )
        ctx.runtime.events_written(BILL_RUNS, run["_id"])
        log.info("bill_run_completed", **data.model_dump())
        completed += 1
    return completed
