"""Client of SRI's offline web services: Recepción (submit) and Autorización (query).

zeep builds the requests from SRI's WSDLs, packaged in ``wsdl/`` (parsed once per client, never
fetched) with the endpoints taken from configuration. One ``httpx.AsyncClient`` carries every call
(keep-alive, bounded pool). Responses are read with lxml by local name rather than through zeep's
deserialiser: SRI's JAX-WS endpoints leave ``comprobante``, ``autorizacion`` and ``mensaje``
unqualified although the WSDL declares them by ``ref`` (qualified; both forms are read), and the
``<autorizacion>`` element must be kept as SRI returned it, CDATA included: the fiscal record.

Anything that is not a well-formed SRI answer (timeout, connection error, HTTP error status,
SOAP Fault, unreadable body) raises ``SriUnavailable``: the outcome is UNKNOWN, SRI may hold the
document, so the caller must query Autorización before submitting again.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from lxml import etree
from zeep import AsyncClient, Settings
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from billing.adapters.clock import ECUADOR
from billing.domain.submission import SriNoAnswer
from billing.metrics import SRI_CALLS, SRI_LATENCY

WSDL_DIR = Path(__file__).parents[1] / "wsdl"  # packaged beside the service's code
RECEPTION_WSDL = WSDL_DIR / "RecepcionComprobantesOffline.wsdl"
AUTHORIZATION_WSDL = WSDL_DIR / "AutorizacionComprobantesOffline.wsdl"
RECEPTION_BINDING = "{http://ec.gob.sri.ws.recepcion}RecepcionComprobantesOfflineServiceSoapBinding"
AUTHORIZATION_BINDING = (
    "{http://ec.gob.sri.ws.autorizacion}AutorizacionComprobantesOfflineServiceSoapBinding"
)
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

RECIBIDA = "RECIBIDA"
DEVUELTA = "DEVUELTA"
AUTORIZADO = "AUTORIZADO"
NO_AUTORIZADO = "NO AUTORIZADO"
EN_PROCESO = "EN PROCESO"
_RECEPTION_STATES = frozenset({RECIBIDA, DEVUELTA})


@dataclass(frozen=True)
class SriMessage:
    identifier: str
    message: str
    additional_info: str | None
    kind: str  # ERROR | ADVERTENCIA | INFORMATIVO


@dataclass(frozen=True)
class Reception:
    status: str  # RECIBIDA | DEVUELTA
    messages: tuple[SriMessage, ...]


@dataclass(frozen=True)
class Authorization:
    status: str  # AUTORIZADO | NO AUTORIZADO | EN PROCESO
    number: str | None
    authorized_at: datetime | None  # tz-aware
    environment: str | None  # PRUEBAS | PRODUCCIÓN
    comprobante: str | None  # the signed XML SRI holds
    messages: tuple[SriMessage, ...]
    xml: bytes  # the <autorizacion> element as SRI returned it: the fiscal record


class SriUnavailable(SriNoAnswer):
    """No usable answer from SRI (timeout, connection, HTTP 5xx, SOAP Fault): outcome UNKNOWN."""


# ---------------------------------------------------------------------------- response parsing


def _parser() -> etree.XMLParser:
    # strip_cdata=False: the <autorizacion> record keeps SRI's CDATA section when re-serialised.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, strip_cdata=False
    )


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: etree._Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    text: str = child.text
    return text.strip()


def _messages(element: etree._Element) -> tuple[SriMessage, ...]:
    """The ``mensajes/mensaje`` entries directly under ``element``."""
    found: list[SriMessage] = []
    for container in _children(element, "mensajes"):
        for entry in _children(container, "mensaje"):
            found.append(
                SriMessage(
                    identifier=_text(entry, "identificador") or "",
                    message=_text(entry, "mensaje") or "",
                    additional_info=_text(entry, "informacionAdicional"),
                    kind=_text(entry, "tipo") or "",
                )
            )
    return tuple(found)


def soap_result(response: Any, operation: str, result: str) -> etree._Element:
    """The operation's result element from a raw HTTP response, or SriUnavailable."""
    status = int(response.status_code)
    if status >= 300:
        fault = _fault_text(response.content)
        detail = f": {fault}" if fault else ""
        raise SriUnavailable(f"SRI {operation} answered HTTP {status}{detail}")
    try:
        envelope = etree.fromstring(response.content, _parser())
    except etree.XMLSyntaxError as exc:
        raise SriUnavailable(f"SRI {operation} answered unreadable XML: {exc}") from None
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) == 0:
        raise SriUnavailable(f"SRI {operation} answered without a SOAP Body")
    if body[0].tag == f"{{{SOAP_ENV}}}Fault":
        fault = _fault_text(response.content)
        raise SriUnavailable(f"SRI {operation} answered a SOAP Fault: {fault}")
    answer = _child(body[0], result)
    if answer is None:
        raise SriUnavailable(f"SRI {operation} answered without {result}")
    return answer


def _fault_text(content: bytes) -> str | None:
    try:
        envelope = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError:
        return None
    fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is None:
        return None
    faultstring: str | None = fault.findtext("faultstring")
    return faultstring


