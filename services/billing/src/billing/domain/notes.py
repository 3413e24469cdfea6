"""Notas de crédito (codDoc 04) and débito (05) against an authorized factura (docs/sri.md §9).

A note modifies one factura (``codDocModificado`` 01, ``numDocModificado``,
``fechaEmisionDocSustento``) for a reason (``motivo``): a credit for an outage or a dispute
lowers what the customer owes, a debit for late-payment interest or a reconnection raises it.
Its lines are amounts without tax, each with its IVA codigoPorcentaje; the IVA is computed per
line like a factura's (``taxes.LineTax.iva``), header totals are sums of the lines.

Neither goes to consumidor final (07). A nota de crédito never exceeds what is left of its
factura, per IVA codigoPorcentaje: the factura's IVA base at that rate minus the bases of the
credit notes already issued against it (``credit_room``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from billing.domain import access_key
from billing.domain.invoice import (
    MAX_MONEY,
    Buyer,
    Issuer,
    clean_text,
    document_id,
    document_number,
)
from billing.domain.money import MONEY_PLACES, round_fiscal
from billing.domain.taxes import IVA, LineTax, TaxTotal, iva_rate, summarize

CREDIT_NOTE = "04"
DEBIT_NOTE = "05"
NOTE_KINDS = {CREDIT_NOTE: "credit_note", DEBIT_NOTE: "debit_note"}
NOTE_NAMES = {CREDIT_NOTE: "Nota de crédito", DEBIT_NOTE: "Nota de débito"}
# The schemas' versions (docs/sri-files.sha256): NotaCredito_V1.1.0.xsd, NotaDebito_V1.0.0.xsd.
NOTE_VERSIONS = {CREDIT_NOTE: "1.1.0", DEBIT_NOTE: "1.0.0"}
FACTURA = "01"
MAX_NOTE_LINES = 50
ZERO = Decimal("0.00")


class CreditExceeded(ValueError):
    """A nota de crédito above what is left of its factura at some IVA rate."""


def note_id(ruc: str, doc_type: str, establishment: str, point: str, sequential: int) -> str:
    """A note's id, apart from the facturas' ids: 1790011674001-04-001-001-000000007.

    Inserting the note document claims its secuencial (as for facturas): the numbering of
    each codDoc is its own gapless sequence per emission point."""
    return f"{ruc}-{doc_type}-{document_number(establishment, point, sequential)}"


def _money(value: object, *, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be positive, got {value}")
    if round_fiscal(value, MONEY_PLACES) != value or value > MAX_MONEY:
        raise ValueError(f"{what} has at most 2 decimals and 12 digits, got {value}")
    return value


@dataclass(frozen=True)
class NoteLine:
    """One line of a note: a description, an amount without tax and its IVA codigoPorcentaje."""

    description: str
    amount: Decimal
    tax_code: str

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "description", clean_text(self.description, what="line description"))
        _money(self.amount, what="line amount")
        iva_rate(self.tax_code)  # raises on an unknown codigoPorcentaje

    @property
    def tax(self) -> LineTax:
        return LineTax.iva(self.amount, self.tax_code)


@dataclass(frozen=True)
class ModifiedInvoice:
    """The factura a note modifies (docSustento)."""

    invoice_id: str
    number: str  # 001-001-000000123
    issue_date: date


@dataclass(frozen=True)
class Note:
    """A nota de crédito or débito ready to serialise; validated on construction."""

    doc_type: str
    issuer: Issuer
    buyer: Buyer
    issue_date: date
    sequential: int
    numeric_code: str
    modified: ModifiedInvoice
    reason: str
    lines: Sequence[NoteLine]

    def __post_init__(self) -> None:
        if self.doc_type not in NOTE_KINDS:
            raise ValueError(f"doc_type must be 04 or 05, got {self.doc_type!r}")
        if not isinstance(self.issue_date, date) or isinstance(self.issue_date, datetime):
            raise ValueError("issue_date must be a date (not a datetime)")
        if self.buyer.id_type == "07":
            raise ValueError("a nota de crédito or débito cannot go to consumidor final")
        if self.issue_date < self.modified.issue_date:
            raise ValueError("a note cannot be dated before the factura it modifies")
        lines = tuple(self.lines)
        if not 1 <= len(lines) <= MAX_NOTE_LINES:
            raise ValueError(f"a note has 1..{MAX_NOTE_LINES} lines")
        set_ = object.__setattr__
        set_(self, "lines", lines)
        set_(self, "reason", clean_text(self.reason, what="reason"))
        self.access_key  # noqa: B018  # validates sequential, numeric_code and the RUC
        if self.total > MAX_MONEY:
            raise ValueError(f"the note's total {self.total} exceeds the 14 digits allowed")

    @property
    def kind(self) -> str:
        return NOTE_KINDS[self.doc_type]

    @property
    def version(self) -> str:
        return NOTE_VERSIONS[self.doc_type]

    @cached_property
    def access_key(self) -> str:
        return access_key.build(
            self.issue_date,
            self.doc_type,
            self.issuer.ruc,
            self.issuer.environment,
            self.issuer.establishment,
            self.issuer.emission_point,
            self.sequential,
            self.numeric_code,
        )

    @property
    def number(self) -> str:
        return document_number(
            self.issuer.establishment, self.issuer.emission_point, self.sequential
        )

    @property
    def document_id(self) -> str:
        issuer = self.issuer
        return note_id(
            issuer.ruc, self.doc_type, issuer.establishment, issuer.emission_point, self.sequential
        )

    @property
    def line_taxes(self) -> tuple[LineTax, ...]:
        return tuple(line.tax for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        """totalSinImpuestos."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tax_totals(self) -> list[TaxTotal]:
        return summarize(self.line_taxes)

    @property
    def taxes(self) -> Decimal:
        return sum((t.value for t in self.tax_totals), ZERO)

    @property
    def total(self) -> Decimal:
        """valorModificacion (04) / valorTotal (05)."""
        return self.subtotal + self.taxes

    @property
    def bases(self) -> dict[str, Decimal]:
        """IVA base per codigoPorcentaje."""
        return iva_bases(self.line_taxes)


