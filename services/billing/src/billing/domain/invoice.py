"""A factura (codDoc 01) as pure data with its fiscal arithmetic (docs/sri.md §2, §3, §8).

Every amount is a ``Decimal``: cantidad and precioUnitario with up to 6 decimals, money with 2.
Line values are rounded half-up on their own and every header total is the sum of the line
values (``taxes.summarize``), so header and detail always agree (SRI error 52).

ICE is an extra tax per line (``ExtraTax``); as the IVA law requires, the IVA base of a line with
ICE is its precioTotalSinImpuesto plus the line's ICE value.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from stdnum.ec import ci as ec_ci
from stdnum.ec import ruc as ec_ruc

from billing.domain import access_key, designations, detail_lines
from billing.domain.money import DETAIL_PLACES, MONEY_PLACES, round_fiscal
from billing.domain.taxes import ICE, LineTax, TaxTotal, iva_rate, summarize
from common.text import describe, non_xml_char

DOC_TYPE_FACTURA = "01"
MAX_ADDITIONAL_INFO = 15
# docs/sri.md §3: above this total the buyer must be identified (legal basis UNVERIFIED).
CONSUMIDOR_FINAL_LIMIT = Decimal(50)
CONSUMIDOR_FINAL_ID = "9999999999999"
CONSUMIDOR_FINAL_NAME = "CONSUMIDOR FINAL"
# Tipos de identificación del comprador handled here: RUC, cédula, pasaporte, consumidor final.
BUYER_ID_TYPES = frozenset({"04", "05", "06", "07"})
# formaPago codes of docs/sri.md §3.
PAYMENT_FORMS = frozenset({"01", "15", "16", "17", "18", "19", "20", "21"})
# XSD totalDigits 14 with 2 decimals: at most 12 integer digits.
MAX_MONEY = Decimal("999999999999.99")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class NotXmlText(ValueError):
    """Text with a character XML 1.0 cannot carry (U+FFFE, a lone surrogate, NUL, ...): no
    factura could ever hold it."""

    def __init__(self, what: str, char: str) -> None:
        super().__init__(f"{what} has a character XML 1.0 does not allow: {describe(char)}")
        self.char = char


def clean_text(value: str, *, what: str, max_length: int = 300, min_length: int = 1) -> str:
    """Newlines and tabs become a space; surrounding blanks are stripped. A character XML 1.0
    does not allow (a NUL or another control, U+FFFE, a lone surrogate) is refused."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    char = non_xml_char(value)
    if char is not None:
        raise NotXmlText(what, char)
    cleaned = _CONTROL.sub(" ", value).strip()
    if not min_length <= len(cleaned) <= max_length:
        raise ValueError(f"{what} must have {min_length}..{max_length} characters, got {value!r}")
    return cleaned


def _optional_text(value: str | None, *, what: str, max_length: int = 300) -> str | None:
    if value is None:
        return None
    cleaned = clean_text(value, what=what, max_length=max_length, min_length=0)
    return cleaned or None


def _amount(value: object, *, what: str, places: int = MONEY_PLACES) -> Decimal:
    """A finite, non-negative Decimal with at most ``places`` decimals (never rounded silently)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    if round_fiscal(value, places) != value:
        raise ValueError(f"{what} has at most {places} decimals, got {value}")
    return value


def _money_fits(value: Decimal, *, what: str) -> Decimal:
    if value > MAX_MONEY:
        raise ValueError(f"{what} {value} exceeds the 14 digits the XSD allows")
    return value


def document_number(establishment: str, emission_point: str, sequential: int) -> str:
    """The printed number of a comprobante: 001-001-000000123."""
    return f"{establishment}-{emission_point}-{sequential:09d}"


def document_id(ruc: str, establishment: str, emission_point: str, sequential: int) -> str:
    """A comprobante's id, unique across issuers: 1790011674001-001-001-000000123."""
    return f"{ruc}-{document_number(establishment, emission_point, sequential)}"


