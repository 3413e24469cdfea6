"""Usage charges in the real FerretDB (issue 12, item 9): kind, number, quantity and unit are
stored and read back; a charge stored before kinds existed reads as a plain "other" one."""

from decimal import Decimal

from fastapi import FastAPI

from billing.adapters.store.documents import CHARGES
from billing.domain.bill import Charge


async def test_usage_fields_round_trip(app: FastAPI) -> None:
    charges = app.state.service.charges
    usage = Charge(
        "c1", "1,5 GB", Decimal("3.00"), "4", "2026-11", "excess_data", "+593991234567",
        Decimal("1536.5"), "MB",
    )  # fmt: skip
    assert await charges.add("a1", usage, "k1") == usage
    # A replay with the same key answers the first charge, read back from the store.
    assert (
        await charges.add("a1", Charge("c2", "x", Decimal("1.00"), "4", "2026-11"), "k1") == usage
    )
    database = app.state.runtime.database
    legacy = {"_id": "old", "account_id": "a1", "description": "SIM", "amount": "5.00"}
    legacy |= {"tax_code": "0", "period": "2026-11", "idempotency_key": "k0"}
    await database[CHARGES].insert_one(legacy | {"created_at": "2026-01-01T00:00:00Z"})
    found = (await charges.for_accounts(["a1"], "2026-11"))["a1"]
    assert usage in found
    [old] = [c for c in found if c.charge_id == "old"]
    assert (old.kind, old.number, old.quantity, old.unit) == ("other", None, None, None)
