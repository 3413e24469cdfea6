"""An SRI factura XML (1.1.0 or 2.1.0, any issuer) → the ``Ride`` it prints (docs/sri.md §2, §6).

What the XSD requires must be there (else ``NotAFactura`` names the missing element); what it
leaves optional is shown when present. Export fields, maquinaFiscal and tipoNegociable are not
printed. Amounts are parsed as ``Decimal`` from their exact text.
"""

from dataclasses import replace
from decimal import Decimal

from lxml import etree

from rendering.domain import codes
from rendering.domain.ride import Buyer, Field, Issuer, Line, NotAFactura, Payment, Ride, Tax
from rendering.domain.sections import sections
from rendering.domain.source import (
    amount,
    child,
    children,
    local,
    optional_amount,
    read_source,
    required,
    text,
)
from rendering.domain.statement import statement
from rendering.domain.totals import Header, ride_totals

FACTURA_DOC = "01"


def _block(parent: etree._Element, name: str) -> etree._Element:
    found = child(parent, name)
    if found is None:
        raise NotAFactura(f"the comprobante lacks {local(parent)}/{name}")
    return found


def _issuer(tributaria: etree._Element, factura: etree._Element) -> Issuer:
    where = "infoTributaria"
    return Issuer(
        ruc=required(tributaria, "ruc", where),
        razon_social=required(tributaria, "razonSocial", where),
        nombre_comercial=text(tributaria, "nombreComercial"),
        dir_matriz=required(tributaria, "dirMatriz", where),
        dir_establecimiento=text(factura, "dirEstablecimiento"),
        contribuyente_especial=text(factura, "contribuyenteEspecial"),
        obligado_contabilidad=text(factura, "obligadoContabilidad"),
        agente_retencion=text(tributaria, "agenteRetencion"),
        contribuyente_rimpe=text(tributaria, "contribuyenteRimpe"),
    )


def _buyer(factura: etree._Element, where: str = "infoFactura") -> Buyer:
    return Buyer(
        name=required(factura, "razonSocialComprador", where),
        id_type=codes.tipo_identificacion(required(factura, "tipoIdentificacionComprador", where)),
        identification=required(factura, "identificacionComprador", where),
        address=text(factura, "direccionComprador"),
        guia_remision=text(factura, "guiaRemision"),
    )


def _tax(element: etree._Element, where: str) -> Tax:
    return Tax(
        code=required(element, "codigo", where),
        rate_code=required(element, "codigoPorcentaje", where),
        rate=optional_amount(element, "tarifa", where),
        base=amount(element, "baseImponible", where),
        value=amount(element, "valor", where),
    )


def _details(detalle: etree._Element) -> tuple[Field, ...]:
    return tuple(
        Field((d.get("nombre") or "").strip(), (d.get("valor") or "").strip())
        for d in children(child(detalle, "detallesAdicionales"), "detAdicional")
    )


# A factura's detail codes; a nota de crédito names them codigoInterno, codigoAdicional.
FACTURA_CODES = ("codigoPrincipal", "codigoAuxiliar")


def _line(detalle: etree._Element, index: int, codes: tuple[str, str] = FACTURA_CODES) -> Line:
    where = f"detalles/detalle[{index}]"
    taxes = children(child(detalle, "impuestos"), "impuesto")
    return Line(
        code=text(detalle, codes[0]),
        aux_code=text(detalle, codes[1]),
        description=required(detalle, "descripcion", where),
        quantity=amount(detalle, "cantidad", where),
        unit_price=amount(detalle, "precioUnitario", where),
        discount=optional_amount(detalle, "descuento", where) or Decimal("0.00"),
        total=amount(detalle, "precioTotalSinImpuesto", where),
        details=_details(detalle),
        taxes=tuple(_tax(t, f"{where}/impuestos/impuesto") for t in taxes),
        unit=text(detalle, "unidadMedida"),
    )