def _digits(value: str, length: int) -> bool:
    return isinstance(value, str) and re.fullmatch(rf"[0-9]{{{length}}}", value) is not None


@dataclass(frozen=True)
class Issuer:
    """The emisor: infoTributaria plus the issuer fields of infoFactura."""

    ruc: str
    razon_social: str
    dir_matriz: str
    obligado_contabilidad: bool
    environment: int
    nombre_comercial: str | None = None
    establishment: str = "001"
    emission_point: str = "001"
    dir_establecimiento: str | None = None
    contribuyente_especial: str | None = None
    agente_retencion: str | None = None  # resolution numbers (domain/designations.py)
    gran_contribuyente: str | None = None

    def __post_init__(self) -> None:
        if not _digits(self.ruc, 13) or not ec_ruc.is_valid(self.ruc):
            raise ValueError(f"ruc must be a valid 13-digit Ecuadorian RUC, got {self.ruc!r}")
        set_ = object.__setattr__
        set_(self, "razon_social", clean_text(self.razon_social, what="razon_social"))
        set_(self, "dir_matriz", clean_text(self.dir_matriz, what="dir_matriz"))
        set_(
            self,
            "nombre_comercial",
            _optional_text(self.nombre_comercial, what="nombre_comercial"),
        )
        set_(
            self,
            "dir_establecimiento",
            _optional_text(self.dir_establecimiento, what="dir_establecimiento"),
        )
        if not isinstance(self.obligado_contabilidad, bool):
            raise ValueError("obligado_contabilidad must be a bool")
        if isinstance(self.environment, bool) or self.environment not in (1, 2):
            raise ValueError(f"environment must be 1 or 2, got {self.environment!r}")
        if not _digits(self.establishment, 3):
            raise ValueError(f"establishment must be 3 digits, got {self.establishment!r}")
        if not _digits(self.emission_point, 3):
            raise ValueError(f"emission_point must be 3 digits, got {self.emission_point!r}")
        if self.contribuyente_especial is not None and not re.fullmatch(
            r"[A-Za-z0-9]{3,13}", self.contribuyente_especial
        ):
            raise ValueError(
                f"contribuyente_especial must be 3..13 letters or digits, "
                f"got {self.contribuyente_especial!r}"
            )
        designations.check(self.agente_retencion, self.gran_contribuyente)

    @property
    def legends(self) -> tuple[tuple[str, str], ...]:
        """campoAdicional entries the designations call for (none when not designated)."""
        return designations.legends(self.gran_contribuyente)


@dataclass(frozen=True)
class Buyer:
    """The comprador. ``email`` is not a factura field; it goes to infoAdicional as "Email"."""

    id_type: str
    id_number: str
    name: str
    address: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if self.id_type not in BUYER_ID_TYPES:
            raise ValueError(
                f"id_type must be one of {sorted(BUYER_ID_TYPES)}, got {self.id_type!r}"
            )
        number = self.id_number
        if not isinstance(number, str):
            raise ValueError("id_number must be a string")
        number = number.strip()
        if self.id_type == "04" and not (_digits(number, 13) and ec_ruc.is_valid(number)):
            raise ValueError(f"a buyer RUC (04) must be a valid 13-digit RUC, got {number!r}")
        if self.id_type == "05" and not (_digits(number, 10) and ec_ci.is_valid(number)):
            raise ValueError(f"a cédula (05) must be a valid 10-digit cédula, got {number!r}")
        if self.id_type == "06" and not re.fullmatch(r"[0-9A-Za-z]{1,20}", number):
            raise ValueError(f"a pasaporte (06) must be 1..20 letters or digits, got {number!r}")
        if (self.id_type == "07") != (number == CONSUMIDOR_FINAL_ID):
            raise ValueError(f"consumidor final is id_type 07 with id {CONSUMIDOR_FINAL_ID}")
        set_ = object.__setattr__
        set_(self, "id_number", number)
        set_(self, "name", clean_text(self.name, what="buyer name"))
        set_(self, "address", _optional_text(self.address, what="buyer address"))
        set_(self, "email", _optional_text(self.email, what="buyer email"))

    @classmethod
    def consumidor_final(cls) -> "Buyer":
        return cls("07", CONSUMIDOR_FINAL_ID, CONSUMIDOR_FINAL_NAME)


