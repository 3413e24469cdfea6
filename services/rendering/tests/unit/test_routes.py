"""The download route through build(..., fakes): a valid link gets the PDF named by the invoice
number; an altered or expired link is 403 with the error body; an unknown clave 404."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.links import sign_link
from rendering.app import build
from rendering.domain.rides import StoredPdf

from .fakes import ACCESS_KEY, LINK_KEY, SETTINGS, T0, FakeRenderer, FakeRides, FakeStorage

NOW = int(T0.timestamp())


def client(storage: FakeStorage) -> TestClient:
    app = build(
        SETTINGS, rides=FakeRides(), storage=storage, renderer=FakeRenderer(), clock=lambda: T0
    )
    return TestClient(app)


def link(access_key: str = ACCESS_KEY, expires: int = NOW + 300, **changes: Any) -> str:
    query = {"expires": expires, "signature": sign_link(LINK_KEY, access_key, expires)}
    query |= changes
    return f"/v1/rides/{access_key}.pdf?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.fixture
def stored() -> FakeStorage:
    storage = FakeStorage()
    storage.files[ACCESS_KEY] = StoredPdf(ACCESS_KEY, "001-001-000000123", b"%PDF-1.7 ride")
    return storage


def test_a_signed_link_serves_the_pdf(stored: FakeStorage) -> None:
    response = client(stored).get(link())
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 ride"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="001-001-000000123.pdf"'
    assert "no-store" in response.headers["cache-control"]


@pytest.mark.parametrize(
    "url",
    [
        link(expires=NOW - 1),  # expired a second ago
        link(expires=NOW + 300, signature="0" * 64),  # another signature
        link().replace(f"expires={NOW + 300}", f"expires={NOW + 3600}"),  # a longer life
        link(ACCESS_KEY[:-1] + "9").replace(ACCESS_KEY[:-1] + "9", ACCESS_KEY, 1),  # another clave
    ],
)
def test_an_altered_or_expired_link_is_forbidden(stored: FakeStorage, url: str) -> None:
    response = client(stored).get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_invalid"
    assert "caducó" in response.json()["error"]["message"]


def test_an_unknown_clave_is_not_found() -> None:
    response = client(FakeStorage()).get(link())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ride_not_found"


def test_a_malformed_link_is_forbidden_too(stored: FakeStorage) -> None:
    assert client(stored).get(link(signature="zz")).status_code == 403
    assert (
        client(stored).get("/v1/rides/123.pdf?expires=1&signature=" + "0" * 64).status_code == 403
    )
