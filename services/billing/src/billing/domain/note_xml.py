"""Serialise a ``Note`` to SRI's notaCredito 1.1.0 / notaDebito 1.0.0 XML, once and compactly,
in the XSDs' element order (like ``factura_xml``: these bytes are what gets signed).

The nota de crédito carries one detalle per line (its IVA inside) and ``valorModificacion``; the
nota de débito has no detalles: its ``motivos`` (razon, valor) are the lines and its
``impuestos`` the IVA per codigoPorcentaje, with ``valorTotal``.
"""

from lxml import etree

from billing.domain.factura_xml import XML_DECLARATION, money
from billing.domain.notes import CREDIT_NOTE, FACTURA, Note

_ROOTS = {CREDIT_NOTE: ("notaCredito", "infoNotaCredito")}
_DEBIT_ROOTS = ("notaDebito", "infoNotaDebito")


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _info_tributaria(root: etree._Element, note: Note) -> None:
    issuer = note.issuer
    info = _add(root, "infoTributaria")
    _add(info, "ambiente", str(issuer.environment))
    _add(info, "tipoEmision", "1")
    _add(info, "razonSocial", issuer.razon_social)
    if issuer.nombre_comercial:
        _add(info, "nombreComercial", issuer.nombre_comercial)
    _add(info, "ruc", issuer.ruc)
    _add(info, "claveAcceso", note.access_key)
    _add(info, "codDoc", note.doc_type)
    _add(info, "estab", issuer.establishment)
    _add(info, "ptoEmi", issuer.emission_point)
    _add(info, "secuencial", f"{note.sequential:09d}")
    _add(info, "dirMatriz", issuer.dir_matriz)
    if issuer.agente_retencion:
        _add(info, "agenteRetencion", issuer.agente_retencion)


def _buyer_and_reference(info: etree._Element, note: Note) -> None:
    issuer, buyer = note.issuer, note.buyer
    _add(info, "fechaEmision", f"{note.issue_date:%d/%m/%Y}")
    if issuer.dir_establecimiento:
        _add(info, "dirEstablecimiento", issuer.dir_establecimiento)
    _add(info, "tipoIdentificacionComprador", buyer.id_type)
    _add(info, "razonSocialComprador", buyer.name)
    _add(info, "identificacionComprador", buyer.id_number)
    if issuer.contribuyente_especial:
        _add(info, "contribuyenteEspecial", issuer.contribuyente_especial)
    _add(info, "obligadoContabilidad", "SI" if issuer.obligado_contabilidad else "NO")
    _add(info, "codDocModificado", FACTURA)
    _add(info, "numDocModificado", note.modified.number)
    _add(info, "fechaEmisionDocSustento", f"{note.modified.issue_date:%d/%m/%Y}")
    _add(info, "totalSinImpuestos", money(note.subtotal))


def _credit(root: etree._Element, note: Note) -> None:
    info = _add(root, "infoNotaCredito")
    _buyer_and_reference(info, note)
    _add(info, "valorModificacion", money(note.total))
    _add(info, "moneda", "DOLAR")
    totals = _add(info, "totalConImpuestos")
    for total in note.tax_totals:
        item = _add(totals, "totalImpuesto")
        _add(item, "codigo", total.tax_code)
        _add(item, "codigoPorcentaje", total.rate_code)
        _add(item, "baseImponible", money(total.base))
        _add(item, "valor", money(total.value))
    _add(info, "motivo", note.reason)
    detalles = _add(root, "detalles")
    for index, line in enumerate(note.lines, start=1):
        item = _add(detalles, "detalle")
        _add(item, "codigoInterno", f"NC{index:03d}")
        _add(item, "descripcion", line.description)
        _add(item, "cantidad", "1.000000")
        _add(item, "precioUnitario", f"{line.amount:.6f}")
        _add(item, "descuento", "0.00")
        _add(item, "precioTotalSinImpuesto", money(line.amount))
        impuestos = _add(item, "impuestos")
        tax = line.tax
        impuesto = _add(impuestos, "impuesto")
        _add(impuesto, "codigo", tax.tax_code)
        _add(impuesto, "codigoPorcentaje", tax.rate_code)
        _add(impuesto, "tarifa", money(tax.rate))
        _add(impuesto, "baseImponible", money(tax.base))
        _add(impuesto, "valor", money(tax.value))


def _debit(root: etree._Element, note: Note) -> None:
    info = _add(root, "infoNotaDebito")
    _buyer_and_reference(info, note)
    impuestos = _add(info, "impuestos")
    for total in note.tax_totals:
        item = _add(impuestos, "impuesto")
        _add(item, "codigo", total.tax_code)
        _add(item, "codigoPorcentaje", total.rate_code)
        _add(item, "tarifa", money(total.rate))
        _add(item, "baseImponible", money(total.base))
        _add(item, "valor", money(total.value))
    _add(info, "valorTotal", money(note.total))
    motivos = _add(root, "motivos")
    for line in note.lines:
        motivo = _add(motivos, "motivo")
        _add(motivo, "razon", line.description)
        _add(motivo, "valor", money(line.amount))


def to_element(note: Note) -> etree._Element:
    credit = note.doc_type == CREDIT_NOTE
    tag = _ROOTS[CREDIT_NOTE][0] if credit else _DEBIT_ROOTS[0]
    root = etree.Element(tag, id="comprobante", version=note.version)
    _info_tributaria(root, note)
    (_credit if credit else _debit)(root, note)
    extra = _add(root, "infoAdicional")
    if note.buyer.email:
        _add(extra, "campoAdicional", note.buyer.email).set("nombre", "Email")
    for name, value in note.issuer.legends:
        _add(extra, "campoAdicional", value).set("nombre", name)
    if not credit:  # the nota de débito has no motivo field of its own
        _add(extra, "campoAdicional", note.reason).set("nombre", "Motivo")
    if not len(extra):
        root.remove(extra)
    return root


def to_xml(note: Note) -> bytes:
    """UTF-8 bytes with a double-quoted XML declaration, no indentation or extra whitespace."""
    body: bytes = etree.tostring(to_element(note), encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION + body
