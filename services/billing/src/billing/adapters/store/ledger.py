"""One-off charges, and the ledger of payments and adjustments: each inserted once per
idempotency key (a unique index), a payment with its PaymentRecorded in its outbox."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.adapters.store.documents import CHARGES, LEDGER, day, iso, now, wire_documents
from billing.domain.bill import Charge
from billing.domain.detail_lines import DEFAULT_KIND
from billing.domain.ledger import LedgerEntry
from billing.domain.statement import Movement
from common.database import Database
from common.outbox import OUTBOX_FIELD


def _charge(doc: Mapping[str, Any]) -> Charge:
    return Charge(
        charge_id=doc["_id"],
        description=doc["description"],
        amount=Decimal(doc["amount"]),
        tax_code=doc["tax_code"],
        period=doc["period"],
        # Charges stored before kinds existed have none of these (a plain "other" charge).
        kind=doc.get("kind", DEFAULT_KIND),
        number=doc.get("number"),
        quantity=None if doc.get("quantity") is None else Decimal(doc["quantity"]),
        unit=doc.get("unit"),
    )


class ChargeStore:
    def __init__(self, database: Database) -> None:
        self._charges = database[CHARGES]

    async def add(self, account_id: str, charge: Charge, idempotency_key: str) -> Charge:
        """Insert once per (account, key): a replay gets the first charge (the domain decides
        whether it asked for the same)."""
        doc = {
            "_id": charge.charge_id,
            "account_id": account_id,
            "description": charge.description,
            "amount": str(charge.amount),
            "tax_code": charge.tax_code,
            "period": charge.period,
            "kind": charge.kind,
            "number": charge.number,
            "quantity": None if charge.quantity is None else str(charge.quantity),
            "unit": charge.unit,
            "idempotency_key": idempotency_key,
            "created_at": now(),
        }
        try:
            await self._charges.insert_one(doc)
        except DuplicateKeyError:
            first = await self._charges.find_one(
                {"account_id": account_id, "idempotency_key": idempotency_key}
            )
            if first is None:
                raise
            return _charge(first)
        return charge

    async def for_accounts(self, account_ids: list[str], period: str) -> dict[str, list[Charge]]:
        """The charges of ``period`` per account (every id present, maybe with no charges)."""
        found: dict[str, list[Charge]] = {account_id: [] for account_id in account_ids}
        cursor = self._charges.find({"account_id": {"$in": account_ids}, "period": period})
        async for doc in cursor.sort([("created_at", 1), ("_id", 1)]):
            found[doc["account_id"]].append(_charge(doc))
        return found


def _ledger_document(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "_id": entry.entry_id,
        "account_id": entry.account_id,
        "kind": entry.kind,
        "amount": str(entry.amount),
        "on": iso(entry.on),
        "description": entry.description,
        "paid_at": entry.paid_at,
        "channel": entry.channel,
        "idempotency_key": entry.idempotency_key,
        "created_at": now(),
        OUTBOX_FIELD: wire_documents(entry.events),
    }


def _ledger_entry(doc: Mapping[str, Any]) -> LedgerEntry:
    on = day(doc["on"])
    assert on is not None
    return LedgerEntry(
        entry_id=doc["_id"],
        account_id=doc["account_id"],
        kind=doc["kind"],
        amount=Decimal(doc["amount"]),
        on=on,
        description=doc["description"],
        idempotency_key=doc["idempotency_key"],
        paid_at=doc.get("paid_at"),
        channel=doc.get("channel"),
    )


class LedgerStore:
    """Payments and adjustments; a payment document carries its PaymentRecorded (outbox)."""

    def __init__(self, database: Database) -> None:
        self._ledger = database[LEDGER]

    async def add(self, entry: LedgerEntry) -> LedgerEntry:
        """Insert once per (kind, key): a replay gets the first entry (and adds no event)."""
        try:
            await self._ledger.insert_one(_ledger_document(entry))
        except DuplicateKeyError:
            first = await self._ledger.find_one(
                {"kind": entry.kind, "idempotency_key": entry.idempotency_key}
            )
            if first is None:
                raise
            return _ledger_entry(first)
        return entry

    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]:
        """Every payment (negative) and adjustment (±) per account, oldest first."""
        found: dict[str, list[Movement]] = {account_id: [] for account_id in account_ids}
        cursor = self._ledger.find({"account_id": {"$in": account_ids}}, {OUTBOX_FIELD: 0})
        async for doc in cursor.sort([("on", 1), ("_id", 1)]):
            found[doc["account_id"]].append(_ledger_entry(doc).movement())
        return found
