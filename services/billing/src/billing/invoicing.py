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
from collections.abc import Callable, Sequence
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
from billing.signer import Signer
from billing.store.invoices import BILL_RUNS
from common.contracts.billing import BillRunCompleted, BillRunData
from common.logging import get_logger

log = get_logger(__name__)


@dataclass
class RunState:
    """What one pass over a bill run reads once and carries from page to page."""

    run_id: str
    issuer: Issuer
    signer: Signer
    plans: dict[str, Plan]
    period: BillingPeriod
    issue_date: date
    history: dict[str, list[Movement]]
    done: set[str]
    next_sequential: int


@dataclass(frozen=True)
class Draft:
    """An account's bill before it has a number."""

    account: Account
    lines: tuple[InvoiceLine, ...]
    movements: tuple[Movement, ...]


class BillRunner:
    def __init__(
        self,
        ctx: Billing,
        signer: Callable[[], Signer],
        invoices_stored: Callable[[Sequence[tuple[dict[str, Any], bytes]]], None],
    ) -> None:
        self._ctx = ctx
        self._signer = signer
        self._stored = invoices_stored
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll_seconds: float = 5.0) -> None:
        while True:
            self._wake.clear()
            try:
                for run in await self._ctx.bill_runs.running():
                    if run.get("phase") == "invoicing":
                        await self.invoice(run)
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
            signer = self._signer()
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
            signer=signer,
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
        async for accounts in pages:
            created, failed = await self._bill(state, accounts)
            cursor = accounts[-1].account_id
            BILL_RUN_ACCOUNTS.labels(run_id).inc(len(accounts))
            await ctx.bill_runs.update(
                run_id,
                {"cursor": cursor, "updated_at": datetime.now(UTC)},
                inc={
                    "accounts_processed": len(accounts),
                    "invoices_created": created,
                    "accounts_failed": failed,
                },
            )
        await ctx.bill_runs.update(
            run_id, {"phase": "submitting", "reopened": False, "updated_at": datetime.now(UTC)}
        )
        log.info("bill_run_invoiced", bill_run_id=run_id)

    async def _invoiced(self, period: BillingPeriod) -> set[str]:
        return await self._ctx.invoices.invoiced_in(period.cycle_day, period.label)

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

    async def _bill(self, state: "RunState", accounts: Sequence[Account]) -> tuple[int, int]:
        """Invoice one page of accounts: (invoices created, accounts that failed)."""
        store, issuer = self._ctx.invoices, state.issuer
        point = (issuer.ruc, issuer.establishment, issuer.emission_point)
        drafts, failed = await self._drafts(state, accounts)
        created = 0
        while drafts:
            first = state.next_sequential
            docs, signed = await asyncio.to_thread(self._sign_all, state, drafts, first)
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
        return created, failed

    def _sign_all(
        self, state: "RunState", drafts: Sequence[Draft], first: int
    ) -> tuple[list[dict[str, Any]], list[bytes]]:
        """CPU only (runs in a thread): number, build, sign every draft of the batch."""
        now = datetime.now(UTC)
        period, issue_date = state.period, state.issue_date
        docs, signed = [], []
        for offset, draft in enumerate(drafts):
            total = lines_total(draft.lines)
            this = Movement(issue_date, "invoice", "Factura", total, "", period.label)
            statement = build_statement(
                period, (*draft.movements, this), due_days=self._ctx.settings.payment_term_days
            )
            invoice = build_invoice(
                state.issuer,
                draft.account,
                draft.lines,
                issue_date=issue_date,
                sequential=first + offset,
                numeric_code=f"{secrets.randbelow(10**8):08d}",
                additional_info=statement_info(draft.account, period, statement),
                payment_days=self._ctx.settings.payment_term_days,
            )
            docs.append(
                invoice_document(
                    invoice,
                    account=draft.account,
                    period=period,
                    bill_run_id=state.run_id,
                    statement=statement,
                    now=now,
                )
            )
            signed.append(state.signer.sign(invoice))
        return docs, signed


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
