"""Who holds which line: billing's projection of lines' LineRegistered / LineRemoved, and what a
caller's reads are judged against (``domain/ownership.py`` decides).

Events may come twice or out of order (a removal before its registration): a registration only
inserts a line that is absent, a removal marks it removed whether or not it is there yet, so a
removal always wins over a late registration of the same line.
"""

from billing.domain.accounts import normalize_number
from billing.domain.ownership import LineHolding, Viewer
from billing.ports import LineHolders
from common.logging import get_logger

log = get_logger(__name__)


async def registered(svc: LineHolders, holding: LineHolding) -> None:
    """The user verified the line: from now on it opens the invoices of its account."""
    await svc.line_holders.register(holding)
    log.info("line_holder_registered", line_id=holding.line_id, user_id=holding.user_id)


async def removed(svc: LineHolders, holding: LineHolding) -> None:
    """The user no longer holds the line (removed or transferred): it opens nothing any more."""
    await svc.line_holders.remove(holding)
    log.info("line_holder_removed", line_id=holding.line_id, user_id=holding.user_id)


async def holdings(svc: LineHolders, viewer: Viewer) -> list[LineHolding]:
    """The lines a customer's reads are judged against; an operator needs none."""
    return [] if viewer.operator else await svc.line_holders.of_user(viewer.user_id)


def line_number(text: str) -> str:
    """A ``line`` query parameter in any usual typed form → E.164, or 422 on ``line``."""
    return normalize_number(text, "line")
