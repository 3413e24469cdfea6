"""Taxes per invoice line and the invoice's totalConImpuestos (docs/sri.md §3, §8).

Each line's tax is rounded on its own and the header totals are the sums of the line values, so
header and detail always agree (SRI rejects mismatches with error 52).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from billing.domain.money import MONEY_PLACES, round_fiscal

IVA = "2"
ICE = "3"
IRBPNR = "5"


@dataclass(frozen=True)
class IvaRate:
    """One IVA codigoPorcentaje: its rate in percent and the RIDE subtotal label."""

    code: str
    rate: Decimal
    subtotal_label: str


IVA_RATES: MappingProxyType[str, IvaRate] = MappingProxyType(
    {
        rate.code: rate
        for rate in (
            IvaRate("0", Decimal(0), "SUBTOTAL 0%"),
            IvaRate("2", Decimal(12), "SUBTOTAL 12%"),
            IvaRate("3", Decimal(14), "SUBTOTAL 14%"),
            IvaRate("4", Decimal(15), "SUBTOTAL 15%"),  # general rate since 2024-04-01, telecom
            IvaRate("5", Decimal(5), "SUBTOTAL 5%"),
            # No objeto and exento charge nothing but have their own subtotal lines on the RIDE.
            IvaRate("6", Decimal(0), "SUBTOTAL NO OBJETO DE IVA"),
            IvaRate("7", Decimal(0), "SUBTOTAL EXENTO DE IVA"),
            IvaRate("8", Decimal(8), "SUBTOTAL 8%"),
            IvaRate("10", Decimal(13), "SUBTOTAL 13%"),
        )
    }
)


def iva_rate(code: str) -> IvaRate:
    try:
        return IVA_RATES[code]
    except KeyError:
        raise ValueError(f"unknown IVA codigoPorcentaje {code!r}") from None


def _base(base: Decimal) -> Decimal:
    if not isinstance(base, Decimal) or not base.is_finite():
        raise ValueError(f"a tax base must be a finite Decimal, got {base!r}")
    if base < 0:
        raise ValueError(f"a tax base must not be negative, got {base}")
    if round_fiscal(base) != base:
        raise ValueError(f"a tax base has at most {MONEY_PLACES} decimals, got {base}")
    return round_fiscal(base)


def line_tax(base: Decimal, code: str) -> Decimal:
    """IVA of one line: base × rate / 100, rounded half-up to 2 decimals (0.03 at 15% → 0.00)."""
    return round_fiscal(_base(base) * iva_rate(code).rate / 100)


@dataclass(frozen=True)
class LineTax:
    """One detalle/impuestos/impuesto: tax codigo, codigoPorcentaje, tarifa (%), base, valor."""

    tax_code: str
    rate_code: str
    rate: Decimal
    base: Decimal
    value: Decimal

    @classmethod
    def iva(cls, base: Decimal, rate_code: str) -> "LineTax":
        return cls(IVA, rate_code, iva_rate(rate_code).rate, _base(base), line_tax(base, rate_code))


@dataclass(frozen=True)
class TaxTotal:
    """One totalConImpuestos/totalImpuesto."""

    tax_code: str
    rate_code: str
    rate: Decimal
    base: Decimal
    value: Decimal


def summarize(lines: Iterable[LineTax]) -> list[TaxTotal]:
    """Group by (codigo, codigoPorcentaje), summing bases and the already-rounded line values.

    The header value is the sum of the line values, never the tax recomputed on the summed base,
    so the header equals the sum of the lines exactly. Sorted by codigo then codigoPorcentaje.
    """
    groups: dict[tuple[str, str], TaxTotal] = {}
    for line in lines:
        key = (line.tax_code, line.rate_code)
        seen = groups.get(key)
        if seen is None:
            groups[key] = TaxTotal(line.tax_code, line.rate_code, line.rate, line.base, line.value)
            continue
        if seen.rate != line.rate:
            raise ValueError(f"lines with codes {key} disagree on the rate")
        groups[key] = TaxTotal(*key, seen.rate, seen.base + line.base, seen.value + line.value)
    return [groups[key] for key in sorted(groups, key=lambda k: (int(k[0]), int(k[1])))]