class ExtraTax(NamedTuple):
    """A non-IVA tax on a line: (codigo, codigoPorcentaje, rate in percent). Only ICE (3)."""

    tax_code: str
    rate_code: str
    rate: Decimal


def _extra_tax(entry: ExtraTax) -> ExtraTax:
    tax = ExtraTax(*entry)
    if tax.tax_code != ICE:
        # IRBPNR (5) is a fixed amount per bottle, not a percentage: not modelled.
        raise ValueError(f"only ICE ({ICE}) is supported as an extra tax, got {tax.tax_code!r}")
    if not isinstance(tax.rate_code, str) or not re.fullmatch(r"[0-9]{1,4}", tax.rate_code):
        raise ValueError(f"an ICE codigoPorcentaje is 1..4 digits, got {tax.rate_code!r}")
    rate = _amount(tax.rate, what="ICE rate")
    if rate >= 100:
        raise ValueError(f"ICE rate must be below 100%, got {rate}")
    return ExtraTax(tax.tax_code, tax.rate_code, rate)


@dataclass(frozen=True)
class InvoiceLine:
    """One detalle: quantity and unit price with ≤ 6 decimals, discount with ≤ 2."""

    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_code: str
    discount: Decimal = Decimal("0.00")
    extra_taxes: Sequence[ExtraTax] = ()
    info: detail_lines.LineInfo = detail_lines.NO_INFO  # unidadMedida, detallesAdicionales

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "code", clean_text(self.code, what="line code", max_length=25))
        set_(self, "description", clean_text(self.description, what="line description"))
        quantity = _amount(self.quantity, what="quantity", places=DETAIL_PLACES)
        if quantity == 0:
            raise ValueError("quantity must be positive")
        _amount(self.unit_price, what="unit_price", places=DETAIL_PLACES)
        _amount(self.discount, what="discount")
        iva_rate(self.tax_code)  # raises on an unknown codigoPorcentaje
        extras = tuple(_extra_tax(entry) for entry in self.extra_taxes)
        if len({(t.tax_code, t.rate_code) for t in extras}) != len(extras):
            raise ValueError("a line cannot carry the same extra tax twice")
        set_(self, "extra_taxes", extras)
        if self.discount > self.quantity * self.unit_price:
            raise ValueError(
                f"discount {self.discount} exceeds quantity × unit_price of line {self.code!r}"
            )
        _money_fits(self.precio_total_sin_impuesto, what="precioTotalSinImpuesto")

    @property
    def gross(self) -> Decimal:
        """quantity × unit_price rounded to 2 decimals (before the discount)."""
        return round_fiscal(self.quantity * self.unit_price)

    @property
    def precio_total_sin_impuesto(self) -> Decimal:
        return round_fiscal(self.quantity * self.unit_price - self.discount)

    @property
    def taxes(self) -> tuple[LineTax, ...]:
        """The line's impuestos: IVA (on the base plus the ICE value) first, then extra taxes."""
        base = self.precio_total_sin_impuesto
        extras = tuple(
            LineTax(t.tax_code, t.rate_code, t.rate, base, round_fiscal(base * t.rate / 100))
            for t in self.extra_taxes
        )
        iva_base = base + sum((t.value for t in extras), Decimal("0.00"))
        return (LineTax.iva(iva_base, self.tax_code), *extras)


