"""billing's documents (GET /v1/documents/{access_key}.xml, the authorized XML for rendering and
notifier) are internal: a gateway of the test's own (tests/gateway_support.py, the same
templates) answers its JSON 404 for them, however the path is spelled, without asking billing —
whose upstream here is a stand-in that answers 200 to anything and records what reached it,
so a route that let them through would fail. billing's other routes still reach it."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from tests.gateway_support import Gateway, own_gateway

KEY = "0112202601179001167400120010010000001231234567811"
LINK = f"expires=4102444800&signature={'a' * 64}"
SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy")


class AnswersEverything(BaseHTTPRequestHandler):
    """A billing stand-in: 200 with an XML body for any GET; the paths it saw."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = b"<autorizacion/>"
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnswersEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with own_gateway(upstream={"billing": f"127.0.0.1:{server.server_port}"}) as running:
            yield running
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/billing/v1/documents/{KEY}.xml?{LINK}",
        f"/api/billing//v1/documents/{KEY}.xml?{LINK}",
        f"/api/billing/v1/%64ocuments/{KEY}.xml?{LINK}",
        f"/api/billing/v1/x/../documents/{KEY}.xml?{LINK}",
        "/api/billing/v1/documents",
    ],
    ids=["plain", "double slash", "percent-encoded", "dot segments", "bare"],
)
async def test_billings_documents_are_not_routed(gateway: Gateway, path: str) -> None:
    AnswersEverything.seen.clear()
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Recurso no encontrado."}}
    assert all(response.headers.get(h) for h in SECURITY_HEADERS)
    assert AnswersEverything.seen == []


async def test_billings_other_routes_still_reach_it(gateway: Gateway) -> None:
    AnswersEverything.seen.clear()
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        response = await client.get("/api/billing/v1/invoices/inv-1/xml")
    assert response.status_code == 200 and AnswersEverything.seen == ["/v1/invoices/inv-1/xml"]
