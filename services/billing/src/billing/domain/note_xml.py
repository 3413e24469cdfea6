"""Serialise a ``Note`` to SRI's notaCredito 1.1.0 / notaDebito 1.0.0 XML, once and compactly,
in the XSDs' element order (like ``factura_xml``: these bytes are what gets signed).

The nota de crédito carries one detalle per line (its IVA inside) and ``valorModificacion``; the
nota de débito has no detalles: its ``motivos`` (razon, valor) are the lines and its
``impuestos`` the IVA per codigoPorcentaje, with ``valorTotal``.
"""

from lxml import etree

from billing.domain.factura_xml import XML_DECLARATION, add, info_tributaria, money
from billing.domain.notes import CREDIT_NOTE, FACTURA, Note

_ROOTS = {CREDIT_NOTE: ("notaCredito", "infoNotaCredito")}
_DEBIT_ROOTS = ("notaDebito", "infoNotaDebito")


def _buyer_and_reference(info: etree._Element, note: Note) -> None:
    issuer, buyer = note.issuer, note.buyer
    add(info, "fechaEmision", f"{note.issue_date:%d/%m/%Y}")
    if issuer.dir_establecimiento:
        add(info, "dirEstablecimiento", issuer.dir_establecimiento)
    add(info, "tipoIdentificacionComprador", buyer.id_type)
    add(info, "razonSocialComprador", buyer.name)
    add(info, "identificacionComprador", buyer.id_number)
    if issuer.contribuyente_especial:
        add(info, "contribuyenteEspecial", issuer.contribuyente_especial)
    add(info, "obligadoContabilidad", "SI" if issuer.obligado_contabilidad else "NO")
    add(info, "codDocModificado", FACTURA)
    add(info, "numDocModificado", note.modified.number)
    add(info, "fechaEmisionDocSustento", f"{note.modified.issue_date:%d/%m/%Y}")
    add(info, "totalSinImpuestos", money(note.subtotal))


def _credit(root: etree._Element, note: Note) -> None:
    info = add(root, "infoNotaCredito")
    _buyer_and_reference(info, note)
    add(info, "valorModificacion", money(note.total))
    add(info, "moneda", "DOLAR")
    totals = add(info, "totalConImpuestos")
    for total in note.tax_totals:
        item = add(totals, "totalImpuesto")
        add(item, "codigo", total.tax_code)
        add(item, "codigoPorcentaje", total.rate_code)
        add(item, "baseImponible", money(total.base))
        add(item, "valor", money(total.value))
    add(info, "motivo", note.reason)
    detalles = add(root, "detalles")
    for index, line in enumerate(note.lines, start=1):
        item = add(detalles, "detalle")
        add(item, "codigoInterno", f"NC{index:03d}")
        add(item, "descripcion", line.description)
        add(item, "cantidad", "1.000000")
        add(item, "precioUnitario", f"{line.amount:.6f}")
        add(item, "descuento", "0.00")
        add(item, "precioTotalSinImpuesto", money(line.amount))
        impuestos = add(item, "impuestos")
        tax = line.tax
        impuesto = add(impuestos, "impuesto")
        add(impuesto, "codigo", tax.tax_code)
        add(impuesto, "codigoPorcentaje", tax.rate_code)
        add(impuesto, "tarifa", money(tax.rate))
        add(impuesto, "baseImponible", money(tax.base))
        add(impuesto, "valor", money(tax.value))


def _debit(root: etree._Element, note: Note) -> None:
    info = add(root, "infoNotaDebito")
    _buyer_and_reference(info, note)
    impuestos = add(info, "impuestos")
    for total in note.tax_totals:
        item = add(impuestos, "impuesto")
        add(item, "codigo", total.tax_code)
        add(item, "codigoPorcentaje", total.rate_code)
        add(item, "tarifa", money(total.rate))
        add(item, "baseImponible", money(total.base))
        add(item, "valor", money(total.value))
    add(info, "valorTotal", money(note.total))
    motivos = add(root, "motivos")
    for line in note.lines:
        motivo = add(motivos, "motivo")
        add(motivo, "razon", line.description)
        add(motivo, "valor", money(line.amount))


def to_element(note: Note) -> etree._Element:
    credit = note.doc_type == CREDIT_NOTE
    tag = _ROOTS[CREDIT_NOTE][0] if credit else _DEBIT_ROOTS[0]
    root = etree.Element(tag, id="comprobante", version=note.version)
    info_tributaria(root, note.issuer, note.access_key, note.doc_type, note.sequential)
    (_credit if credit else _debit)(root, note)
    extra = add(root, "infoAdicional")
    if note.buyer.email:
        add(extra, "campoAdicional", note.buyer.email).set("nombre", "Email")
    for name, value in note.issuer.legends:
        add(extra, "campoAdicional", value).set("nombre", name)
    if not credit:  # the nota de débito has no motivo field of its own
        add(extra, "campoAdicional", note.reason).set("nombre", "Motivo")
    if not len(extra):
        root.remove(extra)
    return root


def to_xml(note: Note) -> bytes:
    """UTF-8 bytes with a double-quoted XML declaration, no indentation or extra whitespace."""
    body: bytes = etree.tostring(to_element(note), encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION + body
