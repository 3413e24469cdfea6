"""Who may see an invoice or a statement (docs/design.md §2, "Ownership rule").

Operators see everything. A customer sees an invoice when they hold a line (verified by SMS in
the lines service, billing's copy in ``line_holders``) that is not removed, whose number is among
the invoice's billed numbers and whose account is the invoice's account: a recycled number
never shows a previous holder's invoices, since the new holder's line is on another account.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LineHolding:
    """One line a user verified, as lines announced it (LineRegistered / LineRemoved)."""

    line_id: str
    user_id: str
    number: str  # E.164
    # The billing account whose subscription the number was on when verified; None: lines
    # did not know it, and then the line shows no invoice.
    account_id: str | None
    removed: bool = False

    def shows(self, account_id: str, numbers: Iterable[str]) -> bool:
        """Whether this line opens an invoice or statement of ``account_id`` for ``numbers``."""
        return (
            not self.removed
            and self.account_id is not None
            and self.account_id == account_id
            and self.number in numbers
        )


@dataclass(frozen=True)
class Viewer:
    """The caller of a read: an operator, or a customer with the lines they hold."""

    user_id: str
    operator: bool = False

    def holds(self, holdings: Iterable[LineHolding], number: str) -> bool:
        """Whether the customer holds ``number`` now (a removed line no longer counts)."""
        return any(
            h.user_id == self.user_id and not h.removed and h.number == number for h in holdings
        )

    def may_read_line(self, holdings: Iterable[LineHolding], number: str) -> bool:
        """Whether they may ask for ``number``'s invoices: an operator, or its holder."""
        return self.operator or self.holds(holdings, number)

    def may_see(
        self, holdings: Iterable[LineHolding], account_id: str, numbers: Iterable[str]
    ) -> bool:
        """Whether an invoice or statement of ``account_id`` billing ``numbers`` is theirs."""
        if self.operator:
            return True
        billed = frozenset(numbers)
        return any(h.user_id == self.user_id and h.shows(account_id, billed) for h in holdings)
