"""The RIDE of an invoice: billing learns it exists from RideRendered (its consumer), then
``GET /invoices/{id}/ride`` answers 302 to a rendering link that verifies for five minutes;
before that 409. Operators any invoice; customers their lines' (test_customer_routes.py)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from billing.api.routes import invoices
from billing.consumers import consumers, remember_ride
from billing.settings import BillingSettings
from common.contracts import LineRegistered, LineRemoved, RideRendered
from common.contracts.rendering import RideRenderedData
from common.links import verify_link
from common.testing import PRODUCTION_KAFKA
from services.billing.tests.unit.invoice_fakes import (
    FakeSettings,
    record,
)
from services.billing.tests.unit.route_fakes import CUSTOMER, OPERATOR, RoutedBilling, routes_app

RENDERED_AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def svc() -> RoutedBilling:
    return RoutedBilling()


@pytest.fixture
def client(svc: RoutedBilling) -> Iterator[TestClient]:
    app = routes_app(svc, invoices.router)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def rendered(doc: dict[str, str]) -> RideRendered:
    data = RideRenderedData(
        invoice_id=doc["_id"],
        account_id=doc["account_id"],
        access_key=doc["access_key"],
        number=doc["number"],
        period=doc["period"],
        size=1234,
        sha256="0" * 64,
        rendered_at=RENDERED_AT,
    )
    return RideRendered(data=data)


def test_billing_consumes_ride_rendered() -> None:
    assert consumers.group == "billing"
    assert consumers.events == [RideRendered, LineRegistered, LineRemoved]


async def test_a_replayed_ride_rendered_keeps_the_first_time(svc: RoutedBilling) -> None:
    doc = record(7)
    svc.invoices.add(doc)
    await remember_ride(rendered(doc), svc)  # type: ignore[arg-type]
    later = rendered(doc)
    later.data.rendered_at = datetime(2026, 12, 2, tzinfo=UTC)
    await remember_ride(later, svc)  # type: ignore[arg-type]
    assert svc.invoices.rides == {doc["_id"]: RENDERED_AT}


async def test_the_ride_is_a_redirect_to_a_signed_link(
    client: TestClient, svc: RoutedBilling
) -> None:
    doc = record(7)
    svc.invoices.add(doc)
    early = client.get(f"/v1/invoices/{doc['_id']}/ride", headers=OPERATOR)
    assert early.status_code == 409
    assert early.json() == {
        "error": {
            "code": "ride_not_ready",
            "message": "La factura aún no tiene su RIDE; intenta en unos minutos.",
        }
    }
    await remember_ride(rendered(doc), svc)  # type: ignore[arg-type]
    before = datetime.now(UTC).timestamp()
    response = client.get(f"/v1/invoices/{doc['_id']}/ride", headers=OPERATOR)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.path == f"/api/rendering/v1/rides/{doc['access_key']}.pdf"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    expires = int(query["expires"])
    assert before + 299 <= expires <= before + 301
    key = FakeSettings().ride_link_secret
    assert verify_link(key, doc["access_key"], expires, query["signature"], now=before)
    assert not verify_link(key, doc["access_key"], expires, query["signature"], now=expires + 1)


def test_the_ride_is_for_signed_in_callers_and_known_invoices(
    client: TestClient, svc: RoutedBilling
) -> None:
    doc = record(7)
    svc.invoices.add(doc)
    assert client.get(f"/v1/invoices/{doc['_id']}/ride").status_code == 401
    # A customer without the invoice's line: as if it did not exist (not 409, not 403).
    stranger = client.get(f"/v1/invoices/{doc['_id']}/ride", headers=CUSTOMER)
    assert stranger.status_code == 404
    unknown = client.get("/v1/invoices/nope/ride", headers=OPERATOR)
    assert unknown.status_code == 404 and unknown.json() == stranger.json()


def test_production_needs_the_link_key() -> None:
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        BillingSettings(app_env="production", signing_p12_path="/x.p12", **PRODUCTION_KAFKA)
    keys = {"ride_link_key": "k" * 64, "document_link_key": "d" * 64}
    with pytest.raises(ValidationError, match="DOCUMENT_LINK_KEY"):
        BillingSettings(
            app_env="production",
            signing_p12_path="/x.p12",
            **(keys | {"document_link_key": "short"}),
            **PRODUCTION_KAFKA,
        )
    settings = BillingSettings(
        app_env="production", signing_p12_path="/x.p12", **keys, **PRODUCTION_KAFKA
    )
    assert settings.ride_link_seconds == 300 and settings.document_link_secret == "d" * 64
