"""lines as it runs (lifespan: indexes, topics, the backfill, consumers, the outbox relay) on the
real Kafka and FerretDB, driven over HTTP in-process: billing's events in, "GENERAR" → the SMS
code on its topic, "Aceptar" → LineRegistered, "Consultar" with the invoice billing issued.

The consumers read billing's events from topics of this run (same handlers, a group of the
run: joining "lines" would rebalance the stack's lines each time), so a
lines that `make up` started does not see these test subscriptions. Access tokens are signed
with the tests' key."""

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from common.auth import TokenVerifier
from common.contracts.base import Event
from common.contracts.billing import (
    Holder,
    InvoiceIssued,
    InvoiceIssuedData,
    StatementSummary,
    SubscriberData,
    SubscriptionActivated,
    Totals,
)
from common.contracts.lines import LineRegistered, LineVerificationRequested
from common.messaging import Consumers
from common.service import ServiceSpec, build_app
from lines.adapters.store import LINES
from lines.app import SPEC
from lines.bootstrap import Lines, bootstrap
from lines.settings import LinesSettings
from services.lines.tests.integration.conftest import unique_number
from tests.kafka_support import find_record, headers_of, produce
from tests.support import access_key_for, access_token_for

USER = f"user-{uuid.uuid4().hex[:8]}"
AUTH = {"Authorization": f"Bearer {access_token_for(['customer'], subject=USER)}"}


@pytest.fixture
def isolated() -> tuple[ServiceSpec[Lines], dict[type[Event], type[Event]]]:
    """lines' spec with its consumers on topics of this run; and contract → this run's kind."""
    assert SPEC.consumers is not None
    run = uuid.uuid4().hex[:8]
    consumers = Consumers(group=f"{SPEC.consumers.group}-test-{run}")
    kinds: dict[type[Event], type[Event]] = {}
    for declared in SPEC.consumers.declared:
        contract = declared.event
        local = type(contract.__name__, (contract,), {"__module__": __name__})
        local.topic = f"test-{run}.{contract.topic}"
        consumers(local, declared.description)(declared.handler)
        kinds[contract] = local
    return dataclasses.replace(SPEC, consumers=consumers), kinds


@pytest.fixture
async def running(
    make_settings: Callable[..., LinesSettings],
    isolated: tuple[ServiceSpec[Lines], dict[type[Event], type[Event]]],
) -> AsyncIterator[FastAPI]:
    spec, _ = isolated
    app = build_app(spec, bootstrap(make_settings(), verifier=TokenVerifier(access_key_for)))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        yield app
    finally:
        await lifespan.__aexit__(None, None, None)


async def send(event: Event) -> None:
    payload = event.model_dump_json().encode()
    await produce(event.topic, payload, event.key().encode(), event.cloudevents_headers())


async def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


def subscriber(number: str, account_id: str, **changes: Any) -> SubscriberData:
    values: dict[str, Any] = {
        "subscription_id": f"test-{uuid.uuid4().hex}",
        "account_id": account_id,
        "number": number,
        "service_type": "movil",
        "plan_code": "MOVIL-30",
        "plan_name": "Plan Móvil 30",
        "holder_id_type": "cedula",
        "holder_id_number": "1714307103",
        "start_date": date(2026, 1, 1),
        "contact_mobile": number,
    }
    return SubscriberData(**(values | changes))


def issued(number: str, account_id: str) -> InvoiceIssuedData:
    return InvoiceIssuedData(
        invoice_id=f"test-{uuid.uuid4().hex}",
        account_id=account_id,
        period="2026-02",
        number="001-001-000000321",
        access_key="0" * 49,
        issue_date=date(2026, 3, 1),
        authorization_number="0" * 49,
        authorized_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        environment="1",
        holder=Holder(name="Ana Quispe", email=None, id_type="cedula", id_number="1714307103"),
        lines=[number],
        totals=Totals(subtotal="20.00", discount="0.00", taxes="3.00", total="23.00"),
        statement=StatementSummary(
            previous_balance="0.00",
            payments="0.00",
            charges="23.00",
            adjustments="0.00",
            balance_due="23.00",
            due_date=date(2026, 3, 16),
        ),
        # The fiscal record lines never reads: named, not carried.
        authorized_xml_sha256="0" * 64,
        authorized_xml_size=15,
    )


async def test_generar_aceptar_consultar(
    running: FastAPI, isolated: tuple[ServiceSpec[Lines], dict[type[Event], type[Event]]]
) -> None:
    _, kinds = isolated
    svc: Lines = running.state.service
    number, account = unique_number(), f"test-{uuid.uuid4().hex[:8]}"
    await send(kinds[SubscriptionActivated](data=subscriber(number, account)))
    await wait_for(lambda: svc.subscribers.of_number(number))
    await send(kinds[InvoiceIssued](data=issued(number, account)))
    await wait_for(lambda: svc.invoices.latest(number))

    transport = httpx.ASGITransport(app=running)  # the app's loop is this test's: the client's too
    async with httpx.AsyncClient(transport=transport, base_url="http://lines") as client:
        created = await client.post(
            "/v1/lines", json={"service_type": "movil", "number": number}, headers=AUTH
        )
        assert created.status_code == 201, created.text
        line_id = created.json()["line_id"]

        # The code leaves through the outbox (emptied by the relay) onto its sensitive topic.
        record = await find_record(LineVerificationRequested.topic, line_id.encode())
        sms = json.loads(record.value)["data"]
        assert (sms["destination"], sms["user_id"], sms["send_number"]) == (number, USER, 1)
        assert headers_of(record)["ce_type"] == "lines.line_verification_requested"
        lines = running.state.runtime.database.raw(LINES)
        await wait_for(lambda: _outbox_empty(lines, line_id))

        verified = await client.post(
            f"/v1/lines/{line_id}/verification", json={"code": sms["code"]}, headers=AUTH
        )
        assert verified.status_code == 200, verified.text
        registered = await find_record(LineRegistered.topic, number.encode())
        data = json.loads(registered.value)["data"]
        assert (data["line_id"], data["account_id"]) == (line_id, account)

        detail = (await client.get(f"/v1/lines/{line_id}", headers=AUTH)).json()
        assert (detail["status"], detail["plan_name"], detail["subscription_status"]) == (
            "verified",
            "Plan Móvil 30",
            "active",
        )
        assert detail["latest_invoice"]["total"] == "23.00"


async def _outbox_empty(lines: Any, line_id: str) -> bool:
    doc = await lines.find_one({"_id": line_id})
    return not doc.get("outbox")
