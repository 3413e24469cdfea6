"""SOAP 1.1 document/literal envelopes of the two SRI operations.

Responses copy what SRI's JAX-WS endpoints send (ficha técnica examples): the operation's
response element is qualified with the ``ns2`` prefix and everything under it is unqualified,
including ``comprobante``, ``autorizacion`` and ``mensaje`` (the WSDL declares those by ``ref`` to
global elements, which would make them qualified; SRI does not qualify them, and clients must cope).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from sri_sandbox.messages import Message
from sri_sandbox.schema import secure_parser

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
RECEPCION_NS = "http://ec.gob.sri.ws.recepcion"
AUTORIZACION_NS = "http://ec.gob.sri.ws.autorizacion"
CONTENT_TYPE = "text/xml; charset=utf-8"


class SoapFault(Exception):
    """A request that is not a valid call of the operation: answered with a SOAP Fault."""

    def __init__(self, message: str, code: str = "soap:Client") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Call:
    operation: str  # the local name of the Body's child
    body: etree._Element


def parse_call(data: bytes, namespace: str) -> Call:
    """The operation element of a SOAP 1.1 request addressed to ``namespace``."""
    try:
        envelope = etree.fromstring(data, secure_parser())
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"Unmarshalling Error: {exc}") from None
    if envelope.getroottree().docinfo.internalDTD is not None:
        # SOAP 1.1 messages must not carry a DTD (and entities are never expanded here).
        raise SoapFault("a SOAP message must not contain a Document Type Declaration")
    if envelope.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise SoapFault("SOAP 1.2 is not supported by this endpoint", "soap:VersionMismatch")
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(f"not a SOAP 1.1 Envelope: {envelope.tag}")
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    elements = [] if body is None else _elements(body)
    if not elements:
        raise SoapFault("SOAP Body without an operation element")
    operation = elements[0]
    qname = etree.QName(operation)
    if qname.namespace != namespace:
        raise SoapFault(f"Unexpected wrapper element {operation.tag} found.")
    return Call(qname.localname, operation)


def _elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements only: comments, processing instructions and entity references skipped."""
    return [child for child in parent if isinstance(child.tag, str)]


def child_text(operation: etree._Element, name: str) -> str | None:
    """Text of a part element; parts are unqualified in SRI's WSDL (elementFormDefault)."""
    for child in _elements(operation):
        if etree.QName(child).localname == name:
            return child.text or ""
    return None


def _envelope(namespace: str, response_name: str) -> etree._Element:
    """An Envelope with the operation's response element in its Body; returns that element."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = etree.SubElement(body, f"{{{namespace}}}{response_name}", nsmap={"ns2": namespace})
    return response


def _serialize(element: etree._Element) -> bytes:
    root = element.getroottree().getroot()
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _mensajes(parent: etree._Element, mensajes: Iterable[Message]) -> None:
    container = _add(parent, "mensajes")
    for message in mensajes:
        mensaje = _add(container, "mensaje")
        _add(mensaje, "identificador", message.identifier)
        _add(mensaje, "mensaje", message.message)
        if message.additional_info is not None:
            _add(mensaje, "informacionAdicional", message.additional_info)
        _add(mensaje, "tipo", message.kind)


def reception_response(estado: str, clave: str | None, mensajes: list[Message]) -> bytes:
    response = _envelope(RECEPCION_NS, "validarComprobanteResponse")
    answer = _add(response, "RespuestaRecepcionComprobante")
    _add(answer, "estado", estado)
    comprobantes = _add(answer, "comprobantes")
    # SRI answers RECIBIDA with an empty <comprobantes/>; DEVUELTA names the key and why.
    if mensajes:
        comprobante = _add(comprobantes, "comprobante")
        _add(comprobante, "claveAcceso", clave or "")
        _mensajes(comprobante, mensajes)
    return _serialize(response)


@dataclass(frozen=True)
class AuthorizationEntry:
    estado: str
    numero: str | None
    fecha: str | None
    ambiente: str | None
    comprobante: str | None
    mensajes: tuple[Message, ...]


def authorization_response(clave: str, entries: list[AuthorizationEntry]) -> bytes:
    response = _envelope(AUTORIZACION_NS, "autorizacionComprobanteResponse")
    answer = _add(response, "RespuestaAutorizacionComprobante")
    _add(answer, "claveAccesoConsultada", clave)
    _add(answer, "numeroComprobantes", str(len(entries)))
    autorizaciones = _add(answer, "autorizaciones")
    for entry in entries:
        autorizacion = _add(autorizaciones, "autorizacion")
        _add(autorizacion, "estado", entry.estado)
        if entry.numero is not None:
            _add(autorizacion, "numeroAutorizacion", entry.numero)
        if entry.fecha is not None:
            _add(autorizacion, "fechaAutorizacion", entry.fecha)
        if entry.ambiente is not None:
            _add(autorizacion, "ambiente", entry.ambiente)
        if entry.comprobante is not None:
            comprobante = _add(autorizacion, "comprobante")
            # SRI wraps the signed XML in CDATA; a CDATA section cannot contain "]]>".
            if "]]>" in entry.comprobante:
                comprobante.text = entry.comprobante
            else:
                comprobante.text = etree.CDATA(entry.comprobante)
        _mensajes(autorizacion, entry.mensajes)
    return _serialize(response)


def fault(message: str, code: str = "soap:Server") -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    _add(soap_fault, "faultcode", code)
    _add(soap_fault, "faultstring", message)
    return _serialize(soap_fault)
