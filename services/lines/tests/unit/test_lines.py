"""The user's lines on the fakes: the list, "Consultar" and removal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from common.errors import NotFound
from lines.bootstrap import Lines
from lines.domain.directory import SubscriptionStatus
from lines.domain.events import LineRemoved
from lines.domain.lines import Status
from lines.use_cases.lines import consult, list_lines, remove_line
from lines.use_cases.verification import request_line, verify
from services.lines.tests.unit.fakes import FIXED, MOBILE, NOW, Fakes, invoice, subscription


async def registered(fakes: Fakes, svc: Lines, user: str = "user-1") -> str:
    line_id = (await request_line(svc, user, "movil", "0991234567", NOW)).line.line_id
    await verify(svc, user, line_id, fakes.sms()[-1].code, NOW)
    return line_id


async def test_the_list_has_pending_and_verified_lines(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(), subscription(FIXED, "tv"))
    verified = await registered(fakes, svc)
    later = NOW + timedelta(minutes=1)
    waiting = (await request_line(svc, "user-1", "tv", "022345678", later)).line.line_id
    found = await list_lines(svc, "user-1")
    assert [(x.line_id, x.status) for x in found] == [
        (verified, Status.VERIFIED),
        (waiting, Status.PENDING),
    ]
    assert await list_lines(svc, "user-2") == []


async def test_consultar_shows_plan_status_and_latest_invoice(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(plan_name="Plan Móvil 30"))
    line_id = await registered(fakes, svc)
    await fakes.invoices.record(MOBILE, invoice(period="2026-02"))
    found = await consult(svc, "user-1", line_id, NOW)
    assert (found.plan_name, found.subscription_status) == (
        "Plan Móvil 30",
        SubscriptionStatus.ACTIVE,
    )
    assert found.latest_invoice is not None
    assert (found.latest_invoice.period, found.latest_invoice.balance_due) == (
        "2026-02",
        Decimal("30.76"),
    )


async def test_consultar_without_plan_name_or_invoice(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(plan_name=None, plan_code="MOVIL-30"))
    line_id = await registered(fakes, svc)
    found = await consult(svc, "user-1", line_id, NOW)
    assert (found.plan_name, found.latest_invoice) == ("MOVIL-30", None)


async def test_consultar_an_ended_subscription(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = await registered(fakes, svc)
    await fakes.subscribe(subscription(end_date=date(2026, 3, 20)))
    found = await consult(svc, "user-1", line_id, NOW + timedelta(days=15))
    assert found.subscription_status is SubscriptionStatus.ENDED


async def test_a_previous_accounts_invoice_is_not_shown(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(account_id="acc-new"))
    line_id = await registered(fakes, svc)
    await fakes.invoices.record(MOBILE, invoice(account_id="acc-old", period="2026-02"))
    assert (await consult(svc, "user-1", line_id, NOW)).latest_invoice is None


async def test_a_pending_line_shows_nothing_of_the_contract(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    await fakes.invoices.record(MOBILE, invoice())
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    found = await consult(svc, "user-1", line_id, NOW)
    assert (found.plan_name, found.subscription_status, found.latest_invoice) == (None, None, None)


async def test_removing_a_line(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = await registered(fakes, svc)
    await remove_line(svc, "user-1", line_id, NOW)
    assert await list_lines(svc, "user-1") == []
    (removed,) = fakes.lines.events_of(LineRemoved)
    assert (removed.line_id, removed.reason) == (line_id, "removed")
    with pytest.raises(NotFound):
        await consult(svc, "user-1", line_id, NOW)
    with pytest.raises(NotFound):
        await remove_line(svc, "user-1", line_id, NOW)
    # The number can be registered again: a new line.
    again = await request_line(svc, "user-1", "movil", "0991234567", NOW + timedelta(minutes=1))
    assert again.line.line_id != line_id


async def test_another_users_line_cannot_be_read_or_removed(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = await registered(fakes, svc)
    with pytest.raises(NotFound):
        await consult(svc, "user-2", line_id, NOW)
    with pytest.raises(NotFound):
        await remove_line(svc, "user-2", line_id, NOW)
    assert fakes.lines.rows[line_id].status is Status.VERIFIED
