"""What the ownership projection and the customer reads need: billing's copy of who holds which
line (``line_holders``, fed by lines' LineRegistered / LineRemoved)."""

from typing import Protocol

from billing.domain.ownership import LineHolding


class LineHolderRepository(Protocol):
    async def register(self, holding: LineHolding) -> None:
        """Insert the line if absent: a replay, or a removal seen first, keeps what is there."""
        ...

    async def remove(self, holding: LineHolding) -> None:
        """Mark the line removed, inserting it removed if its registration is still to come."""
        ...

    async def of_user(self, user_id: str) -> list[LineHolding]:
        """The user's lines, removed ones included (the rule ignores those)."""
        ...


class LineHolders(Protocol):
    @property
    def line_holders(self) -> LineHolderRepository: ...
