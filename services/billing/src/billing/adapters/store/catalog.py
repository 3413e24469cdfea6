"""The issuer's configuration and the plan catalog."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from billing.adapters.store.documents import ISSUER, PLANS, now
from billing.domain.accounts import Plan
from billing.domain.invoice import Issuer
from billing.domain.issuer import issuer_from_config
from billing.domain.tax_catalog import TaxRef
from common.database import Database

ISSUER_ID = "issuer"


class IssuerStore:
    """The emisor's configuration: one document, replaced as a whole."""

    def __init__(self, database: Database) -> None:
        self._issuer = database[ISSUER]

    async def get(self) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._issuer.find_one(
            {"_id": ISSUER_ID}, {"_id": 0, "updated_at": 0}
        )
        return doc

    async def put(self, config: Mapping[str, Any]) -> None:
        doc = {**config, "_id": ISSUER_ID, "updated_at": now()}
        await self._issuer.replace_one({"_id": ISSUER_ID}, doc, upsert=True)

    async def issuer(self) -> Issuer | None:
        config = await self.get()
        return None if config is None else issuer_from_config(config)


def _plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "_id": plan.code,
        "name": plan.name,
        "service_type": plan.service_type,
        "monthly_fee": str(plan.monthly_fee),
        "tax_code": plan.tax_code,
        # Documents, not (code, rate_code) lists: FerretDB refuses nested arrays. No rate: the
        # tax catalog gives it for each billed day.
        "extra_taxes": [
            {"tax_code": t.tax_code, "rate_code": t.rate_code} for t in plan.extra_taxes
        ],
    }


def _plan(doc: Mapping[str, Any]) -> Plan:
    return Plan(
        code=doc["_id"],
        name=doc["name"],
        service_type=doc["service_type"],
        monthly_fee=Decimal(doc["monthly_fee"]),
        tax_code=doc["tax_code"],
        # Plans stored before the tax catalog also carry a "rate" (15 for ICE 3092): ignored,
        # so they read as references and bill at the catalog's rate (a tolerant read, no
        # migration).
        extra_taxes=tuple(
            TaxRef(t["tax_code"], t["rate_code"]) for t in doc.get("extra_taxes", ())
        ),
    )


class PlanStore:
    def __init__(self, database: Database) -> None:
        self._plans = database[PLANS]

    async def all(self) -> dict[str, Plan]:
        return {doc["_id"]: _plan(doc) async for doc in self._plans.find({}).sort("_id", 1)}

    async def get(self, code: str) -> Plan | None:
        doc = await self._plans.find_one({"_id": code})
        return _plan(doc) if doc else None

    async def put(self, plan: Plan) -> None:
        """Create or replace by code; bill runs read the catalog as it is when they run."""
        doc = _plan_document(plan) | {"updated_at": now()}
        await self._plans.replace_one({"_id": plan.code}, doc, upsert=True)
