"""Serialise an ``Invoice`` to the SRI factura XML (docs/sri.md §2), in memory, once and compactly.

The bytes are what gets signed later (XAdES-BES, enveloped), so nothing here pretty-prints or
re-serialises: build the tree, serialise it, done. Element order follows the XSD.
"""

from decimal import Decimal

from lxml import etree

from billing.domain.invoice import DOC_TYPE_FACTURA, Invoice, Issuer
from billing.domain.money import DETAIL_PLACES, MONEY_PLACES, round_fiscal

VERSIONS = frozenset({"1.1.0", "2.1.0"})
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def money(value: Decimal) -> str:
    """Exactly 2 decimals, no exponent: Decimal("10") → "10.00"."""
    return f"{round_fiscal(value, MONEY_PLACES):f}"


def detail(value: Decimal) -> str:
    """cantidad / precioUnitario: exactly 6 decimals."""
    return f"{round_fiscal(value, DETAIL_PLACES):f}"


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """A child element, with its text when there is one."""
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def info_tributaria(
    root: etree._Element, issuer: Issuer, access_key: str, doc_type: str, sequential: int
) -> None:
    """The infoTributaria every comprobante opens with (factura, notas de crédito and débito)."""
    info = add(root, "infoTributaria")
    add(info, "ambiente", str(issuer.environment))
    add(info, "tipoEmision", "1")
    add(info, "razonSocial", issuer.razon_social)
    if issuer.nombre_comercial:
        add(info, "nombreComercial", issuer.nombre_comercial)
    add(info, "ruc", issuer.ruc)
    add(info, "claveAcceso", access_key)
    add(info, "codDoc", doc_type)
    add(info, "estab", issuer.establishment)
    add(info, "ptoEmi", issuer.emission_point)
    add(info, "secuencial", f"{sequential:09d}")
    add(info, "dirMatriz", issuer.dir_matriz)
    if issuer.agente_retencion:  # after dirMatriz, before contribuyenteRimpe (XSD sequence)
        add(info, "agenteRetencion", issuer.agente_retencion)


def _info_factura(root: etree._Element, invoice: Invoice) -> None:
    issuer, buyer = invoice.issuer, invoice.buyer
    info = add(root, "infoFactura")
    add(info, "fechaEmision", f"{invoice.issue_date:%d/%m/%Y}")
    if issuer.dir_establecimiento:
        add(info, "dirEstablecimiento", issuer.dir_establecimiento)
    if issuer.contribuyente_especial:
        add(info, "contribuyenteEspecial", issuer.contribuyente_especial)
    add(info, "obligadoContabilidad", "SI" if issuer.obligado_contabilidad else "NO")
    add(info, "tipoIdentificacionComprador", buyer.id_type)
    add(info, "razonSocialComprador", buyer.name)
    add(info, "identificacionComprador", buyer.id_number)
    if buyer.address:
        add(info, "direccionComprador", buyer.address)
    add(info, "totalSinImpuestos", money(invoice.total_sin_impuestos))
    add(info, "totalDescuento", money(invoice.total_descuento))
    totals = add(info, "totalConImpuestos")
    for total in invoice.total_con_impuestos:
        item = add(totals, "totalImpuesto")
        add(item, "codigo", total.tax_code)
        add(item, "codigoPorcentaje", total.rate_code)
        add(item, "baseImponible", money(total.base))
        add(item, "tarifa", money(total.rate))  # after baseImponible here, unlike in detalle
        add(item, "valor", money(total.value))
    add(info, "importeTotal", money(invoice.importe_total))
    add(info, "moneda", "DOLAR")
    if invoice.payments:
        pagos = add(info, "pagos")
        for payment in invoice.payments:
            pago = add(pagos, "pago")
            add(pago, "formaPago", payment.forma_pago)
            add(pago, "total", money(payment.total))
            if payment.plazo is not None and payment.unidad_tiempo is not None:
                add(pago, "plazo", money(payment.plazo))
                add(pago, "unidadTiempo", payment.unidad_tiempo)


def _detalles(root: etree._Element, invoice: Invoice) -> None:
    detalles = add(root, "detalles")
    for line in invoice.lines:
        item = add(detalles, "detalle")
        add(item, "codigoPrincipal", line.code)
        add(item, "descripcion", line.description)
        if line.info.unit:  # after descripcion, before cantidad (XSD sequence, 1.1.0 and 2.1.0)
            add(item, "unidadMedida", line.info.unit)
        add(item, "cantidad", detail(line.quantity))
        add(item, "precioUnitario", detail(line.unit_price))
        add(item, "descuento", money(line.discount))
        add(item, "precioTotalSinImpuesto", money(line.precio_total_sin_impuesto))
        if line.info.details:  # before impuestos; at most 3 (LineInfo checks)
            extra = add(item, "detallesAdicionales")
            for name, value in line.info.details:
                add(extra, "detAdicional").attrib.update({"nombre": name, "valor": value})
        impuestos = add(item, "impuestos")
        for tax in line.taxes:
            impuesto = add(impuestos, "impuesto")
            add(impuesto, "codigo", tax.tax_code)
            add(impuesto, "codigoPorcentaje", tax.rate_code)
            add(impuesto, "tarifa", money(tax.rate))  # before baseImponible in a detalle
            add(impuesto, "baseImponible", money(tax.base))
            add(impuesto, "valor", money(tax.value))


def to_element(invoice: Invoice, version: str = "2.1.0") -> etree._Element:
    """The ``<factura>`` tree (for callers that sign in-tree); ``to_xml`` is the usual entry."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {sorted(VERSIONS)}, got {version!r}")
    root = etree.Element("factura", id="comprobante", version=version)
    info_tributaria(root, invoice.issuer, invoice.access_key, DOC_TYPE_FACTURA, invoice.sequential)
    _info_factura(root, invoice)
    _detalles(root, invoice)
    if invoice.info_adicional:
        extra = add(root, "infoAdicional")
        for name, value in invoice.info_adicional:
            add(extra, "campoAdicional", value).set("nombre", name)
    return root


def to_xml(invoice: Invoice, version: str = "2.1.0") -> bytes:
    """UTF-8 bytes with a double-quoted XML declaration, no indentation or extra whitespace."""
    body: bytes = etree.tostring(
        to_element(invoice, version), encoding="UTF-8", xml_declaration=False
    )
    return XML_DECLARATION + body
