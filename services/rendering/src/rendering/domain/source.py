"""Find the factura in what we are given: SRI's ``autorizacion`` record, possibly inside the SOAP
answer (``RespuestaAutorizacionComprobante``), a bare signed ``<factura>``, or an unsigned one.

Elements are matched by local name only: SRI leaves most of its answer unqualified although its
WSDL says otherwise, and other issuers' tools qualify or prefix freely. The parser never
resolves entities, loads a DTD or touches the network: the XML comes from outside.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from rendering.domain.ride import Authorization, NotAFactura, NotAuthorized

ECUADOR = timezone(timedelta(hours=-5))
AUTORIZADO = "AUTORIZADO"
FACTURA = "factura"
NOTA_CREDITO = "notaCredito"
NOTA_DEBITO = "notaDebito"
# The comprobantes the renderer prints, by codDoc.
ROOTS = {"01": FACTURA, "04": NOTA_CREDITO, "05": NOTA_DEBITO}
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if local(c) == name), None)


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if element is None else [c for c in element if local(c) == name]


def text(element: etree._Element | None, name: str) -> str | None:
    """The stripped text of ``element``'s child ``name``; None when absent or blank."""
    found = None if element is None else child(element, name)
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def number(value: str, where: str) -> Decimal:
    """A decimal amount exactly as written ("10.00", "2.500000"); no exponents, NaN or commas."""
    cleaned = value.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise NotAFactura(f"{where} is not a number: {value!r}")
    return Decimal(cleaned)


def required(element: etree._Element | None, name: str, where: str) -> str:
    value = text(element, name)
    if value is None:
        raise NotAFactura(f"the comprobante lacks {where}/{name}")
    return value


def amount(element: etree._Element, name: str, where: str) -> Decimal:
    return number(required(element, name, where), f"{where}/{name}")


def optional_amount(element: etree._Element | None, name: str, where: str) -> Decimal | None:
    value = text(element, name)
    return None if value is None else number(value, f"{where}/{name}")


@dataclass(frozen=True)
class Source:
    factura: etree._Element
    authorization: Authorization | None


def _parse(data: bytes | str, what: str) -> etree._Element:
    if isinstance(data, str):
        # A str may not carry an encoding declaration for lxml; the text is already decoded.
        data = _DECLARATION.sub("", data, count=1).encode("utf-8")
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as error:
        raise NotAFactura(f"{what} is not well-formed XML: {error}") from None
    if root is None:
        raise NotAFactura(f"{what} is empty")
    return root


def authorized_at(value: str | None) -> str:
    """fechaAutorizacion as printed, Ecuador time: ISO 8601 (SRI today) or dd/mm/yyyy HH:MM:SS."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # SRI's older dd/mm/yyyy HH:MM:SS form, or anything else: print as written
    if moment.tzinfo is not None:
        moment = moment.astimezone(ECUADOR)
    return f"{moment:%d/%m/%Y %H:%M:%S}"


def _autorizaciones(root: etree._Element) -> list[etree._Element]:
    if local(root) == "autorizacion":
        return [root]
    found = (e for e in root.iter() if local(e) == "autorizacion")
    return [e for e in found if child(e, "comprobante") is not None]


def _comprobante(autorizacion: etree._Element) -> etree._Element:
    comprobante = child(autorizacion, "comprobante")
    if comprobante is None:
        raise NotAFactura("the autorizacion carries no comprobante")
    nested = next((c for c in comprobante if isinstance(c.tag, str)), None)
    if nested is not None:
        return nested  # the factura as elements rather than as text (CDATA)
    if not (comprobante.text or "").strip():
        raise NotAFactura("the autorizacion's comprobante is empty")
    return _parse(comprobante.text or "", "the autorizacion's comprobante")


def _from_autorizacion(autorizaciones: list[etree._Element]) -> Source:
    # SRI may list several answers for one key (a rejection, then the authorization).
    chosen = next((a for a in autorizaciones if text(a, "estado") == AUTORIZADO), None)
    if chosen is None:
        estado = text(autorizaciones[0], "estado") or "sin estado"
        raise NotAuthorized(f"the autorizacion's estado is {estado!r}, not {AUTORIZADO!r}")
    factura = _comprobante(chosen)
    authorization = Authorization(
        number=text(chosen, "numeroAutorizacion") or "",
        authorized_at=authorized_at(text(chosen, "fechaAutorizacion")),
        environment=text(chosen, "ambiente"),
    )
    return Source(factura, authorization)


def _named(kinds: tuple[str, ...]) -> str:
    """("factura",) → "factura"; several → "factura, notaCredito or notaDebito"."""
    return kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def read_source(data: bytes, kinds: tuple[str, ...] = (FACTURA,)) -> Source:
    """The comprobante element (a factura, or one of ``kinds``) and, when the input is SRI's
    answer, its authorization."""
    root = _parse(data, "the input")
    if local(root) in kinds:
        source = Source(root, None)
    else:
        autorizaciones = _autorizaciones(root)
        if not autorizaciones:
            raise NotAFactura(
                f"expected an SRI {_named(kinds)} or its autorizacion, found <{local(root)}>"
            )
        source = _from_autorizacion(autorizaciones)
    if local(source.factura) not in kinds:
        raise NotAFactura(f"the comprobante is a <{local(source.factura)}>, not a {_named(kinds)}")
    return source
