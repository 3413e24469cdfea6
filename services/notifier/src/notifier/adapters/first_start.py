"""When notifier first started on its database (MongoDB API): one document in ``service_state``,
inserted once and never changed, so a restart, a second process or a new version reads the
same instant. The invoice email's default cut-off (``INVOICE_EMAIL_SINCE``) is that instant."""

from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from common.database import Database

SERVICE_STATE = "service_state"
FIRST_START = "first_start"


class FirstStartStore:
    def __init__(self, database: Database) -> None:
        self._state = database[SERVICE_STATE]
        self._at: datetime | None = None  # read once per process: it never changes

    async def get_or_record(self, now: datetime) -> datetime:
        if self._at is None:
            try:
                # An insert on _id: of two processes starting at once, one writes, both read it.
                await self._state.insert_one({"_id": FIRST_START, "at": now})
            except DuplicateKeyError:
                pass
            doc: dict[str, Any] | None = await self._state.find_one({"_id": FIRST_START})
            if doc is None:
                raise RuntimeError("service_state.first_start vanished after it was written")
            at: datetime = doc["at"]
            self._at = at if at.tzinfo else at.replace(tzinfo=UTC)
        return self._at
