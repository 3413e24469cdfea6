"""What each invoice's email needs (MongoDB API), by invoice id, written by upserts in either
order: ``invoice_mails`` holds InvoiceIssued's half (and ``emailed_at``), ``invoice_rides``
RideRendered's. Two collections, not two fields of one document: FerretDB 1.24 applies an update
as a read then a write, so two consumers updating one document at once could lose a half."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from common.database import Database, Index
from notifier.domain.invoices import InvoiceMail, IssuedInvoice, RenderedRide

INVOICE_MAILS, INVOICE_RIDES = "invoice_mails", "invoice_rides"

INVOICE_INDEXES = [
    # The scan behind invoices_not_emailed: equality on emailed_at (null until emailed).
    Index(INVOICE_MAILS, [("emailed_at", 1)]),
]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class MailHalves:
    """The two halves of one document's email, by its id: the issued event's (``issued``, with
    ``emailed_at`` and ``not_emailed_reason``) in ``mails``, RideRendered's in ``rides``."""

    def __init__(self, database: Database, mails: str, rides: str) -> None:
        self._mails = database[mails]
        self._rides = database[rides]

    async def _remember_issued(
        self, key: str, issued: dict[str, Any], now: datetime, not_emailed_reason: str | None
    ) -> None:
        await self._mails.update_one(
            {"_id": key},
            {
                "$set": {
                    "issued": issued,
                    "not_emailed_reason": not_emailed_reason,
                    "updated_at": now,
                },
                "$setOnInsert": {"created_at": now, "emailed_at": None},
            },
            upsert=True,
        )

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None:
        await self._rides.update_one(
            {"_id": ride.invoice_id},
            {
                "$set": {"ride": asdict(ride), "updated_at": now},
                "$setOnInsert": {"created_at": now},
            },
            upsert=True,
        )

    async def _halves(self, key: str) -> tuple[dict[str, Any], RenderedRide | None] | None:
        """The mail half's document and the RIDE; None when neither event is in yet."""
        doc: dict[str, Any] = await self._mails.find_one({"_id": key}) or {}
        ride_doc: dict[str, Any] = await self._rides.find_one({"_id": key}) or {}
        if not doc and not ride_doc:
            return None
        ride = ride_doc.get("ride")
        return doc, RenderedRide(**ride) if ride else None

    async def mark_emailed(self, key: str, now: datetime) -> None:
        await self._mails.update_one({"_id": key}, {"$set": {"emailed_at": now}})


def emailed_at(doc: dict[str, Any]) -> datetime | None:
    value = doc.get("emailed_at")
    return _aware(value) if value else None


class InvoiceMailStore(MailHalves):
    def __init__(self, database: Database) -> None:
        super().__init__(database, INVOICE_MAILS, INVOICE_RIDES)

    async def remember_issued(
        self, invoice: IssuedInvoice, now: datetime, not_emailed_reason: str | None
    ) -> None:
        await self._remember_issued(invoice.invoice_id, asdict(invoice), now, not_emailed_reason)

    async def get(self, invoice_id: str) -> InvoiceMail | None:
        halves = await self._halves(invoice_id)
        if halves is None:
            return None
        doc, ride = halves
        issued = doc.get("issued")
        if issued:
            issued = IssuedInvoice(**issued | {"authorized_at": _aware(issued["authorized_at"])})
        return InvoiceMail(
            invoice_id=invoice_id,
            issued=issued or None,
            ride=ride,
            emailed_at=emailed_at(doc),
            not_emailed_reason=doc.get("not_emailed_reason"),
        )

    async def not_emailed(self) -> list[datetime]:
        # Equality on null also matches a missing field (records older than the reason). An
        # invoice not to be emailed drops out here, so the scan does not grow with them.
        cursor = self._mails.find(
            {"emailed_at": None, "not_emailed_reason": None},
            {"issued.authorized_at": 1, "issued.email": 1},
        )
        found: list[datetime] = []
        async for doc in cursor:
            issued = doc.get("issued") or {}
            if issued.get("email") and issued.get("authorized_at"):
                found.append(_aware(issued["authorized_at"]))
        return found
