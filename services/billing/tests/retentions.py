"""Builds the comprobante de retención (v2.0.0) a corporate customer would send about one of our
facturas: the comprobanteRetencion with its docSustento and retenciones, signed (XAdES-BES, a
throwaway self-signed certificate standing in for the customer's), wrapped in SRI's
``<autorizacion>`` with the comprobante as CDATA — the record SRI hands the agent."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from billing.adapters.signing.credentials import SigningCredentials
from billing.adapters.signing.sign import sign_factura
from billing.domain import access_key
from billing.domain.money import round_fiscal
from services.billing.tests.pki import certificate, key_usage, new_key

AGENT_RUC = "1792146739001"  # the customer that withholds (a company, valid modulo 11)
AGENT_NAME = "Importadora Andina S.A."


@dataclass(frozen=True)
class Tax:
    """One retencion: codigo 1 renta / 2 IVA, codigoRetencion, base and porcentaje."""

    code: str
    retention_code: str
    base: Decimal
    rate: Decimal
    amount: Decimal | None = None  # default: base × rate / 100

    @property
    def value(self) -> Decimal:
        return self.amount if self.amount is not None else round_fiscal(self.base * self.rate / 100)


@dataclass(frozen=True)
class FacturaRef:
    """What the agent copies from our factura into its docSustento."""

    number: str  # 001-001-000000123
    issue_date: date
    subtotal: Decimal
    iva: Decimal
    access_key: str | None = None

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.iva

    def usual_taxes(self) -> tuple[Tax, ...]:
        """2.75 % of income tax on the subtotal (3440) and 70 % of the IVA (services, code 2)."""
        return (
            Tax("1", "3440", self.subtotal, Decimal("2.75")),
            Tax("2", "2", self.iva, Decimal("70")),
        )


@dataclass(frozen=True)
class Retention:
    subject_ruc: str  # us: identificacionSujetoRetenido
    factura: FacturaRef
    taxes: tuple[Tax, ...] = ()
    issue_date: date | None = None  # default: the factura's date
    sequential: int = 45
    environment: int = 1
    agent_ruc: str = AGENT_RUC
    cod_doc_sustento: str = "01"
    subject_name: str = "Telco del Ecuador S.A."
    key: str | None = None  # a clave to write instead of the right one
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.issue_date or self.factura.issue_date

    @property
    def access_key(self) -> str:
        return self.key or access_key.build(
            self.day, "07", self.agent_ruc, self.environment, "001", "002", self.sequential, 4321
        )

    @property
    def withheld(self) -> Decimal:
        return sum((t.value for t in self.all_taxes), Decimal("0.00"))

    @property
    def all_taxes(self) -> tuple[Tax, ...]:
        return self.taxes or self.factura.usual_taxes()


def _add(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    element = etree.SubElement(parent, name)
    if text is not None:
        element.text = str(text)
    return element


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def comprobante(r: Retention) -> bytes:
    """The unsigned comprobanteRetencion v2.0.0."""
    root = etree.Element("comprobanteRetencion", id="comprobante", version="2.0.0")
    info = _add(root, "infoTributaria")
    for name, value in (
        ("ambiente", r.environment),
        ("tipoEmision", 1),
        ("razonSocial", AGENT_NAME),
        ("ruc", r.agent_ruc),
        ("claveAcceso", r.access_key),
        ("codDoc", "07"),
        ("estab", "001"),
        ("ptoEmi", "002"),
        ("secuencial", f"{r.sequential:09d}"),
        ("dirMatriz", "Av. 10 de Agosto N20-30, Quito"),
    ):
        _add(info, name, value)
    detail = _add(root, "infoCompRetencion")
    for name, value in (
        ("fechaEmision", _dmy(r.day)),
        ("obligadoContabilidad", "SI"),
        ("tipoIdentificacionSujetoRetenido", "04"),
        ("parteRel", "NO"),
        ("razonSocialSujetoRetenido", r.subject_name),
        ("identificacionSujetoRetenido", r.subject_ruc),
        ("periodoFiscal", f"{r.day:%m/%Y}"),
    ):
        _add(detail, name, value)
    _doc_sustento(_add(root, "docsSustento"), r)
    if r.extra:
        additional = _add(root, "infoAdicional")
        for name, value in r.extra.items():
            _add(additional, "campoAdicional", value).set("nombre", name)
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return body


def _doc_sustento(parent: etree._Element, r: Retention) -> None:
    """Our factura as the agent describes it, with what it withheld and what it paid."""
    doc = _add(parent, "docSustento")
    f = r.factura
    _add(doc, "codSustento", "01")
    _add(doc, "codDocSustento", r.cod_doc_sustento)
    _add(doc, "numDocSustento", f.number.replace("-", ""))
    _add(doc, "fechaEmisionDocSustento", _dmy(f.issue_date))
    if f.access_key:
        _add(doc, "numAutDocSustento", f.access_key)
    _add(doc, "pagoLocExt", "01")
    _add(doc, "totalSinImpuestos", f.subtotal)
    _add(doc, "importeTotal", f.total)
    tax = _add(_add(doc, "impuestosDocSustento"), "impuestoDocSustento")
    for name, value in (
        ("codImpuestoDocSustento", "2"),
        ("codigoPorcentaje", "4"),
        ("baseImponible", f.subtotal),
        ("tarifa", "15"),
        ("valorImpuesto", f.iva),
    ):
        _add(tax, name, value)
    withheld = _add(doc, "retenciones")
    for t in r.all_taxes:
        one = _add(withheld, "retencion")
        _add(one, "codigo", t.code)
        _add(one, "codigoRetencion", t.retention_code)
        _add(one, "baseImponible", t.base)
        _add(one, "porcentajeRetener", t.rate)
        _add(one, "valorRetenido", t.value)
    pago = _add(_add(doc, "pagos"), "pago")
    _add(pago, "formaPago", "20")
    _add(pago, "total", f.total - r.withheld)


@cache
def agent_credentials() -> SigningCredentials:
    """The customer's certificate: self-signed, digitalSignature + nonRepudiation."""
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, AGENT_NAME)])
    cert = certificate(name, name, key, key, usage=key_usage(digital_signature=True))
    return SigningCredentials(key, cert)


def signed(r: Retention) -> bytes:
    return sign_factura(comprobante(r), agent_credentials(), signing_time=datetime.now(UTC))


def authorized(
    r: Retention,
    *,
    status: str = "AUTORIZADO",
    number: str | None = None,
    document: bytes | None = None,
) -> bytes:
    """SRI's authorization record around the signed comprobante (CDATA)."""
    inner = (document if document is not None else signed(r)).decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<autorizacion>'
        f"<estado>{status}</estado>"
        f"<numeroAutorizacion>{number or r.access_key}</numeroAutorizacion>"
        "<fechaAutorizacion>2026-12-01T10:15:00-05:00</fechaAutorizacion>"
        "<ambiente>PRUEBAS</ambiente>"
        f"<comprobante><![CDATA[{inner}]]></comprobante>"
        "<mensajes/></autorizacion>"
    ).encode()
