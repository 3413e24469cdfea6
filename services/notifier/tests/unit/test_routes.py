"""GET /v1/deliveries through build(settings, fakes), without the lifespan: operators only
(JWT checked with the tests' key), a filter required, no payload and no token in answers."""

from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from common.auth import TokenVerifier
from notifier.app import build
from notifier.domain.backoff import RetryPolicy
from notifier.domain.errors import PermanentDeliveryError
from notifier.settings import NotifierSettings
from tests.support import access_key_for, access_token_for

from .fakes import T0, FakeDeliveries, make_delivery, parts

SETTINGS = NotifierSettings()
LEASE = timedelta(seconds=60)


async def seeded() -> FakeDeliveries:
    store = FakeDeliveries()
    addresses = [("e-1", "Ana@Correo.ec"), ("e-2", "ana@correo.ec"), ("e-3", "otro@correo.ec")]
    for n, (event_id, address) in enumerate(addresses):
        now = T0 + timedelta(minutes=n)
        delivery = make_delivery(
            f"d-{n}", source_event_id=event_id, recipient=address, now=now, correlation_id=None
        )
        claim = await store.create_claimed(delivery, now, LEASE)
        if n == 2:
            delivery.attempt_failed(PermanentDeliveryError("no", 550), now, RetryPolicy(), 0.5)
            assert claim and await store.record(delivery, claim, now)
    return store


async def client(**changes: Any) -> TestClient:
    overrides = parts(SETTINGS, deliveries=await seeded(), verifier=TokenVerifier(access_key_for))
    return TestClient(build(SETTINGS, **(overrides | changes)))


def auth(*roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_for(list(roles))}"}


async def test_operator_lists_deliveries_by_event_and_by_recipient() -> None:
    http = await client()
    by_event = http.get("/v1/deliveries", params={"event_id": "e-3"}, headers=auth("operator"))
    by_recipient = http.get(
        "/v1/deliveries", params={"recipient": "ANA@correo.ec"}, headers=auth("operator")
    )
    nothing = http.get("/v1/deliveries", params={"event_id": "nope"}, headers=auth("operator"))
    assert by_event.status_code == 200
    [row] = by_event.json()
    assert row["delivery_id"] == "d-2" and row["status"] == "failed" and row["attempts"] == 1
    assert row["last_error"] == "550 no" and row["recipient"] == "otro@correo.ec"
    assert row["failure_reason"] == "refused" and row["dlr_status"] is None
    assert [r["source_event_id"] for r in by_recipient.json()] == ["e-2", "e-1"]  # newest first
    assert nothing.json() == []
    for body in (by_event.text, by_recipient.text):
        assert "payload" not in body and "SECRET" not in body and "outbox" not in body


async def test_a_filter_is_required() -> None:
    response = (await client()).get("/v1/deliveries", headers=auth("operator"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"] == {
        "event_id": "Indica event_id o recipient.",
        "recipient": "Indica event_id o recipient.",
    }


async def test_customers_get_403_and_strangers_401() -> None:
    http = await client()
    forged = access_token_for(["operator"], key=Ed25519PrivateKey.generate())
    query = {"event_id": "e-1"}
    customer = http.get("/v1/deliveries", params=query, headers=auth("customer"))
    anonymous = http.get("/v1/deliveries", params=query)
    bad = http.get("/v1/deliveries", params=query, headers={"Authorization": f"Bearer {forged}"})
    assert customer.status_code == 403 and customer.json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401 and bad.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


async def test_limit_is_bounded() -> None:
    http = await client()
    response = http.get(
        "/v1/deliveries", params={"event_id": "e-1", "limit": 501}, headers=auth("operator")
    )
    assert response.status_code == 422 and "limit" in response.json()["error"]["fields"]