def _lines(root: etree._Element, codes: tuple[str, str] = FACTURA_CODES) -> tuple[Line, ...]:
    detalles = children(_block(root, "detalles"), "detalle")
    if not detalles:
        raise NotAFactura(f"the {local(root)} has no detalles/detalle")
    return tuple(_line(d, i, codes) for i, d in enumerate(detalles, start=1))


def _payments(factura: etree._Element, info: str = "infoFactura") -> tuple[Payment, ...]:
    where = f"{info}/pagos/pago"
    found = []
    for pago in children(child(factura, "pagos"), "pago"):
        code = required(pago, "formaPago", where)
        found.append(
            Payment(
                code=code,
                description=codes.forma_pago(code),
                total=amount(pago, "total", where),
                term=optional_amount(pago, "plazo", where),
                time_unit=text(pago, "unidadTiempo"),
            )
        )
    return tuple(found)


def _additional_info(root: etree._Element) -> tuple[Field, ...]:
    return tuple(
        Field((campo.get("nombre") or "").strip(), (campo.text or "").strip())
        for campo in children(child(root, "infoAdicional"), "campoAdicional")
    )


def _header(factura: etree._Element) -> Header:
    where = "infoFactura"
    compensaciones = children(child(factura, "compensaciones"), "compensacion")
    return Header(
        total_sin_impuestos=amount(factura, "totalSinImpuestos", where),
        total_descuento=amount(factura, "totalDescuento", where),
        importe_total=amount(factura, "importeTotal", where),
        propina=optional_amount(factura, "propina", where),
        total_subsidio=optional_amount(factura, "totalSubsidio", where),
        compensaciones=sum(
            (amount(c, "valor", f"{where}/compensaciones/compensacion") for c in compensaciones),
            Decimal("0.00"),
        )
        if compensaciones
        else None,
        valor_ret_iva=optional_amount(factura, "valorRetIva", where),
        valor_ret_renta=optional_amount(factura, "valorRetRenta", where),
    )


def _tax_totals(factura: etree._Element) -> tuple[Tax, ...]:
    where = "infoFactura/totalConImpuestos/totalImpuesto"
    totals = children(_block(factura, "totalConImpuestos"), "totalImpuesto")
    return tuple(_tax(t, where) for t in totals)


def _document_number(tributaria: etree._Element) -> str:
    parts = (required(tributaria, name, "infoTributaria") for name in ("estab", "ptoEmi"))
    return "-".join((*parts, required(tributaria, "secuencial", "infoTributaria")))


def ride_from_factura(root: etree._Element) -> Ride:
    """The RIDE of a ``<factura>`` element (no authorization: see ``read_ride``)."""
    tributaria = _block(root, "infoTributaria")
    factura = _block(root, "infoFactura")
    cod_doc = required(tributaria, "codDoc", "infoTributaria")
    if cod_doc != FACTURA_DOC:
        raise NotAFactura(f"codDoc is {cod_doc!r}; a factura is {FACTURA_DOC!r}")
    lines = _lines(root)
    info = _additional_info(root)
    return Ride(
        version=(root.get("version") or "").strip(),
        access_key=required(tributaria, "claveAcceso", "infoTributaria"),
        number=_document_number(tributaria),
        environment=codes.ambiente(required(tributaria, "ambiente", "infoTributaria")),
        emission=codes.tipo_emision(required(tributaria, "tipoEmision", "infoTributaria")),
        issue_date=required(factura, "fechaEmision", "infoFactura"),
        currency=text(factura, "moneda"),
        issuer=_issuer(tributaria, factura),
        buyer=_buyer(factura),
        lines=lines,
        payments=_payments(factura),
        additional_info=info,
        totals=ride_totals(lines, _tax_totals(factura), _header(factura)),
        statement=statement(info),
        sections=sections(root),
        authorization=None,
    )


def read_ride(data: bytes) -> Ride:
    """The RIDE of an SRI factura: the autorizacion record, a signed or an unsigned factura."""
    source = read_source(data)
    return replace(ride_from_factura(source.factura), authorization=source.authorization)
