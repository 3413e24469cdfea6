"""The client of billing's documents on a fake transport: the link it signs is the one billing
verifies; the bytes are checked against the event; each kind of failure is what the runtime
must make of it (waited out, dead-lettered at once, or an ordinary attempt)."""

import asyncio
import hashlib

import httpx
import pytest

from common.documents import (
    LINK_SECONDS,
    BillingDocuments,
    DocumentMismatch,
    DocumentMissing,
    DocumentRefused,
    DocumentUnavailable,
)
from common.faults import is_transient
from common.links import verify_link
from common.messaging import PermanentError

KEY = "clave-de-documentos-de-prueba"
ACCESS_KEY = "0112202601179001167400120010010000001231234567811"
XML = "<autorizacion><estado>AUTORIZADO</estado>Ñandú</autorizacion>".encode()
SHA256 = hashlib.sha256(XML).hexdigest()
NOW = 1_796_000_000.0


def client(handler: httpx.MockTransport, timeout: float = 5.0) -> BillingDocuments:
    return BillingDocuments("http://billing:8000/", KEY, timeout, lambda: NOW, handler)


def answering(status: int, content: bytes = XML) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content))


async def test_it_fetches_by_a_link_billing_verifies_and_checks_the_bytes() -> None:
    seen: list[httpx.Request] = []

    def billing(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=XML, headers={"content-type": "application/xml"})

    xml = await client(httpx.MockTransport(billing)).authorized_xml(ACCESS_KEY, SHA256, len(XML))
    assert xml == XML
    [request] = seen
    assert request.url.host == "billing" and request.url.path == f"/v1/documents/{ACCESS_KEY}.xml"
    expires = int(request.url.params["expires"])
    assert expires == NOW + LINK_SECONDS
    assert verify_link(KEY, ACCESS_KEY, expires, request.url.params["signature"], NOW)
    assert not verify_link(KEY, ACCESS_KEY, expires, request.url.params["signature"], expires + 1)


@pytest.mark.parametrize(
    ("sha256", "size"),
    [("0" * 64, len(XML)), (SHA256, len(XML) + 1)],
    ids=["other digest", "other size"],
)
async def test_other_bytes_than_the_event_names_are_permanent(sha256: str, size: int) -> None:
    with pytest.raises(DocumentMismatch) as refused:
        await client(answering(200)).authorized_xml(ACCESS_KEY, sha256, size)
    assert isinstance(refused.value, PermanentError) and not is_transient(refused.value)


async def test_a_clave_billing_does_not_have_is_permanent() -> None:
    with pytest.raises(DocumentMissing) as missing:
        await client(answering(404, b"{}")).authorized_xml(ACCESS_KEY, SHA256, len(XML))
    assert isinstance(missing.value, PermanentError)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_billing_answering_5xx_is_transient(status: int) -> None:
    with pytest.raises(DocumentUnavailable) as down:
        await client(answering(status, b"")).authorized_xml(ACCESS_KEY, SHA256, len(XML))
    assert is_transient(down.value)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_billing_unreachable_or_slow_is_transient(error: httpx.TransportError) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(DocumentUnavailable) as down:
        await client(httpx.MockTransport(failing)).authorized_xml(ACCESS_KEY, SHA256, len(XML))
    assert is_transient(down.value) and down.value.__cause__ is error


@pytest.mark.parametrize("status", [403, 400, 422])
async def test_any_other_refusal_is_an_ordinary_failure(status: int) -> None:
    """403: the keys disagree. Retried a few times, then the DLQ (replayed once fixed)."""
    with pytest.raises(DocumentRefused) as refused:
        await client(answering(status, b"{}")).authorized_xml(ACCESS_KEY, SHA256, len(XML))
    assert not is_transient(refused.value) and not isinstance(refused.value, PermanentError)


async def test_a_billing_that_never_answers_times_out_as_transient() -> None:
    """A real socket that accepts and says nothing: the client's timeout ends the wait."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    documents = BillingDocuments(f"http://127.0.0.1:{port}", KEY, 0.2)
    try:
        with pytest.raises(DocumentUnavailable, match="ReadTimeout") as slow:
            await documents.authorized_xml(ACCESS_KEY, SHA256, len(XML))
        assert is_transient(slow.value)
    finally:
        await documents.close()
        server.close()
        await server.wait_closed()
