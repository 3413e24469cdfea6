"""SRI's transmission window (docs/sri.md §9 "When to transmit") and the issuer's own RUC
(issue 12, items 2 and 10): what a bill run accepts, what its pass refuses, what the submitter
says when it sends a document past its window."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from billing import use_cases
from billing.adapters.sri_client import Reception
from billing.domain.bill import bill_lines, statement_info
from billing.domain.bill_run import BillRun, RunStatus
from billing.domain.own_ruc import is_issuer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import build_statement
from billing.domain.transmission_window import TransmissionWindow
from billing.use_cases import bill_runs, invoicing
from common.errors import InvalidInput
from services.billing.tests.unit.fakes import FakeIssuer, fake_billing
from services.billing.tests.unit.invoice_fakes import (
    NOW,
    PLAN,
    FakeAccounts,
    FakeBilling,
    FakeInvoices,
    FakePages,
    account,
    clock,
    record,
)
from services.billing.tests.unit.sri_fakes import FakeSubmission, ScriptedSri
from services.billing.tests.unit.test_account_use_cases import HOLDER, ISSUER

WINDOW = TransmissionWindow()  # 72 hours
ECUADOR_MIDNIGHT = timedelta(hours=5)  # 00:00 in Ecuador is 05:00 UTC


def test_the_window_runs_from_the_end_of_the_issue_day_in_ecuador() -> None:
    # fechaEmision has no time: a factura of 01/11 may be sent until 04/11 24:00 (Ecuador).
    last = datetime(2026, 11, 5, tzinfo=UTC) + ECUADOR_MIDNIGHT
    assert WINDOW.deadline(date(2026, 11, 1)) == last
    assert WINDOW.open_for(date(2026, 11, 1), last)
    assert not WINDOW.open_for(date(2026, 11, 1), last + timedelta(microseconds=1))
    assert WINDOW.earliest(last + timedelta(microseconds=1)) == date(2026, 11, 2)


def test_a_date_after_today_in_ecuador_is_never_open() -> None:
    # 23:00 on 01/11 in Ecuador is already 02/11 in UTC: 02/11 is still tomorrow.
    evening = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    assert WINDOW.open_for(date(2026, 11, 1), evening)
    assert not WINDOW.open_for(date(2026, 11, 2), evening)


@pytest.mark.parametrize(
    ("hours", "earliest"), [(1, date(2026, 11, 10)), (240, date(2026, 10, 31))]
)
def test_the_window_is_a_setting(hours: int, earliest: date) -> None:
    # NOW: 10:00 on 10/11 in Ecuador.
    assert TransmissionWindow(hours).earliest(NOW) == earliest
    with pytest.raises(ValueError):
        TransmissionWindow(0)


# -- the bill run -------------------------------------------------------------------------------


async def test_a_run_whose_window_closed_fails_and_posting_it_again_issues_today() -> None:
    svc = FakeBilling(accounts=FakeAccounts(account("acc-1")))
    # Started on 10/11 with that date, resumed four days later: SRI would answer 65 to it all.
    run = BillRun.start(1, "2026-10", None, date(2026, 11, 10), NOW)
    await svc.bill_runs.add(run)
    later = NOW + timedelta(days=4)
    await invoicing.invoice(svc, run, FakePages(), clock(later))
    stored = svc.bill_runs.runs[run.bill_run_id]
    assert stored.status == RunStatus.FAILED and not svc.invoices.records
    assert stored.error == "issue_date_outside_window: 10/11/2026; vuelve a iniciar el ciclo"
    again = await bill_runs.start(svc, 1, "2026-10", None, date(2026, 11, 14), later)
    assert again.bill_run_id == run.bill_run_id and stored.issue_date == date(2026, 11, 14)
    await invoicing.invoice(svc, stored, FakePages(), clock(later))
    [invoice] = svc.invoices.records.values()
    assert invoice["issue_date"] == "2026-11-14" and stored.status == RunStatus.RUNNING


async def test_an_account_with_the_issuers_own_ruc_is_not_invoiced() -> None:
    own = account("acc-own")
    own = replace(own, holder=replace(own.holder, id_type="ruc", id_number="1790011674001"))
    svc = FakeBilling(accounts=FakeAccounts(account("acc-1"), own))
    await bill_runs.start(svc, 1, "2026-10", None, date(2026, 11, 10), NOW)
    [run] = await svc.bill_runs.running()
    await invoicing.invoice(svc, run, FakePages(), clock())
    stored = svc.bill_runs.runs[run.bill_run_id]
    assert [r["account_id"] for r in svc.invoices.records.values()] == ["acc-1"]
    [failure] = stored.failures
    assert failure.account_id == "acc-own"
    assert failure.reason == (
        "No se pudo facturar la cuenta: id_number: Es la identificación del propio emisor: un "
        "contribuyente no se factura a sí mismo. Usa la identificación del cliente."
    )


@pytest.mark.parametrize(
    ("id_type", "id_number"),
    [("ruc", "1790011674001"), ("ruc", "1790011674002")],  # the issuer, another establishment
)
async def test_an_account_for_the_issuer_itself_is_refused(id_type: str, id_number: str) -> None:
    svc = fake_billing(issuer=FakeIssuer())
    await use_cases.issuer.configure(svc, ISSUER)
    holder = replace(HOLDER, id_type=id_type, id_number=id_number)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as error:
        await use_cases.accounts.create(svc, holder, 1, "20")
    assert list(error.value.fields or {}) == ["holder.id_number"]
    assert not await use_cases.accounts.find(svc, id_number)
    # A natural person's RUC is their cédula plus 001: that cédula is the issuer too.
    person = fake_billing(issuer=FakeIssuer())
    await use_cases.issuer.configure(person, {**ISSUER, "ruc": "1714307103001"})
    with pytest.raises(InvalidInput):
        await use_cases.accounts.create(person, HOLDER, 1, "20")
    customer = await use_cases.accounts.create(svc, HOLDER, 1, "20")  # someone else: fine
    assert customer.holder.id_number == "1714307103"


def test_who_is_the_issuer() -> None:
    assert is_issuer("cedula", "1714307103", "1714307103001")
    assert not is_issuer("cedula", "1714307103", "1790011674001")
    assert not is_issuer("passport", "1790011674001", "1790011674001")  # a passport is free text
    assert not is_issuer("ruc", "1790085783001", "1790011674001")


# -- the submitter ------------------------------------------------------------------------------


def _late_count() -> float:
    return REGISTRY.get_sample_value("billing_sri_late_submissions_total") or 0.0


@pytest.mark.parametrize(
    ("period", "late"),
    [
        (BillingPeriod.of("2026-10", 9), False),  # issued 09/11, sent 10/11: in time
        (BillingPeriod.of("2026-10", 1), True),  # issued 01/11, sent 10/11: SRI answers 65
    ],
)
async def test_a_document_past_its_window_is_sent_and_counted(
    period: BillingPeriod, late: bool
) -> None:
    invoices = FakeInvoices()
    doc = record(period=period)
    invoices.add(doc)
    invoices.signed[doc["_id"]] = f"<factura>{doc['access_key']}</factura>".encode()
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    before = _late_count()
    await use_cases.submission.step(
        FakeSubmission(sri, invoices), invoices.current(doc["_id"]), None, clock()
    )
    assert sri.calls[0] == "recepcion"  # never re-dated nor held back: SRI decides
    assert _late_count() - before == (1 if late else 0)


def test_the_period_is_named_whatever_the_issue_date() -> None:
    """A late run issues today: the lines and infoAdicional say which month they bill."""
    owner = account("acc-1")
    period = BillingPeriod.of("2026-10")
    [line] = bill_lines(owner, {"P1": PLAN}, period)
    assert line.description.endswith("del 01/10/2026 al 31/10/2026")
    statement = build_statement(period, [], due_days=15)
    info = dict(statement_info(owner, period, statement))
    assert info["Periodo"] == "2026-10 (01/10/2026 al 31/10/2026)"