@dataclass(frozen=True)
class Payment:
    """One pagos/pago: formaPago code, amount and optional term (plazo + unidadTiempo)."""

    forma_pago: str
    total: Decimal
    plazo: Decimal | None = None
    unidad_tiempo: str | None = None

    def __post_init__(self) -> None:
        if self.forma_pago not in PAYMENT_FORMS:
            raise ValueError(
                f"forma_pago must be one of {sorted(PAYMENT_FORMS)}, got {self.forma_pago!r}"
            )
        _money_fits(_amount(self.total, what="payment total"), what="payment total")
        if self.plazo is not None:
            _money_fits(_amount(self.plazo, what="plazo"), what="plazo")
        unit = _optional_text(self.unidad_tiempo, what="unidad_tiempo", max_length=10)
        object.__setattr__(self, "unidad_tiempo", unit)
        if (self.plazo is None) != (unit is None):
            raise ValueError("plazo and unidad_tiempo go together")


@dataclass(frozen=True)
class Invoice:
    """A factura ready to serialise; validated on construction."""

    issuer: Issuer
    buyer: Buyer
    issue_date: date
    sequential: int
    numeric_code: str
    lines: Sequence[InvoiceLine]
    payments: Sequence[Payment] = ()
    additional_info: Sequence[tuple[str, str]] = ()
    consumidor_final_limit: Decimal = field(default=CONSUMIDOR_FINAL_LIMIT)

    def __post_init__(self) -> None:
        if not isinstance(self.issue_date, date) or isinstance(self.issue_date, datetime):
            raise ValueError("issue_date must be a date (not a datetime)")
        lines = tuple(self.lines)
        if not lines:
            raise ValueError("an invoice needs at least one line")
        set_ = object.__setattr__
        set_(self, "lines", lines)
        set_(self, "payments", tuple(self.payments))
        info = tuple(
            (
                clean_text(name, what="campoAdicional nombre"),
                clean_text(value, what="campoAdicional value"),
            )
            for name, value in self.additional_info
        )
        set_(self, "additional_info", info)
        if len(self.info_adicional) > MAX_ADDITIONAL_INFO:
            raise ValueError(
                f"at most {MAX_ADDITIONAL_INFO} campos adicionales "
                "(including the buyer's email and the issuer's legends)"
            )
        self.access_key  # noqa: B018  # validates sequential, numeric_code and the RUC
        total = _money_fits(self.importe_total, what="importeTotal")
        limit = _amount(self.consumidor_final_limit, what="consumidor_final_limit")
        if self.buyer.id_type == "07" and total > limit:
            raise ValueError(
                f"consumidor final invoices are limited to USD {limit}; identify the buyer "
                f"(importe total {total})"
            )
        if self.payments:
            paid = sum((p.total for p in self.payments), Decimal("0.00"))
            if paid != total:
                raise ValueError(f"payments add up to {paid}, the importe total is {total}")

    @cached_property
    def access_key(self) -> str:
        return access_key.build(
            self.issue_date,
            DOC_TYPE_FACTURA,
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
        return document_id(
            self.issuer.ruc, self.issuer.establishment, self.issuer.emission_point, self.sequential
        )

    @property
    def info_adicional(self) -> tuple[tuple[str, str], ...]:
        """campoAdicional entries: the buyer's email (if any), the issuer's legends, then
        ``additional_info``."""
        email = (("Email", self.buyer.email),) if self.buyer.email else ()
        return (*email, *self.issuer.legends, *self.additional_info)

    @property
    def line_taxes(self) -> tuple[LineTax, ...]:
        return tuple(tax for line in self.lines for tax in line.taxes)

    @property
    def total_sin_impuestos(self) -> Decimal:
        return sum((line.precio_total_sin_impuesto for line in self.lines), Decimal("0.00"))

    @property
    def total_descuento(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal("0.00"))

    @property
    def total_con_impuestos(self) -> list[TaxTotal]:
        """totalImpuesto per (codigo, codigoPorcentaje): sums of the line bases and values."""
        return summarize(self.line_taxes)

    @property
    def total_impuestos(self) -> Decimal:
        return sum((t.value for t in self.total_con_impuestos), Decimal("0.00"))

    @property
    def importe_total(self) -> Decimal:
        return self.total_sin_impuestos + self.total_impuestos
