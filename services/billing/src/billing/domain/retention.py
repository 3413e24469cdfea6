"""A comprobante de retención received (codDoc 07, docs/sri.md §9), read: SRI's ``<autorizacion>``
record taken apart (``unwrap``) and the comprobanteRetencion v2.0.0 inside it read into plain
values (``parse_retention``) once its XSD accepted it. The rules are in ``withholding.py``."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from common.errors import InvalidInput

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class WithheldTax:
    """One ``retencion``: what the agent withheld of one tax."""

    code: str  # 1 renta, 2 IVA, 6 ISD
    retention_code: str  # codigoRetencion (the SRI concept, e.g. 312 or 10 for IVA 10 %)
    base: Decimal
    rate: Decimal  # porcentajeRetener
    amount: Decimal  # valorRetenido


@dataclass(frozen=True)
class SupportingDocument:
    """One ``docSustento``: the document withheld on (for us: one of our facturas)."""

    doc_type: str  # codDocSustento
    number: str  # numDocSustento: estab + ptoEmi + secuencial, 15 digits
    issue_date: date
    authorization: str | None  # numAutDocSustento
    subtotal: Decimal  # totalSinImpuestos
    total: Decimal  # importeTotal
    taxes: tuple[WithheldTax, ...]

    @property
    def withheld(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)

    @property
    def printed_number(self) -> str:
        """001-001-000000123, as our facturas are numbered."""
        return f"{self.number[:3]}-{self.number[3:6]}-{self.number[6:]}"


@dataclass(frozen=True)
class Retention:
    """The fields of a comprobanteRetencion v2.0.0 that the checks and the ledger use."""

    access_key: str
    environment: str  # ambiente: 1 pruebas, 2 producción
    doc_type: str
    agent_ruc: str  # infoTributaria/ruc: the customer that withheld
    agent_name: str
    establishment: str
    emission_point: str
    sequential: str
    issue_date: date
    subject_id: str  # identificacionSujetoRetenido: must be us
    documents: tuple[SupportingDocument, ...]

    @property
    def number(self) -> str:
        return f"{self.establishment}-{self.emission_point}-{self.sequential}"

    @property
    def withheld(self) -> Decimal:
        return sum((d.withheld for d in self.documents), ZERO)


@dataclass(frozen=True)
class Envelope:
    """SRI's ``<autorizacion>`` around the comprobante."""

    status: str
    number: str
    authorized_at: str
    comprobante: bytes


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput({field: message}, "El comprobante de retención no es válido.")


def _parser() -> etree.XMLParser:
    # Untrusted input: no entities, no DTD, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _child_text(parent: etree._Element, name: str) -> str:
    found = parent.find(name)
    return (found.text or "").strip() if found is not None else ""


def unwrap(body: bytes) -> Envelope:
    """The authorization record's parts; a bare comprobante (never authorized, as far as we can
    tell) or anything else is refused on ``xml``."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        raise _invalid("xml", "El contenido no es un XML bien formado.") from None
    if etree.QName(root).localname == "comprobanteRetencion":
        raise _invalid(
            "xml",
            "Envíe el XML autorizado tal como lo entrega el SRI (elemento autorizacion), "
            "no solo el comprobante.",
        )
    if root.tag != "autorizacion":  # SRI's record: no namespace (as billing stores its own)
        raise _invalid("xml", "Se esperaba la autorización del SRI (elemento autorizacion).")
    comprobante = _child_text(root, "comprobante")
    if not comprobante:
        raise _invalid("xml", "La autorización no contiene el comprobante.")
    return Envelope(
        status=_child_text(root, "estado"),
        number=_child_text(root, "numeroAutorizacion"),
        authorized_at=_child_text(root, "fechaAutorizacion"),
        comprobante=comprobante.encode(),
    )


def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def _money(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _invalid("xml", f"Monto ilegible: {text!r}.") from None


def _tax(element: etree._Element) -> WithheldTax:
    return WithheldTax(
        code=_child_text(element, "codigo"),
        retention_code=_child_text(element, "codigoRetencion"),
        base=_money(_child_text(element, "baseImponible")),
        rate=_money(_child_text(element, "porcentajeRetener")),
        amount=_money(_child_text(element, "valorRetenido")),
    )


def _document(element: etree._Element) -> SupportingDocument:
    return SupportingDocument(
        doc_type=_child_text(element, "codDocSustento"),
        number=_child_text(element, "numDocSustento"),
        issue_date=_day(_child_text(element, "fechaEmisionDocSustento")),
        authorization=_child_text(element, "numAutDocSustento") or None,
        subtotal=_money(_child_text(element, "totalSinImpuestos")),
        total=_money(_child_text(element, "importeTotal")),
        taxes=tuple(_tax(t) for t in element.iterfind("retenciones/retencion")),
    )


def parse_retention(comprobante: bytes) -> Retention:
    """Read a comprobanteRetencion that its XSD already accepted (every field is there)."""
    root = etree.fromstring(comprobante, _parser())
    info = root.find("infoTributaria")
    detail = root.find("infoCompRetencion")
    if info is None or detail is None:
        raise _invalid("xml", "El comprobante no tiene infoTributaria e infoCompRetencion.")
    return Retention(
        access_key=_child_text(info, "claveAcceso"),
        environment=_child_text(info, "ambiente"),
        doc_type=_child_text(info, "codDoc"),
        agent_ruc=_child_text(info, "ruc"),
        agent_name=_child_text(info, "razonSocial"),
        establishment=_child_text(info, "estab"),
        emission_point=_child_text(info, "ptoEmi"),
        sequential=_child_text(info, "secuencial"),
        issue_date=_day(_child_text(detail, "fechaEmision")),
        subject_id=_child_text(detail, "identificacionSujetoRetenido"),
        documents=tuple(_document(d) for d in root.iterfind("docsSustento/docSustento")),
    )
