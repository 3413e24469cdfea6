"""Test notas de crédito (NotaCredito 1.1.0) and de débito (NotaDebito 1.0.0), written with lxml
from the same issuer and buyer as ``facturas``, each checked against SRI's XSD as it is built
(billing's packaged copies, docs/sri-files.sha256), and wrapped as SRI answers them
(``facturas.stored_record``): the renderer is tested on documents SRI would accept.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import xmlschema
from lxml import etree

from billing.adapters.sri_schema import _DSIG_XSD, DSIG_NAMESPACE, PACKAGED_XSD_DIR
from billing.domain import access_key
from services.rendering.tests.unit import facturas as f

MODIFIED_NUMBER = "001-002-000000123"
MODIFIED_DATE = "01/11/2026"
CREDIT_REASON = "Compensación por corte del servicio del 10/11/2026 al 12/11/2026"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class NoteLine:
    code: str
    description: str
    price: Decimal
    rate_code: str = "4"  # IVA 15%
    rate: Decimal = Decimal(15)

    @property
    def tax(self) -> Decimal:
        return (self.price * self.rate / 100).quantize(CENT)


@cache
def _schema(name: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(
        str(PACKAGED_XSD_DIR / name),
        locations=[(DSIG_NAMESPACE, _DSIG_XSD.as_uri())],
        allow="local",
    )


def xsd_errors(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    name = {"notaCredito": "NotaCredito_V1.1.0.xsd", "notaDebito": "NotaDebito_V1.0.0.xsd"}
    return [str(e.reason) for e in _schema(name[root.tag]).iter_errors(root)]


def _add(parent: etree._Element, name: str, value: str | Decimal | None = None) -> etree._Element:
    element = etree.SubElement(parent, name)
    if value is not None:
        element.text = f"{value:.2f}" if isinstance(value, Decimal) else value
    return element


def _tributaria(root: etree._Element, cod_doc: str, sequential: int) -> None:
    issuer = f.ISSUER
    info = _add(root, "infoTributaria")
    clave = access_key.build(
        f.DAY,
        cod_doc,
        issuer.ruc,
        issuer.environment,
        issuer.establishment,
        issuer.emission_point,
        sequential,
        "12345678",
    )
    for name, value in (
        ("ambiente", str(issuer.environment)),
        ("tipoEmision", "1"),
        ("razonSocial", issuer.razon_social),
        ("nombreComercial", issuer.nombre_comercial),
        ("ruc", issuer.ruc),
        ("claveAcceso", clave),
        ("codDoc", cod_doc),
        ("estab", issuer.establishment),
        ("ptoEmi", issuer.emission_point),
        ("secuencial", f"{sequential:09d}"),
        ("dirMatriz", issuer.dir_matriz),
    ):
        _add(info, name, value)


def _buyer_and_modified(info: etree._Element) -> None:
    issuer, buyer = f.ISSUER, f.BUYER
    for name, value in (
        ("fechaEmision", f"{f.DAY:%d/%m/%Y}"),
        ("dirEstablecimiento", issuer.dir_establecimiento),
        ("tipoIdentificacionComprador", buyer.id_type),
        ("razonSocialComprador", buyer.name),
        ("identificacionComprador", buyer.id_number),
        ("contribuyenteEspecial", issuer.contribuyente_especial),
        ("obligadoContabilidad", "SI"),
        ("codDocModificado", "01"),
        ("numDocModificado", MODIFIED_NUMBER),
        ("fechaEmisionDocSustento", MODIFIED_DATE),
    ):
        _add(info, name, value)


def _tax(parent: etree._Element, name: str, line: NoteLine, tarifa: bool = True) -> None:
    tax = _add(parent, name)
    _add(tax, "codigo", "2")
    _add(tax, "codigoPorcentaje", line.rate_code)
    if tarifa:
        _add(tax, "tarifa", line.rate)
    _add(tax, "baseImponible", line.price)
    _add(tax, "valor", line.tax)


def _by_rate(lines: tuple[NoteLine, ...]) -> list[NoteLine]:
    """One NoteLine per IVA rate code: the bases and taxes added up."""
    merged: dict[str, NoteLine] = {}
    for line in lines:
        seen = merged.get(line.rate_code)
        price = line.price + (seen.price if seen else 0)
        merged[line.rate_code] = NoteLine("", "", price, line.rate_code, line.rate)
    return list(merged.values())


def _info_adicional(root: etree._Element) -> None:
    info = _add(root, "infoAdicional")
    _add(info, "campoAdicional", f.BUYER.email).set("nombre", "Email")


def credit_note(*lines: NoteLine, reason: str = CREDIT_REASON, sequential: int = 7) -> bytes:
    """A nota de crédito (04) modifying factura 001-002-000000123: one detalle per line."""
    lines = lines or (NoteLine("PLAN-25", "Plan PLAN-25: 3 días sin servicio", Decimal("2.60")),)
    root = etree.Element("notaCredito", id="comprobante", version="1.1.0")
    _tributaria(root, "04", sequential)
    info = _add(root, "infoNotaCredito")
    _buyer_and_modified(info)
    subtotal = sum((line.price for line in lines), Decimal(0))
    _add(info, "totalSinImpuestos", subtotal)
    _add(info, "valorModificacion", subtotal + sum((line.tax for line in lines), Decimal(0)))
    _add(info, "moneda", "DOLAR")
    totals = _add(info, "totalConImpuestos")
    for merged in _by_rate(lines):
        _tax(totals, "totalImpuesto", merged, tarifa=False)
    _add(info, "motivo", reason)
    detalles = _add(root, "detalles")
    for line in lines:
        detalle = _add(detalles, "detalle")
        _add(detalle, "codigoInterno", line.code)
        _add(detalle, "descripcion", line.description)
        _add(detalle, "cantidad", "1.00")
        _add(detalle, "precioUnitario", line.price)
        _add(detalle, "descuento", Decimal(0))
        _add(detalle, "precioTotalSinImpuesto", line.price)
        _tax(_add(detalle, "impuestos"), "impuesto", line)
    _info_adicional(root)
    return _checked(root)


def debit_note(*motivos: tuple[str, Decimal], sequential: int = 8) -> bytes:
    """A nota de débito (05) modifying factura 001-002-000000123: one motivo per charge, every
    one taxed at IVA 15%."""
    motivos = motivos or (("Interés por mora de la factura 001-002-000000123", Decimal("1.20")),)
    root = etree.Element("notaDebito", id="comprobante", version="1.0.0")
    _tributaria(root, "05", sequential)
    info = _add(root, "infoNotaDebito")
    _buyer_and_modified(info)
    base = sum((value for _, value in motivos), Decimal(0))
    taxed = NoteLine("", "", base)
    _add(info, "totalSinImpuestos", base)
    _tax(_add(info, "impuestos"), "impuesto", taxed)
    _add(info, "valorTotal", base + taxed.tax)
    pagos = _add(info, "pagos")
    pago = _add(pagos, "pago")
    _add(pago, "formaPago", "20")
    _add(pago, "total", base + taxed.tax)
    reasons = _add(root, "motivos")
    for razon, value in motivos:
        motivo = _add(reasons, "motivo")
        _add(motivo, "razon", razon)
        _add(motivo, "valor", value)
    _info_adicional(root)
    return _checked(root)


def _checked(root: etree._Element) -> bytes:
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    errors = xsd_errors(xml)
    assert not errors, errors
    return xml


def authorized(note: bytes) -> bytes:
    """The ``<autorizacion>`` record billing keeps for the signed note."""
    return f.stored_record(f.signed(note))
