"""A bill run's invoicing pass: one invoice per account with something to bill, signed and stored
in pages.

A run pages through the accounts of its cycle day in ``_id`` order and remembers how far it got
(``cursor``), so a restarted process resumes where the last one stopped. Within a page, accounts
already invoiced for the period are skipped, the rest get consecutive secuenciales from the first
free number, are signed off the event loop (``Pages.sign``: a worker process or a thread) and
inserted in order; an insert that stops early (someone else took a number or invoiced an account)
is re-planned from the first free number. Nothing here talks to SRI: the submitter picks up what
was stored.

One bad account does not stop the run: an account that cannot be read, billed, built or signed
is recorded with its reason (``accounts_failed``, ``failures``) and the others go on; past
``BILL_RUN_MAX_FAILED_ACCOUNTS`` the run fails (the cause is then rarely the accounts).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from billing.domain.accounts import Account, Plan
from billing.domain.bill import Charge, bill_lines
from billing.domain.bill_run import AccountFailure, BillRun, Draft, SignJob
from billing.domain.invoice import Issuer
from billing.domain.own_ruc import refuse_issuer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement
from billing.domain.transmission_window import TransmissionWindow
from billing.ports import Clock, Invoicing, Pages, SignedPage
from common.logging import get_logger

log = get_logger(__name__)


@dataclass
class RunState:
    """What one pass over a bill run reads once and carries from page to page."""

    run: BillRun
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


@dataclass
class Page:
    """A page of accounts: their drafts, and the signing of those drafts, started early."""

    accounts: Sequence[Account | AccountFailure]
    drafts: list[Draft]
    failures: list[AccountFailure]
    first: int
    signing: "asyncio.Future[SignedPage]"


async def invoice(svc: Invoicing, run: BillRun, pages: Pages, now: Clock) -> None:
    """Invoice every account of the run not invoiced yet, page by page; then it is SRI's turn."""
    state = await _begin(svc, run, pages, now)
    if state is None:
        return
    if not await _Pass(svc, pages, state, now).run():
        return  # failed: too many accounts could not be invoiced
    run.invoiced(now())
    await svc.bill_runs.save(run)
    log.info("bill_run_invoiced", bill_run_id=run.bill_run_id)


async def _begin(svc: Invoicing, run: BillRun, pages: Pages, now: Clock) -> RunState | None:
    """What the pass reads once, or None when the run cannot go on (then it failed)."""
    issuer = await svc.issuer.issuer()
    if issuer is None:
        await _fail(svc, run, "issuer_not_configured", now)
        return None
    try:
        pages.check()  # fail the run now if the certificate cannot be loaded
    except Exception as error:
        await _fail(svc, run, f"signer_unavailable: {error}", now)
        return None
    window = TransmissionWindow(svc.settings.sri_transmission_window_hours)
    if not window.open_for(run.issue_date, now()):
        # SRI would answer 65 to every invoice: posting the run again reopens it with today's
        # date (domain/bill_run.py); the invoices already issued keep theirs.
        reason = f"issue_date_outside_window: {run.issue_date:%d/%m/%Y}; vuelve a iniciar el ciclo"
        await _fail(svc, run, reason, now)
        return None
    period = run.billing_period
    log.info(
        "bill_run_invoicing", bill_run_id=run.bill_run_id, period=period.label, cursor=run.cursor
    )
    invoices = svc.invoices
    return RunState(
        run=run,
        issuer=issuer,
        plans=await svc.plans.all(),
        period=period,
        issue_date=run.issue_date,
        # Read once per run: per-page lookups by account would each scan on FerretDB.
        history=await invoices.history(period.cycle_day),
        done=await invoices.invoiced_in(period.cycle_day, period.label) if run.resumed else set(),
        next_sequential=await invoices.next_sequential(
            issuer.ruc, issuer.establishment, issuer.emission_point
        ),
    )


async def _fail(svc: Invoicing, run: BillRun, reason: str, now: Clock) -> None:
    log.error("bill_run_failed", bill_run_id=run.bill_run_id, reason=reason)
    run.fail(reason, now())
    await svc.bill_runs.save(run)


