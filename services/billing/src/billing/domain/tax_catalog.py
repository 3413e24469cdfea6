"""The dated tax catalog: which IVA and ICE codigoPorcentaje is in force on which day, at what
rate, and where that comes from (docs/sri.md §3, §9; docs/sri.md §9 "Tax rates change over time").

Plans and charges name a catalog entry by (tax, codigoPorcentaje); the rate is never theirs to
choose. A bill asks the catalog for the rate in force on each day of its period, so a period across
a change becomes one line per rate, prorated by day (``bill.py``).

IVA's codigoPorcentaje fixes its rate (code 2 is always 12 %); what changes is which code is in
force. Codes 2, 3 and 4 are the successive *general* rates: a plan or charge taxed at the general
rate is billed, for each day, at the general rate in force that day (``resolve``). ICE keeps its
code when the rate changes (3092 went to 0 %), so ICE entries of one code differ by date.

Entries marked ``uncertain`` come from the code table without a confirmed validity (docs/sri.md §9:
"where a line says uncertain, keep the value configurable and cite its source"): they are accepted
as the table lists them. Changing the catalog is a code change with its citation.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple

TaxKind = Literal["IVA", "ICE"]
# SRI's tax codigo (docs/sri.md §3) of each kind.
TAX_CODIGO: dict[TaxKind, str] = {"IVA": "2", "ICE": "3"}

_SHEET = "Ficha técnica comprobantes electrónicos esquema offline v2.32, tabla 17 (docs/sri.md §3)"
_LEY_SOLIDARIDAD = "Ley Orgánica de Solidaridad (R.O. 759-S, 20/05/2016), disp. transitoria primera"
_LEY_CONFLICTO = (
    "Ley Orgánica para Enfrentar el Conflicto Armado Interno (R.O. 516-S, 12/03/2024), "
    "reforma art. 65 LRTI; vigente desde 01/04/2024"
)
_ICE_TABLE = (
    "Ficha técnica v2.32, tabla de ICE (última actualización); docs/sri.md §9 ICE on pay TV"
)


class TaxRef(NamedTuple):
    """What a plan names for a non-IVA tax: SRI's codigo (3 = ICE) and codigoPorcentaje.
    No rate: the catalog gives it for each day."""

    tax_code: str
    rate_code: str

    @classmethod
    def of(cls, value: "Sequence[object]") -> "TaxRef":
        """From a stored (codigo, codigoPorcentaje[, rate]): a rate stored by older versions is
        ignored, the catalog decides it."""
        return cls(str(value[0]), str(value[1]))


KIND_OF_CODIGO: dict[str, TaxKind] = {"2": "IVA", "3": "ICE"}


def refs(iva_code: str, extra: Sequence[TaxRef]) -> tuple[tuple[TaxKind, str], ...]:
    """A plan's taxes as catalog keys: its IVA code first, then its extra taxes."""
    return (("IVA", iva_code), *((KIND_OF_CODIGO[t.tax_code], t.rate_code) for t in extra))


@dataclass(frozen=True)
class TaxEntry:
    """One rate of one code over an inclusive date range (``None``: open on that side)."""

    tax: TaxKind
    code: str  # codigoPorcentaje
    rate: Decimal  # percent
    valid_from: date | None
    valid_to: date | None
    source: str
    uncertain: bool = False
    general: bool = False  # one of IVA's successive general rates (2, 3, 4)

    @property
    def codigo(self) -> str:
        return TAX_CODIGO[self.tax]

    def covers(self, day: date) -> bool:
        after_start = self.valid_from is None or self.valid_from <= day
        return after_start and (self.valid_to is None or day <= self.valid_to)


def _iva(
    code: str,
    rate: int,
    start: date | None,
    end: date | None,
    source: str,
    *,
    uncertain: bool = False,
    general: bool = False,
) -> TaxEntry:
    return TaxEntry("IVA", code, Decimal(rate), start, end, source, uncertain, general)


