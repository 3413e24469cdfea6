"""billing's OpenAPI publishes what the domain accepts (issue 11, item 15; found by
tests/e2e/test_api_contract.py: 188 schema-valid requests refused as an operator, 68 as a
customer, every text field published as any string). Each request field states its constraint;
what a published pattern admits, the domain accepts; the errors are declared with their body."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from billing.api import schemas
from billing.domain import inputs
from billing.domain.accounts import Holder, Plan, normalize_number
from billing.domain.ledger import adjustment_amount
from billing.domain.periods import BillingPeriod
from services.billing.tests.unit.fakes import fake_app

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    openapi: dict[str, Any] = TestClient(fake_app()).get("/openapi.json").json()
    return openapi


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _leaves(document: dict[str, Any], schema: dict[str, Any], name: str) -> list[Any]:
    """(name, schema) of every scalar a request schema holds."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return [leaf for s in schema["anyOf"] for leaf in _leaves(document, s, name)]
    if schema.get("type") == "object":
        return [
            leaf
            for key, s in schema["properties"].items()
            for leaf in _leaves(document, s, f"{name}.{key}")
        ]
    if schema.get("type") == "array":
        return _leaves(document, schema["items"], f"{name}[]")
    return [(name, schema)]


def _request_leaves(document: dict[str, Any]) -> list[Any]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                name = f"{where} {parameter['name']}"
                found += _leaves(document, parameter["schema"], name)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                found += _leaves(document, body["schema"], f"{where} body")
    return found


def test_every_request_field_publishes_its_constraint(document: dict[str, Any]) -> None:
    leaves = _request_leaves(document)
    assert len(leaves) > 60
    for name, schema in leaves:
        kind = schema.get("type")
        if kind == "string":
            assert {"pattern", "enum"} & set(schema), name
        elif kind == "integer":
            assert {"minimum", "maximum"} <= set(schema), name
        else:
            assert kind in ("boolean", "null"), name


def test_every_operation_declares_its_errors_with_the_error_body(
    document: dict[str, Any],
) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "404", "409", "422", "429", "500"):
                content = operation["responses"][status]["content"]
                assert content["application/json"]["schema"] == ERROR, (method, path, status)
    xml = document["paths"]["/v1/invoices/{invoice_id}/xml"]["get"]["responses"]["200"]
    assert list(xml["content"]) == ["application/xml"]
    ride = document["paths"]["/v1/invoices/{invoice_id}/ride"]["get"]["responses"]["302"]
    assert "Location" in ride["headers"]


def _drawn(annotation: Any) -> st.SearchStrategy[str]:
    """Strings the published schema of ``annotation`` admits (pattern and length)."""
    schema = TypeAdapter(annotation).json_schema()
    values = st.from_regex(re.compile(schema["pattern"]), fullmatch=True)
    return values.filter(lambda v: len(v) <= schema.get("maxLength", len(v)))


checks = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@checks
@given(_drawn(schemas.PhoneNumber))
def test_a_published_phone_number_is_a_number_of_ecuador(number: str) -> None:
    assert normalize_number(number).startswith("+593")


@checks
@given(_drawn(schemas.OptionalPhone), _drawn(schemas.Email), _drawn(schemas.Text))
def test_a_published_holder_is_accepted(phone: str, email: str, text: str) -> None:
    holder = Holder("passport", "ab123", text, text, email, phone)
    assert holder.id_number == "AB123" and holder.name == inputs.text(text, "name")


@checks
@given(_drawn(schemas.Channel), _drawn(schemas.IdempotencyKey))
def test_published_texts_and_keys_are_accepted(channel: str, key: str) -> None:
    assert inputs.text(channel, "channel", max_length=50)
    assert inputs.idempotency_key(key) == key


@checks
@given(
    _drawn(schemas.Money),
    _drawn(schemas.PositiveMoney),
    _drawn(schemas.SignedMoney),
    _drawn(schemas.IceRate),
)
def test_published_amounts_are_accepted(fee: str, charge: str, adjustment: str, ice: str) -> None:
    assert inputs.not_negative(fee, "monthly_fee") >= 0
    assert inputs.positive(charge, "amount") > 0
    assert adjustment_amount(inputs.amount(adjustment, "amount")) != 0
    assert Decimal(0) <= inputs.amount(ice, "ice.rate") < 100  # then checked by the catalog


@checks
@given(_drawn(schemas.PlanCode), _drawn(schemas.Period))
def test_published_plan_codes_and_periods_are_accepted(code: str, period: str) -> None:
    assert Plan(code, "Plan", "movil", Decimal("1.00")).code == code
    assert inputs.period_label(period) == period
    # Every day of the period and of its neighbours exists (9999-12 ended in year 10000).
    for cycle_day in (1, 28):
        billed = BillingPeriod.of(period, cycle_day)
        assert billed.previous.start < billed.end < billed.next.end


def _published(annotation: Any, value: str) -> bool:
    return re.fullmatch(TypeAdapter(annotation).json_schema()["pattern"], value) is not None


_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@checks
@given(
    st.dates(date(1000, 1, 1)),
    st.datetimes(datetime(1000, 1, 2), timezones=st.one_of(st.none(), _OFFSETS)),
)
def test_days_and_times_are_published(day: date, paid_at: datetime) -> None:
    """Any day or time of years 1000 to 9999 (with an offset or without: Ecuador's clock) is
    admitted by the published schema, and accepted."""
    text = paid_at.isoformat().replace("+00:00", "Z")
    assert _published(schemas.Day, day.isoformat()) and _published(schemas.Timestamp, text)
    assert _published(schemas.Timestamp, day.isoformat())
    assert inputs.day(day.isoformat(), "start_date") == day
    assert inputs.paid_at(text, datetime(9999, 12, 30, tzinfo=UTC)).tzinfo == UTC


@checks
@given(_drawn(schemas.Timestamp))
def test_a_published_time_is_accepted(paid_at: str) -> None:
    """Without a format to lean on, the pattern knows the calendar (no 31 of April, 29 of
    February only in leap years)."""
    assert inputs.paid_at(paid_at, datetime(9999, 12, 30, tzinfo=UTC)).tzinfo == UTC
