"""Optional blocks of a factura the RIDE prints as small tables when present (docs/sri.md §2):
``reembolsos`` (one row per reimbursed document), ``retenciones``, and the 2.1.0 blocks
``otrosRubrosTerceros`` and ``infoSustitutivaGuiaRemision``.
"""

from decimal import Decimal

from lxml import etree

from rendering.domain import codes
from rendering.domain.ride import Section
from rendering.domain.source import amount, child, children, required, text

ZERO = Decimal("0.00")


def _reembolsos(root: etree._Element) -> list[Section]:
    where = "reembolsos/reembolsoDetalle"
    rows: list[tuple[str | Decimal, ...]] = []
    for item in children(child(root, "reembolsos"), "reembolsoDetalle"):
        taxes = children(child(item, "detalleImpuestos"), "detalleImpuesto")
        number = "-".join(
            required(item, name, where)
            for name in ("estabDocReembolso", "ptoEmiDocReembolso", "secuencialDocReembolso")
        )
        rows.append(
            (
                required(item, "identificacionProveedorReembolso", where),
                number,
                required(item, "fechaEmisionDocReembolso", where),
                sum((amount(t, "baseImponibleReembolso", where) for t in taxes), ZERO),
                sum((amount(t, "impuestoReembolso", where) for t in taxes), ZERO),
            )
        )
    headers = ("Proveedor", "Comprobante", "Fecha de emisión", "Base imponible", "Impuesto")
    return [Section("Reembolsos", headers, tuple(rows))] if rows else []


def _retenciones(root: etree._Element) -> list[Section]:
    where = "retenciones/retencion"
    rows: list[tuple[str | Decimal, ...]] = [
        (
            codes.TAX_NAMES.get(required(r, "codigo", where), required(r, "codigo", where)),
            required(r, "codigoPorcentaje", where),
            amount(r, "tarifa", where),
            amount(r, "valor", where),
        )
        for r in children(child(root, "retenciones"), "retencion")
    ]
    headers = ("Impuesto", "Código", "Tarifa", "Valor retenido")
    return [Section("Retenciones", headers, tuple(rows))] if rows else []


def _rubros(root: etree._Element) -> list[Section]:
    where = "otrosRubrosTerceros/rubro"
    rows: list[tuple[str | Decimal, ...]] = [
        (required(r, "concepto", where), amount(r, "total", where))
        for r in children(child(root, "otrosRubrosTerceros"), "rubro")
    ]
    headers = ("Concepto", "Valor")
    return [Section("Otros rubros de terceros", headers, tuple(rows))] if rows else []


def _guia(root: etree._Element) -> list[Section]:
    guia = child(root, "infoSustitutivaGuiaRemision")
    if guia is None:
        return []
    row: tuple[str | Decimal, ...] = tuple(
        text(guia, name) or ""
        for name in (
            "dirPartida",
            "dirDestinatario",
            "razonSocialTransportista",
            "rucTransportista",
            "placa",
            "fechaIniTransporte",
            "fechaFinTransporte",
        )
    )
    headers = ("Partida", "Destino", "Transportista", "RUC", "Placa", "Inicio", "Fin")
    return [Section("Guía de remisión sustitutiva", headers, (row,))]


def sections(root: etree._Element) -> tuple[Section, ...]:
    return (*_reembolsos(root), *_retenciones(root), *_rubros(root), *_guia(root))
