"""The gateway's per-client limits and its error answers, through a gateway of the test's own
(tests/gateway_support.py: the same templates, rate limits on) in front of the stack's services.

Each limited route takes its burst and then answers 429 with the JSON error body, Retry-After and
the security headers; another client address still gets through; X-Forwarded-For cannot reset
the count (the gateway is the edge); reading is not limited where only writes are; the 503 and
413 answers keep the security headers (an add_header in their locations would drop them)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway_support import Gateway, own_gateway

SECURITY_HEADERS = (
    "x-content-type-options",
    "x-frame-options",
    "content-security-policy",
    "referrer-policy",
    "x-request-id",
)

# (zone, method, path, body, burst): cheap requests the service refuses quickly (422/401/404),
# so only the gateway's count matters. Bursts are deploy/gateway/gateway.conf.template's.
ROUTES = [
    ("login", "POST", "/api/identity/v1/sessions", {}, 20),
    ("captcha", "POST", "/api/identity/v1/captchas/no-such-captcha/audio", None, 20),
    ("signup", "POST", "/api/identity/v1/registrations", {}, 10),
    ("email", "POST", "/api/identity/v1/password-resets", {}, 5),
    ("line_codes", "POST", "/api/lines/v1/lines", {}, 10),
]


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    with own_gateway(rate_limits="on", down=("notifier",)) as running:
        yield running


async def _burst(
    client: httpx.AsyncClient, method: str, path: str, body: Any, count: int, **headers: str
) -> list[httpx.Response]:
    return [await client.request(method, path, json=body, headers=headers) for _ in range(count)]


def _from(address: str, gateway: Gateway) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=gateway.url, transport=transport, timeout=30)


def _is_gateway_429(response: httpx.Response) -> bool:
    return response.status_code == 429 and response.json()["error"]["code"] == "too_many_requests"


@pytest.mark.parametrize(
    ("zone", "method", "path", "body", "burst"), ROUTES, ids=[r[0] for r in ROUTES]
)
async def test_a_limited_route_takes_its_burst_then_answers_429(
    gateway: Gateway, zone: str, method: str, path: str, body: Any, burst: int
) -> None:
    # One loopback address per zone (127/8 is all local): the zones' counts never mix.
    address = f"127.0.{ROUTES.index(next(r for r in ROUTES if r[0] == zone)) + 1}.1"
    async with _from(address, gateway) as client:
        answers = await _burst(client, method, path, body, burst + 6)
    limited = [r for r in answers if _is_gateway_429(r)]
    passed = len(answers) - len(limited)
    # burst + 1 go through; one more may if the rate refilled a token meanwhile.
    assert burst + 1 <= passed <= burst + 2, [r.status_code for r in answers]
    assert all(r.status_code != 429 for r in answers[:passed])  # the first ones all reached it
    refused = limited[-1]
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["content-type"].startswith("application/json")
    assert "Espera un minuto" in refused.json()["error"]["message"]
    assert all(name in refused.headers for name in SECURITY_HEADERS)


async def test_the_count_is_per_client_address_and_forwarded_for_cannot_reset_it(
    gateway: Gateway,
) -> None:
    path, body = "/api/identity/v1/registrations", {}
    async with _from("127.0.10.1", gateway) as client:
        await _burst(client, "POST", path, body, 11)
        spoofed = await _burst(client, "POST", path, body, 3, **{"X-Forwarded-For": "10.9.8.7"})
    assert all(_is_gateway_429(r) for r in spoofed)
    async with _from("127.0.10.2", gateway) as other:
        answer = await other.post(path, json=body)
    assert answer.status_code == 422  # the service's own refusal: the gateway let it through


async def test_reading_ones_lines_is_not_limited(gateway: Gateway) -> None:
    async with _from("127.0.11.1", gateway) as client:
        answers = await asyncio.gather(*(client.get("/api/lines/v1/lines") for _ in range(30)))
    assert {r.status_code for r in answers} == {401}  # every one reached lines (no token)


async def test_a_service_down_and_a_body_too_large_keep_the_security_headers(
    gateway: Gateway,
) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        down = await client.get("/api/notifier/healthz")
        too_large = await client.post(
            "/api/billing/v1/admin/accounts", content=b"x" * (2 * 1024 * 1024)
        )
    assert down.status_code == 503 and down.json()["error"]["code"] == "service_unavailable"
    assert down.headers["retry-after"] == "30"
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "payload_too_large"
    assert "retry-after" not in too_large.headers
    for answer in (down, too_large):
        assert all(name in answer.headers for name in SECURITY_HEADERS), answer.headers


async def test_the_gateways_own_refusals_have_the_json_error_body(gateway: Gateway) -> None:
    """Found by tests/e2e/test_api_contract.py: a NUL byte in a path and TRACE were nginx's HTML
    pages, the 405 without Allow. An upstream's 405 keeps the service's own Allow."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        nul = await client.get("/api/lines/v1/lines/ab%00cd")
        trace = await client.request("TRACE", "/api/lines/v1/lines")
        patch = await client.request("PATCH", "/api/lines/v1/lines")
    assert nul.status_code == 400 and nul.json()["error"]["code"] == "bad_request"
    assert trace.status_code == 405 and trace.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in trace.headers["allow"]
    assert patch.status_code == 405 and patch.headers["allow"] == "GET, HEAD, POST"
    for answer in (nul, trace, patch):
        assert all(name in answer.headers for name in SECURITY_HEADERS), answer.headers
