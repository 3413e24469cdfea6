"""Serialise an ``Invoice`` to the SRI factura XML (docs/sri.md §2), in memory, once and compactly.

The bytes are what gets signed later (XAdES-BES, enveloped), so nothing here pretty-prints or
re-serialises: build the tree, serialise it, done. Element order follows the XSD.
"""

from decimal import Decimal

from lxml import etree

from billing.domain.invoice import DOC_TYPE_FACTURA, Invoice
from billing.domain.money import DETAIL_PLACES, MONEY_PLACES, round_fiscal

VERSIONS = frozenset({"1.1.0", "2.1.0"})
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def money(value: Decimal) -> str:
    """Exactly 2 decimals, no exponent: Decimal("10") → "10.00"."""
    return f"{round_fiscal(value, MONEY_PLACES):f}"


def detail(value: Decimal) -> str:
    """cantidad / precioUnitario: exactly 6 decimals."""
    return f"{round_fiscal(value, DETAIL_PLACES):f}"


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _info_tributaria(root: etree._Element, invoice: Invoice) -> None:
    issuer = invoice.issuer
    info = _add(root, "infoTributaria")
    _add(info, "ambiente", str(issuer.environment))
    _add(info, "tipoEmision", "1")
    _add(info, "razonSocial", issuer.razon_social)
    if issuer.nombre_comercial:
        _add(info, "nombreComercial", issuer.nombre_comercial)
    _add(info, "ruc", issuer.ruc)
    _add(info, "claveAcceso", invoice.access_key)
    _add(info, "codDoc", DOC_TYPE_FACTURA)
    _add(info, "estab", issuer.establishment)
    _add(info, "ptoEmi", issuer.emission_point)
    _add(info, "secuencial", f"{invoice.sequential:09d}")
    _add(info, "dirMatriz", issuer.dir_matriz)
    if issuer.agente_retencion:  # after dirMatriz, before contribuyenteRimpe (XSD sequence)
        _add(info, "agenteRetencion", issuer.agente_retencion)


def _info_factura(root: etree._Element, invoice: Invoice) -> None:
    issuer, buyer = invoice.issuer, invoice.buyer
    info = _add(root, "infoFactura")
    _add(info, "fechaEmision", f"{invoice.issue_date:%d/%m/%Y}")
    if issuer.dir_establecimiento:
        _add(info, "dirEstablecimiento", issuer.dir_establecimiento)
    if issuer.contribuyente_especial:
        _add(info, "contribuyenteEspecial", issuer.contribuyente_especial)
    _add(info, "obligadoContabilidad", "SI" if issuer.obligado_contabilidad else "NO")
    _add(info, "tipoIdentificacionComprador", buyer.id_type)
    _add(info, "razonSocialComprador", buyer.name)
    _add(info, "identificacionComprador", buyer.id_number)
    if buyer.address:
        _add(info, "direccionComprador", buyer.address)
    _add(info, "totalSinImpuestos", money(invoice.total_sin_impuestos))
    _add(info, "totalDescuento", money(invoice.total_descuento))
    totals = _add(info, "totalConImpuestos")
    for total in invoice.total_con_impuestos:
        item = _add(totals, "totalImpuesto")
        _add(item, "codigo", total.tax_code)
        _add(item, "codigoPorcentaje", total.rate_code)
        _add(item, "baseImponible", money(total.base))
        _add(item, "tarifa", money(total.rate))  # after baseImponible here, unlike in detalle
        _add(item, "valor", money(total.value))
    _add(info, "importeTotal", money(invoice.importe_total))
    _add(info, "moneda", "DOLAR")
    if invoice.payments:
        pagos = _add(info, "pagos")
        for payment in invoice.payments:
            pago = _add(pagos, "pago")
            _add(pago, "formaPago", payment.forma_pago)
            _add(pago, "total", money(payment.total))
            if payment.plazo is not None and payment.unidad_tiempo is not None:
                _add(pago, "plazo", money(payment.plazo))
                _add(pago, "unidadTiempo", payment.unidad_tiempo)


def _detalles(root: etree._Element, invoice: Invoice) -> None:
    detalles = _add(root, "detalles")
    for line in invoice.lines:
        item = _add(detalles, "detalle")
        _add(item, "codigoPrincipal", line.code)
        _add(item, "descripcion", line.description)
        if line.info.unit:  # after descripcion, before cantidad (XSD sequence, 1.1.0 and 2.1.0)
            _add(item, "unidadMedida", line.info.unit)
        _add(item, "cantidad", detail(line.quantity))
        _add(item, "precioUnitario", detail(line.unit_price))
        _add(item, "descuento", money(line.discount))
        _add(item, "precioTotalSinImpuesto", money(line.precio_total_sin_impuesto))
        if line.info.details:  # before impuestos; at most 3 (LineInfo checks)
            extra = _add(item, "detallesAdicionales")
            for name, value in line.info.details:
                _add(extra, "detAdicional").attrib.update({"nombre": name, "valor": value})
        impuestos = _add(item, "impuestos")
        for tax in line.taxes:
            impuesto = _add(impuestos, "impuesto")
            _add(impuesto, "codigo", tax.tax_code)
            _add(impuesto, "codigoPorcentaje", tax.rate_code)
            _add(impuesto, "tarifa", money(tax.rate))  # before baseImponible in a detalle
            _add(impuesto, "baseImponible", money(tax.base))
            _add(impuesto, "valor", money(tax.value))


def to_element(invoice: Invoice, version: str = "2.1.0") -> etree._Element:
    """The ``<factura>`` tree (for callers that sign in-tree); ``to_xml`` is the usual entry."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {sorted(VERSIONS)}, got {version!r}")
    root = etree.Element("factura", id="comprobante", version=version)
    _info_tributaria(root, invoice)
    _info_factura(root, invoice)
    _detalles(root, invoice)
    if invoice.info_adicional:
        extra = _add(root, "infoAdicional")
        for name, value in invoice.info_adicional:
            _add(extra, "campoAdicional", value).set("nombre", name)
    return root


def to_xml(invoice: Invoice, version: str = "2.1.0") -> bytes:
    """UTF-8 bytes with a double-quoted XML declaration, no indentation or extra whitespace."""
    body: bytes = etree.tostring(
        to_element(invoice, version), encoding="UTF-8", xml_declaration=False
    )
    return XML_DECLARATION + body