CATALOG: tuple[TaxEntry, ...] = (
    _iva("0", 0, None, None, _SHEET),
    # 12 % was the general rate before and after the 14 % year; its start predates e-invoicing.
    _iva("2", 12, None, date(2016, 5, 31), _SHEET, general=True),
    _iva("3", 14, date(2016, 6, 1), date(2017, 5, 31), _LEY_SOLIDARIDAD, general=True),
    _iva(
        "2",
        12,
        date(2017, 6, 1),
        date(2024, 3, 31),
        f"{_LEY_SOLIDARIDAD}; {_LEY_CONFLICTO}",
        general=True,
    ),
    _iva("4", 15, date(2024, 4, 1), None, _LEY_CONFLICTO, general=True),
    _iva("5", 5, None, None, f"{_SHEET}; validity not confirmed", uncertain=True),
    _iva("6", 0, None, None, _SHEET),  # no objeto de IVA
    _iva("7", 0, None, None, _SHEET),  # exento de IVA
    _iva("8", 8, None, None, f"{_SHEET}; IVA diferenciado, validity not confirmed", uncertain=True),
    _iva("10", 13, None, None, f"{_SHEET}; validity not confirmed", uncertain=True),
    # The date 3092 went to 0 % (the 2021 reforms) is not confirmed, nor its earlier 15 %:
    # only the current entry is modelled, open on both sides.
    TaxEntry("ICE", "3092", Decimal(0), None, None, f"{_ICE_TABLE} (TV pagada)", uncertain=True),
    TaxEntry(
        "ICE",
        "3093",
        Decimal(15),
        None,
        None,
        f"{_ICE_TABLE} (telefonía, sociedades); uncertain after the 2021 reforms",
        uncertain=True,
    ),
)


class NotInForce(ValueError):
    """The catalog has no entry of this code for that day (or does not know the code)."""

    def __init__(self, tax: TaxKind, code: str, day: date, known: bool) -> None:
        what = f"{tax} codigoPorcentaje {code!r}"
        super().__init__(f"{what} is not in force on {day}" if known else f"unknown {what}")
        self.tax, self.code, self.day, self.known = tax, code, day, known


def entries(tax: TaxKind, code: str) -> tuple[TaxEntry, ...]:
    return tuple(e for e in CATALOG if e.tax == tax and e.code == code)


def knows(tax: TaxKind, code: str) -> bool:
    return bool(entries(tax, code))


def in_force(tax: TaxKind, code: str, day: date) -> TaxEntry:
    """The entry of exactly this code on ``day``; NotInForce when there is none."""
    for entry in entries(tax, code):
        if entry.covers(day):
            return entry
    raise NotInForce(tax, code, day, known=knows(tax, code))


def general_rate(day: date) -> TaxEntry:
    """IVA's general rate on ``day`` (12 %, 14 % or 15 %)."""
    for entry in CATALOG:
        if entry.general and entry.covers(day):
            return entry
    raise NotInForce("IVA", "general", day, known=True)  # the catalog covers every day


def resolve(tax: TaxKind, code: str, day: date) -> TaxEntry:
    """What a plan or stored charge on ``code`` is billed at on ``day``: the code's own entry,
    or, for a general-rate IVA code outside its dates, the general rate in force that day."""
    try:
        return in_force(tax, code, day)
    except NotInForce:
        if tax == "IVA" and any(e.general for e in entries(tax, code)):
            return general_rate(day)
        raise


@dataclass(frozen=True)
class Span:
    """Consecutive days (both included) billed at the same entries."""

    first: date
    last: date
    entries: tuple[TaxEntry, ...]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _edges(entry: TaxEntry) -> Iterator[date]:
    """The days on which ``entry`` starts or stops applying."""
    if entry.valid_from is not None:
        yield entry.valid_from
    if entry.valid_to is not None:
        yield entry.valid_to + timedelta(days=1)


def spans(refs: Sequence[tuple[TaxKind, str]], first: date, last: date) -> list[Span]:
    """first..last (both included) split where any of ``refs`` changes entry: resolved once per
    stretch between the catalog's edges, not once per day (bill runs call this per line)."""
    cuts = sorted({day for e in CATALOG for day in _edges(e) if first < day <= last})
    starts = [first, *cuts]
    ends = [cut - timedelta(days=1) for cut in cuts] + [last]
    result: list[Span] = []
    for start, end in zip(starts, ends, strict=True):
        resolved = tuple(resolve(tax, code, start) for tax, code in refs)
        if result and result[-1].entries == resolved:
            result[-1] = Span(result[-1].first, end, resolved)
        else:
            result.append(Span(start, end, resolved))
    return result


def describe(entry: TaxEntry) -> str:
    """ "IVA 15%" — for line descriptions and messages."""
    return f"{entry.tax} {entry.rate.normalize():f}%"
