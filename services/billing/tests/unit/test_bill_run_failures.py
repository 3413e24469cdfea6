"""One bad account must not stop a bill run (issue 11, item 8): an account that cannot be read,
billed, built or signed is recorded with its reason and the rest are invoiced with consecutive
numbers; past the limit the run fails; a run whose pass breaks does not hold up the next."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime

from billing.domain.accounts import Account
from billing.domain.bill_run import AccountFailure, BillRun, Phase, RunStatus
from billing.domain.invoice import Invoice
from billing.loops.bill_runner import BillRunner
from billing.use_cases import bill_runs, invoicing
from services.billing.tests.unit.invoice_fakes import (
    NOW,
    FakeAccounts,
    FakeBilling,
    FakePages,
    FakeSettings,
    FakeSigner,
    account,
    clock,
)

TODAY = date(2026, 11, 10)
# What lxml says when a text cannot go into XML (U+FFFE in a holder's name, say).
LXML_REFUSAL = "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control"


class RefusingSigner(FakeSigner):
    """Signs like FakeSigner, except for buyers named "Malo": the XML cannot be built."""

    def sign(self, invoice: Invoice, now: datetime | None = None) -> bytes:
        if invoice.buyer.name.startswith("Malo"):
            raise ValueError(LXML_REFUSAL)
        return super().sign(invoice, now)


class StreamWithUnreadable(FakeAccounts):
    """The accounts, with an unreadable document in ``_id`` order among them."""

    def __init__(self, unreadable: str, *accounts: Account) -> None:
        super().__init__(*accounts)
        self.unreadable = unreadable

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account | AccountFailure]]:
        failure = AccountFailure(self.unreadable, "No se pudo facturar la cuenta: name: U+FFFE")
        everything: list[Account | AccountFailure] = [*self.accounts, failure]
        everything.sort(key=lambda a: a.account_id)
        todo = [a for a in everything if after_id is None or a.account_id > after_id]
        for start in range(0, len(todo), chunk):
            yield todo[start : start + chunk]


def population(count: int, bad: set[int] = frozenset()) -> list[Account]:  # type: ignore[assignment]
    found = []
    for n in range(count):
        good = account(f"acc-{n}", number=f"09912345{n:02d}")
        holder = replace(good.holder, name="Malo Ejemplo") if n in bad else good.holder
        found.append(replace(good, holder=holder))
    return found


async def run_pass(svc: FakeBilling, pages: FakePages) -> BillRun:
    run = await bill_runs.start(svc, 1, "2026-10", None, TODAY, NOW)
    [loaded] = await svc.bill_runs.running()
    await invoicing.invoice(svc, loaded, pages, clock())
    return svc.bill_runs.runs[run.bill_run_id]


def numbers(svc: FakeBilling) -> list[int]:
    return sorted(int(r["sequential"]) for r in svc.invoices.records.values())


def refusing_pages() -> FakePages:
    pages = FakePages()
    pages.signer = RefusingSigner()
    return pages


async def test_an_account_whose_factura_cannot_be_built_is_recorded_and_the_rest_invoiced() -> None:
    svc = FakeBilling(accounts=FakeAccounts(*population(5, bad={1})))
    run = await run_pass(svc, refusing_pages())
    assert numbers(svc) == [1, 2, 3, 4]  # the next account took the number: no gap
    invoiced = sorted(r["account_id"] for r in svc.invoices.records.values())
    assert invoiced == ["acc-0", "acc-2", "acc-3", "acc-4"]
    assert (run.status, run.phase) == (RunStatus.RUNNING, Phase.SUBMITTING)
    assert (run.accounts_processed, run.invoices_created, run.accounts_failed) == (5, 4, 1)
    assert run.failures == [
        AccountFailure("acc-1", f"No se pudo facturar la cuenta: {LXML_REFUSAL}")
    ]


async def test_a_failure_in_a_page_signed_ahead_still_leaves_no_gap() -> None:
    # Pages of 2: the first page stores one invoice of two, so the second page (signed ahead
    # from number 3) is signed again from 2.
    svc = FakeBilling(accounts=FakeAccounts(*population(6, bad={0, 3})))
    pages = refusing_pages()
    run = await run_pass(svc, pages)
    assert numbers(svc) == [1, 2, 3, 4]
    assert [f.account_id for f in run.failures] == ["acc-0", "acc-3"]
    assert all(i.access_key.encode() in xml for i, xml in pages.stored_invoices)


async def test_an_account_that_cannot_be_read_is_recorded() -> None:
    svc = FakeBilling(accounts=StreamWithUnreadable("acc-1x", *population(3)))
    run = await run_pass(svc, FakePages())
    assert numbers(svc) == [1, 2, 3] and run.accounts_processed == 4
    assert [f.account_id for f in run.failures] == ["acc-1x"] and run.accounts_failed == 1
    assert run.phase == Phase.SUBMITTING


async def test_past_the_limit_the_run_fails_and_stops_there() -> None:
    svc = FakeBilling(
        accounts=FakeAccounts(*population(8, bad={0, 1, 2})),
        settings=FakeSettings(bill_run_max_failed_accounts=1),
    )
    run = await run_pass(svc, refusing_pages())
    assert run.status == RunStatus.FAILED
    assert run.error == "too_many_failed_accounts: 2 > 1"
    assert run.accounts_processed == 2 and not svc.invoices.records  # stopped at once
    assert run.phase == Phase.INVOICING and run.invoiced_at is None


async def test_reopening_tries_the_failed_accounts_again() -> None:
    bad = population(3, bad={2})
    svc = FakeBilling(accounts=FakeAccounts(*bad))
    first = await run_pass(svc, refusing_pages())
    assert first.accounts_failed == 1
    svc.accounts = FakeAccounts(*population(3))  # the operator fixed the holder's name
    again = await run_pass(svc, refusing_pages())
    assert again.bill_run_id == first.bill_run_id
    assert (again.accounts_failed, again.failures) == (0, [])
    assert numbers(svc) == [1, 2, 3]


class BrokenStream(FakeAccounts):
    """Cycle day 1's accounts cannot be read at all (not an account's fault)."""

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account | AccountFailure]]:
        if cycle_day == 1:
            raise ConnectionError("the database went away")
        async for page in super().stream_billable(cycle_day, after_id, chunk):
            yield list(page)


async def test_a_run_whose_pass_breaks_does_not_hold_up_the_next() -> None:
    svc = FakeBilling(accounts=BrokenStream(account("acc-2", cycle_day=2)))
    runner = BillRunner(svc, FakeSigner, lambda stored: None, clock=clock())  # type: ignore[arg-type]
    broken = await bill_runs.start(svc, 1, "2026-10", None, TODAY, NOW)
    following = await bill_runs.start(svc, 2, "2026-10", None, TODAY, NOW)
    await runner.run_once()
    assert svc.bill_runs.runs[broken.bill_run_id].phase == Phase.INVOICING  # tried again later
    assert svc.bill_runs.runs[following.bill_run_id].phase == Phase.SUBMITTING
    assert [r["account_id"] for r in svc.invoices.records.values()] == ["acc-2"]
    assert not runner.invoicing
