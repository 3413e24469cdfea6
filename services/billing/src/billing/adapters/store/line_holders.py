"""``line_holders``: billing's copy of who holds which line, one document per line id
(``_id``), fed by lines' LineRegistered / LineRemoved; read by equality on ``user_id``.

Out-of-order and replayed events: a registration is an insert that a present document (``_id``)
refuses, a removal an upsert that sets ``removed``. So a removal seen before its registration is
a tombstone the late registration cannot overwrite, and any replay changes nothing.
"""

from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.domain.ownership import LineHolding
from common.database import Database, Index

LINE_HOLDERS = "line_holders"
LINE_HOLDER_INDEXES = [Index(LINE_HOLDERS, [("user_id", 1)])]


class LineHolderStore:
    def __init__(self, database: Database) -> None:
        self._holders = database[LINE_HOLDERS]

    async def register(self, holding: LineHolding) -> None:
        try:
            await self._holders.insert_one({"_id": holding.line_id, **_fields(holding)})
        except DuplicateKeyError:
            pass  # a replay, or the line already removed: what is stored wins

    async def remove(self, holding: LineHolding) -> None:
        update = {"$set": {**_fields(holding), "removed": True}}
        try:
            await self._holders.update_one({"_id": holding.line_id}, update, upsert=True)
        except DuplicateKeyError:
            # FerretDB's upsert is a read then an insert: the registration got in between.
            await self._holders.update_one({"_id": holding.line_id}, update)

    async def of_user(self, user_id: str) -> list[LineHolding]:
        cursor = self._holders.find({"user_id": user_id})
        return [_holding(doc) async for doc in cursor]


def _fields(holding: LineHolding) -> dict[str, Any]:
    return {
        "user_id": holding.user_id,
        "number": holding.number,
        "account_id": holding.account_id,
        "removed": holding.removed,
    }


def _holding(doc: dict[str, Any]) -> LineHolding:
    return LineHolding(
        line_id=doc["_id"],
        user_id=doc["user_id"],
        number=doc["number"],
        account_id=doc.get("account_id"),
        removed=bool(doc.get("removed", False)),
    )