def parse_reception(answer: etree._Element) -> Reception:
    status = _text(answer, "estado") or ""
    if status not in _RECEPTION_STATES:
        raise SriUnavailable(f"unexpected reception estado {status!r}")
    messages: list[SriMessage] = []
    for comprobantes in _children(answer, "comprobantes"):
        for comprobante in _children(comprobantes, "comprobante"):
            messages.extend(_messages(comprobante))
    return Reception(status, tuple(messages))


def parse_authorized_at(text: str | None) -> datetime | None:
    """fechaAutorizacion: ISO 8601 with offset (naive → Ecuador), or SRI's older dd/mm/yyyy form."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text, "%d/%m/%Y %H:%M:%S")
        except ValueError:
            raise SriUnavailable(f"unreadable fechaAutorizacion {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ECUADOR)


def _record(autorizacion: etree._Element) -> bytes:
    """The element on its own, CDATA kept, without the envelope's unused namespace declarations.

    Re-serialised by lxml from the parsed answer: the same XML as SRI's (CDATA section and text
    unchanged); only insignificant lexical details such as character references may differ.
    """
    copy = etree.fromstring(etree.tostring(autorizacion, encoding="UTF-8"), _parser())
    etree.cleanup_namespaces(copy)
    data: bytes = etree.tostring(copy, encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION + data


def parse_authorizations(answer: etree._Element) -> tuple[Authorization, ...]:
    found: list[Authorization] = []
    for autorizaciones in _children(answer, "autorizaciones"):
        for autorizacion in _children(autorizaciones, "autorizacion"):
            comprobante = _child(autorizacion, "comprobante")
            found.append(
                Authorization(
                    status=_text(autorizacion, "estado") or "",
                    number=_text(autorizacion, "numeroAutorizacion"),
                    authorized_at=parse_authorized_at(_text(autorizacion, "fechaAutorizacion")),
                    environment=_text(autorizacion, "ambiente"),
                    comprobante=comprobante.text if comprobante is not None else None,
                    messages=_messages(autorizacion),
                    xml=_record(autorizacion),
                )
            )
    return tuple(found)


# ---------------------------------------------------------------------------- the client


@asynccontextmanager
async def _observed(operation: str) -> AsyncIterator[None]:
    """Latency of every call; calls by outcome (answered, or unavailable: outcome unknown)."""
    with SRI_LATENCY.labels(operation).time():
        try:
            yield
        except SriUnavailable:
            SRI_CALLS.labels(operation, "unavailable").inc()
            raise
    SRI_CALLS.labels(operation, "answered").inc()


def _service(wsdl: Path, binding: str, address: str, transport: AsyncTransport) -> Any:
    """Operations of ``binding`` (a QName) from the packaged ``wsdl``, posting to ``address``.

    AsyncClient.create_service returns a sync ServiceProxy in zeep 4.3 (its operations would not
    await the transport), so the async proxy is built the same way: binding by QName, address
    from configuration. raw_response: operations return the HTTP response, read by soap_result.
    """
    settings = Settings(raw_response=True)
    client = AsyncClient(str(wsdl), transport=transport, settings=settings)  # type: ignore[no-untyped-call]
    return AsyncServiceProxy(client, client.wsdl.bindings[binding], address=address)  # type: ignore[no-untyped-call]


class SriClient:
    def __init__(
        self,
        reception_url: str,
        authorization_url: str,
        timeout_seconds: float = 10.0,
        *,
        max_connections: int = 32,
    ) -> None:
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        # The WSDLs are local files: zeep reads them without its (sync) loader client, which is
        # closed right after parsing. zeep has no type hints, hence the ignores.
        loader = httpx.Client()
        try:
            transport = AsyncTransport(client=self._http, wsdl_client=loader)  # type: ignore[no-untyped-call]
            self._reception = _service(RECEPTION_WSDL, RECEPTION_BINDING, reception_url, transport)
            self._authorization = _service(
                AUTHORIZATION_WSDL, AUTHORIZATION_BINDING, authorization_url, transport
            )
        finally:
            loader.close()

    async def submit(self, signed_xml: bytes) -> Reception:
        """validarComprobante: RECIBIDA or DEVUELTA with SRI's messages."""
        async with _observed("recepcion"):
            try:
                response = await self._reception.validarComprobante(xml=signed_xml)
            except httpx.HTTPError as exc:
                raise SriUnavailable(f"SRI recepción unreachable: {exc!r}") from exc
            answer = soap_result(response, "recepción", "RespuestaRecepcionComprobante")
            return parse_reception(answer)

    async def authorizations(self, access_key: str) -> tuple[Authorization, ...]:
        """autorizacionComprobante: every authorization entry SRI has for the key (may be none)."""
        async with _observed("autorizacion"):
            try:
                response = await self._authorization.autorizacionComprobante(
                    claveAccesoComprobante=access_key
                )
            except httpx.HTTPError as exc:
                raise SriUnavailable(f"SRI autorización unreachable: {exc!r}") from exc
            answer = soap_result(response, "autorización", "RespuestaAutorizacionComprobante")
            asked = _text(answer, "claveAccesoConsultada")
            if asked and asked != access_key:
                raise SriUnavailable(f"SRI answered for another key {asked!r}")
            return parse_authorizations(answer)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
