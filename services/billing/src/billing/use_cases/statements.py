"""Account statements (Estado de cuenta): per account (operators), or per line (the account that
held the number in that period: operators any, customers a line they hold, on its account)."""

from dataclasses import dataclass

from billing.domain import inputs
from billing.domain.accounts import Account, holding_account
from billing.domain.ownership import Viewer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, Statement, build_statement
from billing.ports import Accounting, LineStatements
from billing.use_cases.accounts import get
from billing.use_cases.ownership import holdings, line_number
from common.errors import NotFound


@dataclass(frozen=True)
class AccountStatement:
    account_id: str
    statement: Statement


async def of_account(svc: Accounting, account_id: str, period: str) -> AccountStatement:
    label = inputs.period_label(period)
    return await _statement(svc, await get(svc, account_id), label)


async def of_line(svc: LineStatements, line: str, period: str, viewer: Viewer) -> AccountStatement:
    """The statement of the account ``line`` was on in ``period``, if ``viewer`` may see it.

    A customer who does not hold the line, or whose line is on another account (the number was
    someone else's then), gets the same 404 as a number without a subscription.
    """
    number = line_number(line)
    label = inputs.period_label(period)
    account = holding_account(await svc.accounts.with_number(number), number, label)
    if account is None or not viewer.may_see(
        await holdings(svc, viewer), account.account_id, [number]
    ):
        raise NotFound("Esta línea no tuvo una suscripción en ese periodo.")
    return await _statement(svc, account, label)


async def _statement(svc: Accounting, account: Account, label: str) -> AccountStatement:
    """Ledger movements (payments, adjustments) and invoices, folded for one period."""
    ids = [account.account_id]
    ledger = await svc.ledger.movements(ids)
    invoices = await svc.invoices.movements(ids)
    notes = await svc.notes.movements(ids)
    movements: list[Movement] = [
        *ledger.get(account.account_id, ()),
        *invoices.get(account.account_id, ()),
        *notes.get(account.account_id, ()),
    ]
    period = BillingPeriod.of(label, account.cycle_day)
    statement = build_statement(period, movements, due_days=svc.settings.payment_term_days)
    return AccountStatement(account.account_id, statement)
