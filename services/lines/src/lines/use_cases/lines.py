"""The user's lines (guide step 2.3): the list, "Consultar" and removal."""

from dataclasses import dataclass
from datetime import datetime

from lines.domain.directory import InvoiceSummary, SubscriptionStatus, ecuador_day, status_on
from lines.domain.lines import Line, Status
from lines.ports import LinesService
from lines.use_cases._lines import change_line, own_line


@dataclass(frozen=True)
class Consultation:
    line: Line
    plan_name: str | None
    subscription_status: SubscriptionStatus | None
    latest_invoice: InvoiceSummary | None


async def list_lines(svc: LinesService, user_id: str) -> list[Line]:
    """Pending and verified lines, oldest first; removed ones are gone from the list."""
    return await svc.lines.of_user(user_id)


async def consult(svc: LinesService, user_id: str, line_id: str, now: datetime) -> Consultation:
    """ "Consultar": the line with its plan, its subscription's state and its latest invoice,
    all from lines' own projections of billing's events (no call to billing). A line not
    verified yet shows none of them: the number is not proven to be the caller's."""
    line = await own_line(svc, user_id, line_id)
    if line.status is not Status.VERIFIED:
        return Consultation(line, None, None, None)
    status, subscription = status_on(await svc.subscribers.of_number(line.number), ecuador_day(now))
    invoice = await svc.invoices.latest(line.number)
    # Only the current contract's invoices: a number that changed hands shows nothing of the
    # previous account's.
    account = subscription.account_id if subscription is not None else None
    if invoice is not None and invoice.account_id != account:
        invoice = None
    plan = subscription.plan_label if subscription is not None else None
    return Consultation(line, plan, status, invoice)


async def remove_line(svc: LinesService, user_id: str, line_id: str, now: datetime) -> Line:
    """The line leaves the user's list; a verified one raises LineRemoved ("removed")."""
    return await change_line(svc, user_id, line_id, lambda line: line.remove(now))
