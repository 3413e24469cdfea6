"""Usage charges through the use case and the admin route: kind, number, quantity and unit
(issue 12, item 9), on in-memory fakes."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given

from billing import use_cases
from billing.api import schemas
from billing.domain import charge_inputs, inputs
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import bill_lines
from billing.domain.money import round_fiscal
from billing.domain.periods import BillingPeriod
from billing.use_cases.charges import ChargeInput
from common.errors import InvalidInput
from services.billing.tests.unit.fakes import NOW, FakePlans, fake_app, fake_billing
from services.billing.tests.unit.test_openapi import _drawn, checks
from tests.support import access_token_for

HOLDER = Holder("cedula", "1714307103", "Ana", "Quito", "ana@correo.ec", "")
NUMBER = "+593991234567"
OPERATOR = {"Authorization": f"Bearer {access_token_for(['operator'])}"}


def roaming(**changes: str | None) -> ChargeInput:
    values: dict[str, Any] = {
        "description": "Perú, 10–12 de febrero",
        "amount": "12.40",
        "tax_code": "4",
        "period": "2026-02",
        "idempotency_key": "roaming-1",
        "kind": "roaming",
        "number": "099 123 4567",
        "quantity": "31",
        "unit": "minutos",
    }
    return ChargeInput(**(values | changes))


async def test_a_usage_charge_is_stored_and_billed_as_its_own_line() -> None:
    svc = fake_billing()
    sub = Subscription("s1", NUMBER, "movil", "M-30", date(2026, 1, 1))
    await svc.accounts.add(Account("a1", HOLDER, 1, "20", (sub,)))
    charge = await use_cases.charges.add(svc, "a1", roaming(), NOW)
    assert (charge.kind, charge.number, charge.quantity, charge.unit) == (
        "roaming",
        NUMBER,  # typed as the customer writes it, kept in E.164
        Decimal(31),
        "minutos",
    )
    assert await use_cases.charges.add(svc, "a1", roaming(quantity="31.0"), NOW) == charge
    stored = (await svc.charges.for_accounts(["a1"], "2026-02"))["a1"]
    account = await svc.accounts.get("a1")
    assert account is not None
    plan = Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00"))
    period = BillingPeriod.of("2026-02", 1)
    _, line = bill_lines(account, {plan.code: plan}, period, stored)
    assert (line.code, line.description, line.info.unit) == (
        "ROAMING",
        "Roaming internacional: Perú, 10–12 de febrero",
        "minutos",
    )
    assert (line.quantity, line.unit_price, line.precio_total_sin_impuesto) == (
        Decimal(31),
        Decimal("0.400000"),
        Decimal("12.40"),
    )
    assert line.info.details == (("Línea", "099 123 4567"), ("Periodo", "01/02/2026 al 28/02/2026"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "sms"}, "kind"),
        ({"number": "12345"}, "number"),
        ({"number": "0987654321"}, "number"),  # a valid number, not one of the account's
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.1234567"}, "quantity"),
        ({"quantity": "-3"}, "quantity"),
        ({"quantity": "7000000", "amount": "3.00"}, "quantity"),  # no exact unit price
        ({"quantity": None}, "unit"),  # a unit without a quantity
        ({"unit": " "}, "unit"),
        ({"unit": "u" * 51}, "unit"),
        ({"description": "x" * 280}, "description"),  # 280 + "Roaming internacional: " > 300
    ],
)
async def test_usage_fields_are_checked(changes: dict[str, str | None], field: str) -> None:
    svc = fake_billing()
    sub = Subscription("s1", NUMBER, "movil", "M-30", date(2026, 1, 1))
    await svc.accounts.add(Account("a1", HOLDER, 1, "20", (sub,)))
    with pytest.raises(InvalidInput) as error:
        await use_cases.charges.add(svc, "a1", roaming(**changes), NOW)
    assert list(error.value.fields or {}) == [field]


async def test_a_plain_charge_is_of_kind_other() -> None:
    svc = fake_billing()
    await svc.accounts.add(Account("a1", HOLDER, 1, "20"))
    plain = roaming(kind="other", number=None, quantity=None, unit=None)
    charge = await use_cases.charges.add(svc, "a1", plain, NOW)
    assert (charge.kind, charge.number, charge.quantity, charge.unit) == ("other", None, None, None)


@pytest.fixture
def client() -> Iterator[TestClient]:
    plans = FakePlans(Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00")))
    yield TestClient(fake_app(plans=plans), headers=OPERATOR)


def _account_with_line(client: TestClient) -> str:
    holder = {
        "id_type": "cedula",
        "id_number": "1714307103",
        "name": "María Pérez",
        "address": "Quito",
        "email": "maria@correo.ec",
        "phone": "",
    }
    body = {"holder": holder, "cycle_day": 1, "payment_method": "20"}
    account_id = str(client.post("/v1/admin/accounts", json=body).json()["account_id"])
    line = {"number": "0991234567", "service_type": "movil", "plan_code": "M-30"}
    line["start_date"] = "2026-01-01"
    added = client.post(f"/v1/admin/accounts/{account_id}/subscriptions", json=line)
    assert added.status_code == 201, added.text
    return account_id


CHARGE = {
    "description": "1,5 GB sobre el plan",
    "amount": "3",
    "tax_code": "4",
    "period": "2026-02",
    "idempotency_key": "datos-1",
}


def test_the_charge_route_takes_and_answers_the_usage_fields(client: TestClient) -> None:
    path = f"/v1/admin/accounts/{_account_with_line(client)}/charges"
    usage = {"kind": "excess_data", "number": "0991234567", "quantity": "1536", "unit": "MB"}
    response = client.post(path, json=CHARGE | usage)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("amount", "kind", "number", "quantity", "unit")} == {
        "amount": "3.00",
        "kind": "excess_data",
        "number": NUMBER,
        "quantity": "1536",
        "unit": "MB",
    }
    plain = client.post(path, json=CHARGE | {"idempotency_key": "k2"}).json()
    assert (plain["kind"], plain["number"], plain["quantity"], plain["unit"]) == (
        "other",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "roaming_sms"}, "kind"),
        ({"number": "0987654321"}, "number"),
        ({"number": "abc"}, "number"),
        ({"quantity": "3000000", "amount": "0.01"}, "quantity"),
    ],
)
def test_the_charge_route_refuses_a_bad_kind_or_number(
    client: TestClient, changes: dict[str, str], field: str
) -> None:
    path = f"/v1/admin/accounts/{_account_with_line(client)}/charges"
    response = client.post(path, json=CHARGE | changes)
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]["fields"]) == [field]


@checks
@given(_drawn(schemas.Quantity), _drawn(schemas.Unit))
def test_published_quantities_and_units_are_accepted(quantity: str, unit: str) -> None:
    """What the OpenAPI admits is accepted (the exact-price rule is the domain's alone: at
    1 000 000.00 a unit every published quantity has its price)."""
    parsed = charge_inputs.quantity(quantity, round_fiscal(Decimal(quantity) * 10**6))
    assert parsed is not None and parsed > 0
    assert charge_inputs.unit(unit, parsed) == inputs.text(unit, "unit", max_length=50)
