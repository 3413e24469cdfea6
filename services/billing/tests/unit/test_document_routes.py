"""The fiscal record for rendering and notifier (GET /v1/documents/{access_key}.xml) on fakes:
200 with the stored bytes through a link signed with DOCUMENT_LINK_KEY; 403 for any altered,
expired or otherwise-signed link (a RIDE link included), before anything is looked up; 404 for
a clave no authorized invoice has. Not in the public OpenAPI document."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from billing.api.routes import documents
from billing.app import build
from billing.settings import BillingSettings
from common.links import sign_link
from services.billing.tests.unit.invoice_fakes import FakeSettings, record
from services.billing.tests.unit.route_fakes import RoutedBilling, routes_app

KEY = FakeSettings.document_link_secret
XML = b'<?xml version="1.0" encoding="UTF-8"?><autorizacion><estado>AUTORIZADO</estado>\xc3\xb1'


@pytest.fixture
def svc() -> RoutedBilling:
    return RoutedBilling()


@pytest.fixture
def client(svc: RoutedBilling) -> Iterator[TestClient]:
    with TestClient(routes_app(svc, documents.router)) as test_client:
        yield test_client


def link(access_key: str, key: str = KEY, expires: int | None = None) -> str:
    expires = int(time.time()) + 60 if expires is None else expires
    signature = sign_link(key, access_key, expires)
    return f"/v1/documents/{access_key}.xml?expires={expires}&signature={signature}"


def authorized(svc: RoutedBilling) -> str:
    doc = record(7)
    svc.invoices.add(doc)
    svc.invoices.authorized[doc["_id"]] = XML
    return str(doc["access_key"])


def test_a_signed_link_gets_the_stored_bytes(client: TestClient, svc: RoutedBilling) -> None:
    access_key = authorized(svc)
    response = client.get(link(access_key))
    assert response.status_code == 200 and response.content == XML
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "change",
    ["expired", "other key", "ride key", "other clave", "no signature", "garbled"],
)
def test_a_link_not_signed_for_it_is_403(
    client: TestClient, svc: RoutedBilling, change: str
) -> None:
    access_key = authorized(svc)
    url = {
        "expired": link(access_key, expires=int(time.time()) - 1),
        "other key": link(access_key, key="otra-clave-de-documentos"),
        # A customer's RIDE link is signed for the same clave with the RIDE key: no use here.
        "ride key": link(access_key, key=FakeSettings.ride_link_secret),
        "other clave": link("9" * 49).replace("9" * 49, access_key),
        "no signature": f"/v1/documents/{access_key}.xml?expires={int(time.time()) + 60}"
        "&signature=",
        "garbled": link(access_key)[:-3] + "zzz",
    }[change]
    response = client.get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_invalid"


def test_a_clave_without_an_authorized_invoice_is_404(
    client: TestClient, svc: RoutedBilling
) -> None:
    doc = record(7)
    svc.invoices.add(doc)  # stored, not authorized yet
    for access_key in (doc["access_key"], "1" * 49):
        response = client.get(link(access_key))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "document_not_found"


def test_the_route_is_not_in_the_public_openapi_document() -> None:
    paths = build(BillingSettings(document_link_key=KEY)).openapi()["paths"]
    assert not [p for p in paths if "documents" in p]
    assert "/v1/invoices/{invoice_id}/xml" in paths
