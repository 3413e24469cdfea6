"""Helpers for tests that talk to the sandbox: raw SOAP requests and a sandbox on a free port."""

import base64
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from lxml import etree

from sri_sandbox.app import AUTORIZACION_PATH, RECEPCION_PATH, create_app
from sri_sandbox.settings import SandboxSettings


def recepcion_envelope(document: bytes) -> bytes:
    """A validarComprobante request as SRI's own examples write it."""
    encoded = base64.b64encode(document).decode("ascii")
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:ec="http://ec.gob.sri.ws.recepcion"><soapenv:Header/><soapenv:Body>'
        f"<ec:validarComprobante><xml>{encoded}</xml></ec:validarComprobante>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def autorizacion_envelope(clave: str) -> bytes:
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:ec="http://ec.gob.sri.ws.autorizacion"><soapenv:Header/><soapenv:Body>'
        f"<ec:autorizacionComprobante><claveAccesoComprobante>{clave}</claveAccesoComprobante>"
        "</ec:autorizacionComprobante></soapenv:Body></soapenv:Envelope>"
    ).encode()


class SoapClient:
    """Hand-written SOAP calls through httpx, returning the parsed response envelopes."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, path: str, body: bytes) -> httpx.Response:
        return await self.http.post(path, content=body, headers={"Content-Type": "text/xml"})

    async def recepcion(self, document: bytes) -> etree._Element:
        response = await self.post(RECEPCION_PATH, recepcion_envelope(document))
        assert response.status_code == 200, response.text
        return etree.fromstring(response.content)

    async def autorizacion(self, clave: str) -> etree._Element:
        response = await self.post(AUTORIZACION_PATH, autorizacion_envelope(clave))
        assert response.status_code == 200, response.text
        return etree.fromstring(response.content)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(settings: SandboxSettings, startup_timeout: float = 10.0) -> Iterator[str]:
    """Run the sandbox with uvicorn in a background thread; yields its base URL.

    A real server (not an in-process transport) so clients see real sockets, keep-alive and
    timeouts. ``settings.port`` is ignored: a free port is chosen.
    """
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sri-sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the SRI sandbox did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
