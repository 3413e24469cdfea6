"""The totals box of the RIDE (docs/sri.md §6, §9): only the lines in use, in SRI's order.

``SUBTOTAL 15%`` is the sum of the prices (precioTotalSinImpuesto) of the lines taxed at 15 %,
without their ICE; ``IVA 15%`` is the document's own IVA value, which SRI computed on those prices
plus ICE. Subtotals come from the detail lines, taxes from totalConImpuestos: nothing is
recomputed, so the RIDE shows what SRI authorized.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rendering.domain import codes
from rendering.domain.ride import Amount, Line, Tax

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Header:
    """The infoFactura amounts the totals box prints besides the taxes."""

    total_sin_impuestos: Decimal
    total_descuento: Decimal | None  # None: a note, which has no totalDescuento
    importe_total: Decimal
    propina: Decimal | None = None
    total_subsidio: Decimal | None = None
    compensaciones: Decimal | None = None
    valor_ret_iva: Decimal | None = None
    valor_ret_renta: Decimal | None = None


def _add(groups: dict[str, Decimal], label: str, value: Decimal) -> None:
    groups[label] = groups.get(label, ZERO) + value


def _iva(taxes: Iterable[Tax]) -> Tax | None:
    return next((t for t in taxes if t.code == codes.IVA), None)


_ZERO_ORDER = ("SUBTOTAL 0%", *codes.SUBTOTAL_LABELS.values())


def _zero_rank(label: str) -> tuple[int, str]:
    known = label in _ZERO_ORDER
    return (_ZERO_ORDER.index(label) if known else len(_ZERO_ORDER), label)


def _subtotals(bases: Iterable[tuple[Tax | None, Decimal]]) -> list[Amount]:
    """SUBTOTAL <rate>% per positive rate (highest first), then 0%, no objeto, exento: the
    amounts of ``bases`` (an IVA and the amount it taxes, without ICE) added up by rate."""
    positive: dict[str, Decimal] = {}
    rates: dict[str, Decimal] = {}
    zero: dict[str, Decimal] = {}
    for tax, base in bases:
        if tax is None:
            continue
        rate = codes.iva_rate(tax.rate_code, tax.rate)
        label = codes.subtotal_label(tax.rate_code, rate)
        if tax.rate_code in codes.SUBTOTAL_LABELS or not rate:
            _add(zero, label, base)
        else:
            _add(positive, label, base)
            rates[label] = rate
    return [
        *(Amount(label, positive[label]) for label in sorted(positive, key=lambda k: -rates[k])),
        *(Amount(label, zero[label]) for label in sorted(zero, key=_zero_rank)),
    ]


def _taxes(totals: Sequence[Tax]) -> tuple[list[Amount], list[Amount], list[Amount]]:
    """ICE, IVA <rate>% per positive rate (highest first), IRBPNR: from totalConImpuestos."""
    ice: dict[str, Decimal] = {}
    iva: dict[str, Decimal] = {}
    rates: dict[str, Decimal] = {}
    irbpnr: dict[str, Decimal] = {}
    for tax in totals:
        if tax.code == codes.ICE:
            _add(ice, "ICE", tax.value)
        elif tax.code == codes.IRBPNR:
            _add(irbpnr, "IRBPNR", tax.value)
        elif tax.code == codes.IVA:
            rate = codes.iva_rate(tax.rate_code, tax.rate)
            if rate or (rate is None and tax.value):
                label = codes.iva_label(tax.rate_code, rate)
                _add(iva, label, tax.value)
                rates[label] = rate or ZERO
    ordered = sorted(iva, key=lambda label: -rates[label])
    return (
        [Amount(k, v) for k, v in ice.items()],
        [Amount(label, iva[label]) for label in ordered],
        [Amount(k, v) for k, v in irbpnr.items()],
    )


def _optional(label: str, value: Decimal | None) -> list[Amount]:
    return [] if value is None else [Amount(label, value)]


def ride_totals(
    lines: Sequence[Line],
    totals: Sequence[Tax],
    header: Header,
    total_label: str = "VALOR TOTAL",
) -> tuple[Amount, ...]:
    """A factura's or a nota de crédito's box (the note's total is VALOR MODIFICACIÓN)."""
    bases = [(_iva(line.taxes), line.total) for line in lines]
    return _box(bases, totals, header, total_label)


def debit_totals(taxes: Sequence[Tax], header: Header) -> tuple[Amount, ...]:
    """A nota de débito's box: it has no detail lines, its impuestos carry the bases."""
    bases = [(tax, tax.base) for tax in taxes if tax.code == codes.IVA]
    return _box(bases, taxes, header, "VALOR TOTAL")


def _box(
    bases: Sequence[tuple[Tax | None, Decimal]],
    totals: Sequence[Tax],
    header: Header,
    total_label: str,
) -> tuple[Amount, ...]:
    ice, iva, irbpnr = _taxes(totals)
    return (
        *_subtotals(bases),
        Amount("SUBTOTAL SIN IMPUESTOS", header.total_sin_impuestos),
        *_optional("TOTAL DESCUENTO", header.total_descuento),
        *ice,
        *iva,
        *irbpnr,
        *_optional("PROPINA", header.propina),
        *_optional("AHORRO POR SUBSIDIO", header.total_subsidio),
        *_optional("COMPENSACIONES", header.compensaciones),
        Amount(total_label, header.importe_total),
        *_optional("VALOR RETENIDO IVA", header.valor_ret_iva),
        *_optional("VALOR RETENIDO RENTA", header.valor_ret_renta),
    )
