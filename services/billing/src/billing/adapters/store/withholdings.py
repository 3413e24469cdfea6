"""Comprobantes de retención received: one document per clave de acceso (its ``_id``), so a
second copy of the same retention can never be stored (the insert collides). The credit itself
is a ledger entry (``ledger.py``) with the same id, which carries WithholdingReceived."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.adapters.store.documents import day, iso
from billing.domain.withholding import WithholdingRecord
from common.database import Database

WITHHOLDINGS = "withholdings"


def _document(record: WithholdingRecord) -> dict[str, Any]:
    return {
        "_id": record.withholding_id,
        "account_id": record.account_id,
        "amount": str(record.amount),
        "issue_date": iso(record.issue_date),
        "agent_ruc": record.agent_ruc,
        "agent_name": record.agent_name,
        "retention_number": record.retention_number,
        "invoice_ids": list(record.invoice_ids),
        "invoice_numbers": list(record.invoice_numbers),
        "authorized_at": record.authorized_at,
        "received_at": record.received_at,
        "xml": record.xml,
    }


def _record(doc: Mapping[str, Any]) -> WithholdingRecord:
    issue_date = day(doc["issue_date"])
    assert issue_date is not None
    return WithholdingRecord(
        withholding_id=doc["_id"],
        account_id=doc["account_id"],
        amount=Decimal(doc["amount"]),
        issue_date=issue_date,
        agent_ruc=doc["agent_ruc"],
        agent_name=doc["agent_name"],
        retention_number=doc["retention_number"],
        invoice_ids=tuple(doc["invoice_ids"]),
        invoice_numbers=tuple(doc["invoice_numbers"]),
        authorized_at=doc["authorized_at"],
        received_at=doc["received_at"],
        xml=doc["xml"],
    )


class WithholdingStore:
    def __init__(self, database: Database) -> None:
        self._withholdings = database[WITHHOLDINGS]

    async def get(self, withholding_id: str) -> WithholdingRecord | None:
        doc = await self._withholdings.find_one({"_id": withholding_id})
        return _record(doc) if doc else None

    async def add(self, record: WithholdingRecord) -> bool:
        try:
            await self._withholdings.insert_one(_document(record))
        except DuplicateKeyError:
            return False
        return True

    async def of_invoice(self, invoice_id: str) -> list[WithholdingRecord]:
        """The retenciones accepted on one of our facturas (an equality on the array field)."""
        return [_record(doc) async for doc in self._withholdings.find({"invoice_ids": invoice_id})]