class _Pass:
    """One pass over a run's accounts."""

    def __init__(self, svc: Invoicing, pages: Pages, state: RunState, now: Clock) -> None:
        self._svc, self._pages, self._state, self._now = svc, pages, state, now

    async def run(self) -> bool:
        """Whether every page was stored (False: the run failed on the way)."""
        state = self._state
        pages = self._svc.accounts.stream_billable(
            state.period.cycle_day, state.run.cursor, self._svc.settings.bill_run_batch_size
        )
        # Pipelined: page k+1 is signed (in a worker) while page k is written.
        previous: Page | None = None
        async for accounts in pages:
            drafts, failures = await self._drafts(accounts)
            page = Page(accounts, drafts, failures, state.planned, self._signing(drafts))
            state.planned += len(drafts)
            if previous is not None:
                if not await self._store_page(previous):
                    page.signing.cancel()
                    return False
                if state.next_sequential != page.first:
                    # It stopped short: this page gets signed again at its turn, from here.
                    state.planned = state.next_sequential + len(drafts)
            previous = page
        return previous is None or await self._store_page(previous)

    async def _drafts(
        self, accounts: Sequence[Account | AccountFailure]
    ) -> tuple[list[Draft], list[AccountFailure]]:
        """Drafts for the accounts not yet invoiced, and the accounts that could not be billed."""
        state = self._state
        failures = [a for a in accounts if isinstance(a, AccountFailure)]
        todo = [a for a in accounts if isinstance(a, Account) and a.account_id not in state.done]
        if not todo:
            return [], failures
        ids = [a.account_id for a in todo]
        charges: dict[str, list[Charge]] = await self._svc.charges.for_accounts(
            ids, state.period.label
        )
        ledger = await self._svc.ledger.movements(ids)
        notes = await self._svc.notes.movements(ids)  # authorized notas de crédito / débito
        drafts: list[Draft] = []
        for account in todo:
            try:
                refuse_issuer(account.holder.id_type, account.holder.id_number, state.issuer.ruc)
                lines = bill_lines(
                    account, state.plans, state.period, charges.get(account.account_id, ())
                )
            except Exception as error:
                log.exception("account_not_billable", account_id=account.account_id)
                failures.append(AccountFailure.of(account.account_id, error))
                continue
            if lines:
                movements = (
                    *ledger.get(account.account_id, ()),
                    *state.history.get(account.account_id, ()),
                    *notes.get(account.account_id, ()),
                )
                drafts.append(Draft(account, lines, movements))
        return drafts, failures

    def _job(self, drafts: Sequence[Draft], first: int) -> SignJob:
        state = self._state
        return SignJob(
            run_id=state.run.bill_run_id,
            issuer=state.issuer,
            period=state.period,
            issue_date=state.issue_date,
            payment_days=self._svc.settings.payment_term_days,
            first=first,
            drafts=tuple(drafts),
        )

    def _signing(self, drafts: Sequence[Draft]) -> "asyncio.Future[SignedPage]":
        return asyncio.ensure_future(self._pages.sign(self._job(drafts, self._state.planned)))

    async def _store_page(self, page: Page) -> bool:
        """Write a signed page, then advance the run's cursor past its accounts; False when
        the run failed (too many accounts could not be invoiced)."""
        state = self._state
        signed = await page.signing
        if page.first != state.next_sequential:
            # An earlier page stopped short (a conflict): these numbers are stale, sign again.
            signed = await self._pages.sign(self._job(page.drafts, state.next_sequential))
        created, failures = await self._insert(page.drafts, signed)
        failures = page.failures + failures
        for failure in failures:
            log.warning(
                "account_not_invoiced", account_id=failure.account_id, reason=failure.reason
            )
        run = state.run
        run.page_stored(
            page.accounts[-1].account_id, len(page.accounts), created, failures, self._now()
        )
        self._pages.progressed(run, len(page.accounts))
        limit = self._svc.settings.bill_run_max_failed_accounts
        if run.too_many_failures(limit):
            log.error("bill_run_failed", bill_run_id=run.bill_run_id, failed=run.accounts_failed)
            run.fail_for_failures(limit, self._now())
        await self._svc.bill_runs.save(run)
        return not run.too_many_failures(limit)

    async def _insert(
        self, drafts: Sequence[Draft], signed: SignedPage
    ) -> tuple[int, list[AccountFailure]]:
        """Insert in order; on a conflict, continue from the first free number. Returns how many
        invoices were created, and the drafts that could not be signed."""
        store, state = self._svc.invoices, self._state
        issuer = state.issuer
        point = (issuer.ruc, issuer.establishment, issuer.emission_point)
        created, failures = 0, list(signed.failures)
        drafts = _signed_only(drafts, signed)
        while drafts:
            first = state.next_sequential
            result = await store.insert_batch(signed.records)
            if result.inserted:
                xml = signed.xml[: result.inserted]
                ids = [invoice.invoice_id for invoice in result.invoices]
                await store.save_signed(zip(ids, xml, strict=True))
                await store.advance_hint(*point, first + result.inserted - 1)
                created += result.inserted
                self._pages.stored(list(zip(result.invoices, xml, strict=True)))
            state.next_sequential = first + result.inserted
            drafts = drafts[result.inserted :]
            if result.conflict == "account_period":
                drafts = drafts[1:]  # invoiced meanwhile by someone else: nothing more to do
            elif result.conflict == "number":
                # Another writer took the number: continue from the first free one.
                log.warning(
                    "secuencial_taken",
                    bill_run_id=state.run.bill_run_id,
                    number=state.next_sequential,
                )
                state.next_sequential = await store.next_sequential(*point)
            if drafts:
                signed = await self._pages.sign(self._job(drafts, state.next_sequential))
                failures += signed.failures
                drafts = _signed_only(drafts, signed)
        return created, failures


def _signed_only(drafts: Sequence[Draft], signed: SignedPage) -> list[Draft]:
    """The drafts the page holds an invoice for, in its order."""
    failed = {failure.account_id for failure in signed.failures}
    return [draft for draft in drafts if draft.account.account_id not in failed]
