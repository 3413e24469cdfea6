"""GET /v1/deliveries on the real FerretDB: lookups by event and by address (any case), no
payload, no token; identity's JWKS unreachable is a 503. (The role and filter rules are tested
on fakes in tests/unit/test_routes.py.)"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from common.auth import TokenVerifier
from notifier.adapters.store import DeliveryStore
from notifier.domain.backoff import RetryPolicy
from notifier.domain.errors import PermanentDeliveryError
from services.notifier.tests.unit.fakes import make_delivery
from tests.support import access_key_for, access_token_for

token = access_token_for
key_for = access_key_for


async def seeded(make_app: Callable[..., Awaitable[FastAPI]], **overrides: Any) -> FastAPI:
    app = await make_app(parts={"verifier": TokenVerifier(key_for)}, **overrides)
    store = app.state.service.deliveries
    assert isinstance(store, DeliveryStore)
    now = datetime.now(UTC)
    for n, (event_id, address) in enumerate(
        [("e-1", "Ana@Correo.ec"), ("e-2", "ana@correo.ec"), ("e-3", "otro@correo.ec")]
    ):
        delivery = make_delivery(
            f"d-{n}", source_event_id=event_id, recipient=address, now=now, correlation_id=None
        )
        claim = await store.create_claimed(delivery, now, timedelta(seconds=60))
        if n == 2:
            delivery.attempt_failed(PermanentDeliveryError("no", 550), now, RetryPolicy(), 0.5)
            assert await store.record(delivery, claim, now)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier")


async def test_operator_lists_deliveries_by_event_and_by_recipient(make_app: Any) -> None:
    app = await seeded(make_app)
    auth = {"Authorization": f"Bearer {token(['operator'])}"}
    async with client(app) as http:
        by_event = await http.get("/v1/deliveries", params={"event_id": "e-3"}, headers=auth)
        by_recipient = await http.get(
            "/v1/deliveries", params={"recipient": "ANA@correo.ec"}, headers=auth
        )
        nothing = await http.get("/v1/deliveries", params={"event_id": "nope"}, headers=auth)
    assert by_event.status_code == 200
    [row] = by_event.json()
    assert row["delivery_id"] == "d-2" and row["status"] == "failed" and row["attempts"] == 1
    assert row["last_error"] == "550 no" and row["recipient"] == "otro@correo.ec"
    assert {r["source_event_id"] for r in by_recipient.json()} == {"e-1", "e-2"}
    assert nothing.json() == []
    for body in (by_event.text, by_recipient.text):
        assert "payload" not in body and "SECRET" not in body and "outbox" not in body


async def test_jwks_unreachable_is_503_not_500(
    make_app: Any, closed_port: Callable[[], int]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/.well-known/jwks.json"
    app = await make_app(identity_jwks_url=url)
    async with client(app) as http:
        response = await http.get(
            "/v1/deliveries",
            params={"event_id": "e-1"},
            headers={"Authorization": f"Bearer {token(['operator'])}"},
        )
    assert response.status_code == 503
