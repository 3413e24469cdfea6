"""Notas de crédito (codDoc 04) and débito (05): their totals, and the factura they modify
(docs/sri.md §9).

A note must name (``codDocModificado`` 01, ``numDocModificado``) a factura of the same RUC that
this sandbox received and AUTHORIZED; the authorized notas de crédito of a factura, this one
included, may not add up to more than the factura's importeTotal. Both are answered NO
AUTORIZADO with the sandbox's own identifiers (SRI's are not documented where we could check).
"""

from collections import defaultdict
from decimal import Decimal
from typing import Protocol

from lxml import etree

from sri_sandbox import messages
from sri_sandbox.messages import Message
from sri_sandbox.schema import secure_parser

CREDIT, DEBIT = "04", "05"
INFO = {"notaCredito": "infoNotaCredito", "notaDebito": "infoNotaDebito"}
COD_DOC = {"factura": "01", "notaCredito": CREDIT, "notaDebito": DEBIT}


class Facturas(Protocol):
    """What the checks ask of the store (sri_sandbox.store.Store)."""

    def authorized_comprobante(
        self, ruc: str, cod_doc: str, estab: str, pto_emi: str, secuencial: str
    ) -> str | None: ...

    def authorized_comprobantes(self, ruc: str, cod_doc: str) -> list[str]: ...


def _amount(element: etree._Element | None, path: str) -> Decimal:
    if element is None:
        return Decimal(0)
    return Decimal((element.findtext(path) or "0").strip())


def _text(root: etree._Element, path: str) -> str:
    return (root.findtext(path) or "").strip()


def cod_doc_problem(root: etree._Element) -> Message | None:
    """The root element and codDoc must agree (a notaCredito is 04, ...)."""
    expected = COD_DOC.get(root.tag)
    cod_doc = _text(root, "infoTributaria/codDoc")
    if expected is not None and cod_doc != expected:
        return messages.estructura(f"codDoc {cod_doc} no corresponde a {root.tag} ({expected})")
    return None


def totals_problem(root: etree._Element) -> Message | None:
    """Header totals of a note recomputed from its lines (52)."""
    info = root.find(INFO[root.tag])
    problems: list[str] = []
    subtotal = _amount(info, "totalSinImpuestos")
    if root.tag == "notaCredito":
        lines = sum(
            (_amount(d, "precioTotalSinImpuesto") for d in root.iterfind("detalles/detalle")),
            Decimal(0),
        )
        taxes_path, total_name = "totalConImpuestos/totalImpuesto", "valorModificacion"
        by_line: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for tax in root.iterfind("detalles/detalle/impuestos/impuesto"):
            by_line[(_text(tax, "codigo"), _text(tax, "codigoPorcentaje"))] += _amount(tax, "valor")
        header: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for tax in root.iterfind(f"infoNotaCredito/{taxes_path}"):
            header[(_text(tax, "codigo"), _text(tax, "codigoPorcentaje"))] += _amount(tax, "valor")
        if dict(by_line) != dict(header):
            problems.append("los impuestos de totalConImpuestos no suman los de los detalles")
    else:
        lines = sum((_amount(m, "valor") for m in root.iterfind("motivos/motivo")), Decimal(0))
        taxes_path, total_name = "impuestos/impuesto", "valorTotal"
    if subtotal != lines:
        problems.append(f"totalSinImpuestos {subtotal} != suma de las líneas {lines}")
    taxes = sum(
        (_amount(t, "valor") for t in root.iterfind(f"{INFO[root.tag]}/{taxes_path}")), Decimal(0)
    )
    total = _amount(info, total_name)
    if total != subtotal + taxes:
        problems.append(f"{total_name} {total} != totalSinImpuestos + impuestos {subtotal + taxes}")
    return messages.diferencias("; ".join(problems)) if problems else None


def _modified(root: etree._Element) -> tuple[str, str, str, str] | None:
    """(codDocModificado, estab, ptoEmi, secuencial) of the document a note modifies."""
    info = INFO[root.tag]
    number = _text(root, f"{info}/numDocModificado").split("-")
    if len(number) != 3:
        return None
    return (_text(root, f"{info}/codDocModificado"), *number)  # type: ignore[return-value]


def reference_problem(root: etree._Element, store: Facturas) -> Message | None:
    """The modified factura exists here, is AUTHORIZED, and is not over-credited."""
    modified = _modified(root)
    ruc = _text(root, "infoTributaria/ruc")
    if modified is None or modified[0] != "01":
        return messages.documento_modificado("codDocModificado debe ser 01 (factura)")
    cod_doc, estab, pto, secuencial = modified
    number = f"{estab}-{pto}-{secuencial}"
    factura = store.authorized_comprobante(ruc, cod_doc, estab, pto, secuencial)
    if factura is None:
        return messages.documento_modificado(
            f"la factura {number} del RUC {ruc} no existe o no está AUTORIZADA"
        )
    if root.tag != "notaCredito":
        return None
    importe = _amount(
        etree.fromstring(factura.encode(), secure_parser()), "infoFactura/importeTotal"
    )
    credited = _amount(root, "infoNotaCredito/valorModificacion")
    for xml in store.authorized_comprobantes(ruc, CREDIT):
        other = etree.fromstring(xml.encode(), secure_parser())
        if _text(other, "infoNotaCredito/numDocModificado") == number:
            credited += _amount(other, "infoNotaCredito/valorModificacion")
    if credited > importe:
        return messages.credito_excedido(
            f"las notas de crédito de la factura {number} suman {credited}, "
            f"más que su importeTotal {importe}"
        )
    return None
