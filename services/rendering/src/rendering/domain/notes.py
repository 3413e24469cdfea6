"""An SRI nota de crédito (04, NotaCredito 1.1.0) or nota de débito (05, NotaDebito 1.0.0) → the
``Ride`` it prints: the factura's blocks (issuer, buyer, additional information), what it
modifies (codDocModificado, numDocModificado, fechaEmisionDocSustento) and why (a credit note's
motivo; a debit note's motivos, razón and valor), its detail lines (credit) and its totals.

Like ``parse``: what the XSD requires must be there (``NotAFactura`` names what is missing),
amounts are ``Decimal`` from their exact text. Not printed: rise, maquinaFiscal.
"""

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from rendering.domain import codes
from rendering.domain.parse import (
    _additional_info,
    _block,
    _buyer,
    _document_number,
    _issuer,
    _lines,
    _payments,
    _tax,
)
from rendering.domain.ride import (
    Amount,
    Line,
    Modified,
    NotAFactura,
    Payment,
    Reason,
    Ride,
    Tax,
)
from rendering.domain.source import (
    NOTA_CREDITO,
    NOTA_DEBITO,
    amount,
    child,
    children,
    local,
    required,
    text,
)
from rendering.domain.totals import Header, debit_totals, ride_totals

CREDIT_NOTE_DOC, DEBIT_NOTE_DOC = "04", "05"
# root element → (codDoc, the info block, the title the RIDE prints)
KINDS = {
    NOTA_CREDITO: (CREDIT_NOTE_DOC, "infoNotaCredito", "NOTA DE CRÉDITO"),
    NOTA_DEBITO: (DEBIT_NOTE_DOC, "infoNotaDebito", "NOTA DE DÉBITO"),
}
# A credit note's detail codes (a factura's are codigoPrincipal, codigoAuxiliar).
NOTE_CODES = ("codigoInterno", "codigoAdicional")


@dataclass(frozen=True)
class _Body:
    """What differs between the two kinds of note."""

    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]
    totals: tuple[Amount, ...]
    reasons: tuple[Reason, ...]
    total_label: str


def _modified(info: etree._Element, where: str) -> Modified:
    return Modified(
        doc_type=codes.tipo_comprobante(required(info, "codDocModificado", where)),
        number=required(info, "numDocModificado", where),
        issue_date=required(info, "fechaEmisionDocSustento", where),
    )


def _compensaciones(info: etree._Element, where: str) -> Decimal | None:
    found = children(child(info, "compensaciones"), "compensacion")
    if not found:
        return None
    values = (amount(c, "valor", f"{where}/compensaciones/compensacion") for c in found)
    return sum(values, Decimal("0.00"))


def _credit(root: etree._Element, info: etree._Element, where: str) -> _Body:
    lines = _lines(root, NOTE_CODES)
    taxes = tuple(
        _tax(t, f"{where}/totalConImpuestos/totalImpuesto")
        for t in children(_block(info, "totalConImpuestos"), "totalImpuesto")
    )
    header = Header(
        total_sin_impuestos=amount(info, "totalSinImpuestos", where),
        total_descuento=None,
        importe_total=amount(info, "valorModificacion", where),
        compensaciones=_compensaciones(info, where),
    )
    return _Body(
        lines=lines,
        payments=(),
        totals=ride_totals(lines, taxes, header, "VALOR MODIFICACIÓN"),
        reasons=(Reason(required(info, "motivo", where)),),
        total_label="VALOR MODIFICACIÓN",
    )


def _debit(root: etree._Element, info: etree._Element, where: str) -> _Body:
    taxes: tuple[Tax, ...] = tuple(
        _tax(t, f"{where}/impuestos/impuesto")
        for t in children(_block(info, "impuestos"), "impuesto")
    )
    motivos = children(_block(root, "motivos"), "motivo")
    if not motivos:
        raise NotAFactura("the notaDebito has no motivos/motivo")
    header = Header(
        total_sin_impuestos=amount(info, "totalSinImpuestos", where),
        total_descuento=None,
        importe_total=amount(info, "valorTotal", where),
        compensaciones=_compensaciones(info, where),
    )
    return _Body(
        lines=(),
        payments=_payments(info, where),
        totals=debit_totals(taxes, header),
        reasons=tuple(
            Reason(required(m, "razon", "motivos/motivo"), amount(m, "valor", "motivos/motivo"))
            for m in motivos
        ),
        total_label="VALOR TOTAL",
    )


def ride_from_note(root: etree._Element) -> Ride:
    """The RIDE of a ``<notaCredito>`` or ``<notaDebito>`` element (no authorization)."""
    kind = KINDS.get(local(root))
    if kind is None:
        raise NotAFactura(f"<{local(root)}> is no nota de crédito or de débito")
    cod_doc, where, title = kind
    tributaria = _block(root, "infoTributaria")
    info = _block(root, where)
    found = required(tributaria, "codDoc", "infoTributaria")
    if found != cod_doc:
        raise NotAFactura(f"codDoc is {found!r}; a <{local(root)}> is {cod_doc!r}")
    body = _credit(root, info, where) if cod_doc == CREDIT_NOTE_DOC else _debit(root, info, where)
    return Ride(
        version=(root.get("version") or "").strip(),
        access_key=required(tributaria, "claveAcceso", "infoTributaria"),
        number=_document_number(tributaria),
        environment=codes.ambiente(required(tributaria, "ambiente", "infoTributaria")),
        emission=codes.tipo_emision(required(tributaria, "tipoEmision", "infoTributaria")),
        issue_date=required(info, "fechaEmision", where),
        currency=text(info, "moneda"),
        issuer=_issuer(tributaria, info),
        buyer=_buyer(info, where),
        additional_info=_additional_info(root),
        statement=(),
        sections=(),
        authorization=None,
        title=title,
        modified=_modified(info, where),
        lines=body.lines,
        payments=body.payments,
        totals=body.totals,
        reasons=body.reasons,
        total_label=body.total_label,
    )