def iva_bases(taxes: Iterable[LineTax | TaxTotal]) -> dict[str, Decimal]:
    """The IVA base per codigoPorcentaje of some taxes (other taxes left out)."""
    bases: dict[str, Decimal] = {}
    for tax in taxes:
        if tax.tax_code == IVA:
            bases[tax.rate_code] = bases.get(tax.rate_code, ZERO) + tax.base
    return bases


def credit_room(
    invoice_bases: Mapping[str, Decimal], earlier_credits: Iterable[Mapping[str, Decimal]]
) -> dict[str, Decimal]:
    """What is left of a factura to credit, per IVA codigoPorcentaje."""
    room = dict(invoice_bases)
    for credit in earlier_credits:
        for code, base in credit.items():
            room[code] = room.get(code, ZERO) - base
    return room


def check_credit(
    lines: Sequence[NoteLine],
    invoice_bases: Mapping[str, Decimal],
    earlier_credits: Iterable[Mapping[str, Decimal]],
) -> None:
    """Raise ``CreditExceeded`` when ``lines`` credit more than is left at some IVA rate."""
    room = credit_room(invoice_bases, earlier_credits)
    asked = iva_bases(line.tax for line in lines)
    for code, base in sorted(asked.items()):
        left = max(room.get(code, ZERO), ZERO)
        if base > left:
            label = iva_rate(code).subtotal_label
            raise CreditExceeded(
                f"La nota de crédito supera lo que queda de la factura en {label}: "
                f"se pide {base:.2f}, queda {left:.2f}."
            )


def modified_invoice(invoice_id: str, ruc: str, number: str, issue_date: date) -> ModifiedInvoice:
    """The factura's reference; its id must be the factura's (ruc + number)."""
    estab, point, sequential = number.split("-")
    if document_id(ruc, estab, point, int(sequential)) != invoice_id:
        raise ValueError(f"{invoice_id} is not the factura {number} of {ruc}")
    return ModifiedInvoice(invoice_id, number, issue_date)
