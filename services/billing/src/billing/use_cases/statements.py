"""Account statements (Estado de cuenta): per account, or per line (the account that held the
number in that period)."""

from dataclasses import dataclass

from billing.domain import inputs
from billing.domain.accounts import Account, holding_account, normalize_number
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, Statement, build_statement
from billing.ports import Accounting
from billing.use_cases.accounts import get
from common.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class AccountStatement:
    account_id: str
    statement: Statement


async def of_account(svc: Accounting, account_id: str, period: str) -> AccountStatement:
    label = inputs.period_label(period)
    return await _statement(svc, await get(svc, account_id), label)


async def of_line(svc: Accounting, line: str, period: str) -> AccountStatement:
    try:
        number = normalize_number(line)
    except InvalidInput as error:
        raise error.renamed(rename={"number": "line"}) from None
    label = inputs.period_label(period)
    account = holding_account(await svc.accounts.with_number(number), number, label)
    if account is None:
        raise NotFound("Esta línea no tuvo una suscripción en ese periodo.")
    return await _statement(svc, account, label)


async def _statement(svc: Accounting, account: Account, label: str) -> AccountStatement:
    """Ledger movements (payments, adjustments) and invoices, folded for one period."""
    ids = [account.account_id]
    ledger = await svc.ledger.movements(ids)
    invoices = await svc.invoices.movements(ids)
    movements: list[Movement] = [
        *ledger.get(account.account_id, ()),
        *invoices.get(account.account_id, ()),
    ]
    period = BillingPeriod.of(label, account.cycle_day)
    statement = build_statement(period, movements, due_days=svc.settings.payment_term_days)
    return AccountStatement(account.account_id, statement)
