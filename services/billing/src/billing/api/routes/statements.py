"""Account statements: GET /v1/admin/accounts/{account_id}/statement (operators) and
GET /v1/statement (operators any line, customers a line they hold)."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep, Reader, operator
from billing.api.routes import billing_router
from billing.api.schemas import Identifier, Period, PhoneNumber
from billing.domain.money import money_text
from billing.use_cases.statements import AccountStatement

router = billing_router("billing-statements")


class MovementOut(BaseModel):
    date: str  # ISO date
    kind: str
    description: str
    amount: str  # signed: positive raises what the customer owes
    reference: str


class StatementOut(BaseModel):
    account_id: str
    period: str
    period_start: date
    period_end: date
    previous_balance: str
    payments: str
    charges: str
    adjustments: str
    balance_due: str
    due_date: date
    movements: list[MovementOut]
    withholdings: str  # comprobantes de retención received in the period (positive)

    @classmethod
    def of(cls, found: AccountStatement) -> "StatementOut":
        statement = found.statement
        return cls(
            account_id=found.account_id,
            period=statement.period,
            period_start=statement.period_start,
            period_end=statement.period_end,
            previous_balance=money_text(statement.previous_balance),
            payments=money_text(statement.payments),
            charges=money_text(statement.charges),
            adjustments=money_text(statement.adjustments),
            balance_due=money_text(statement.balance_due),
            due_date=statement.due_date,
            movements=[
                MovementOut(
                    date=m.on.isoformat(),
                    kind=m.kind,
                    description=m.description,
                    amount=money_text(m.amount),
                    reference=m.reference,
                )
                for m in statement.movements
            ],
            withholdings=money_text(statement.withholdings),
        )


@router.get(
    "/admin/accounts/{account_id}/statement",
    response_model=StatementOut,
    dependencies=[Depends(operator)],
)
async def account_statement(
    account_id: Annotated[Identifier, Path()],
    svc: BillingDep,
    period: Annotated[Period, Query()],
) -> StatementOut:
    return StatementOut.of(await use_cases.statements.of_account(svc, account_id, period))


@router.get("/statement", response_model=StatementOut)
async def line_statement(
    svc: BillingDep,
    caller: Reader,
    line: Annotated[PhoneNumber, Query()],
    period: Annotated[Period, Query()],
) -> StatementOut:
    return StatementOut.of(await use_cases.statements.of_line(svc, line, period, caller))
