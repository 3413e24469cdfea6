"""The operator's customers: account holders, accounts, subscriptions and the plan catalog.

Pure data with validation on construction; raising ``ValueError`` with a message naming the field
lets the API answer 422 with the field's name.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

import phonenumbers
from stdnum.ec import ci as ec_ci
from stdnum.ec import ruc as ec_ruc

from billing.domain.invoice import PAYMENT_FORMS, Buyer, ExtraTax, clean_text
from billing.domain.periods import check_cycle_day
from billing.domain.taxes import iva_rate

IdType = Literal["cedula", "ruc", "passport"]
ID_TYPES: tuple[IdType, ...] = ("cedula", "ruc", "passport")
# tipoIdentificacionComprador (REFERENCE §3) per holder id type.
SRI_BUYER_ID_TYPE = {"ruc": "04", "cedula": "05", "passport": "06"}
SERVICE_TYPES = ("movil", "fijo", "internet", "tv")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PLAN_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,24}")


class FieldError(ValueError):
    """Invalid input for one named field (the API's 422 ``fields``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_id(id_type: str, id_number: str) -> str:
    """The normalised identification, or FieldError with a Spanish message."""
    number = id_number.strip() if isinstance(id_number, str) else ""
    if id_type == "cedula":
        if not (re.fullmatch(r"[0-9]{10}", number) and ec_ci.is_valid(number)):
            raise FieldError("id_number", "La cédula no es válida.")
    elif id_type == "ruc":
        if not (re.fullmatch(r"[0-9]{13}", number) and ec_ruc.is_valid(number)):
            raise FieldError("id_number", "El RUC no es válido.")
    elif id_type == "passport":
        number = number.upper()
        if not re.fullmatch(r"[0-9A-Z]{3,20}", number):
            raise FieldError("id_number", "El pasaporte debe tener de 3 a 20 letras o dígitos.")
    else:
        raise FieldError("id_type", "El tipo de identificación debe ser cedula, ruc o passport.")
    return number


def normalize_number(text: str, field: str = "number") -> str:
    """An Ecuadorian phone number in any usual form → E.164 (+593…), or FieldError."""
    try:
        parsed = phonenumbers.parse(text, "EC")
    except (phonenumbers.NumberParseException, TypeError):
        raise FieldError(field, "El número de teléfono no es válido.") from None
    if parsed.country_code != 593 or not phonenumbers.is_valid_number(parsed):
        raise FieldError(field, "El número no es un teléfono válido de Ecuador.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _text(value: str, field: str, max_length: int = 300) -> str:
    try:
        return clean_text(value, what=field, max_length=max_length)
    except ValueError:
        raise FieldError(field, f"Debe tener entre 1 y {max_length} caracteres.") from None


@dataclass(frozen=True)
class Holder:
    """The titular of an account, the invoice's buyer."""

    id_type: IdType
    id_number: str
    name: str
    address: str
    email: str
    phone: str

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "id_number", check_id(self.id_type, self.id_number))
        set_(self, "name", _text(self.name, "name"))
        set_(self, "address", _text(self.address, "address"))
        email = self.email.strip() if isinstance(self.email, str) else ""
        if not _EMAIL.fullmatch(email) or len(email) > 254:
            raise FieldError("email", "El correo electrónico no es válido.")
        set_(self, "email", email)
        set_(self, "phone", normalize_number(self.phone, "phone") if self.phone else "")

    def buyer(self) -> Buyer:
        return Buyer(
            SRI_BUYER_ID_TYPE[self.id_type], self.id_number, self.name, self.address, self.email
        )


@dataclass(frozen=True)
class Plan:
    """A catalog item billed monthly. ``tax_code`` is IVA's codigoPorcentaje; ICE is extra."""

    code: str
    name: str
    service_type: str
    monthly_fee: Decimal
    tax_code: str = "4"
    extra_taxes: Sequence[ExtraTax] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _PLAN_CODE.fullmatch(self.code):
            raise FieldError("code", "El código del plan usa mayúsculas, dígitos y guiones.")
        object.__setattr__(self, "name", _text(self.name, "name"))
        if self.service_type not in SERVICE_TYPES:
            raise FieldError("service_type", f"Debe ser uno de: {', '.join(SERVICE_TYPES)}.")
        if not isinstance(self.monthly_fee, Decimal) or self.monthly_fee < 0:
            raise FieldError("monthly_fee", "La tarifa mensual no puede ser negativa.")
        try:
            iva_rate(self.tax_code)
        except ValueError:
            raise FieldError("tax_code", "Código de IVA desconocido.") from None
        object.__setattr__(self, "extra_taxes", tuple(ExtraTax(*t) for t in self.extra_taxes))


@dataclass(frozen=True)
class Subscription:
    """A number on a plan from ``start_date`` to ``end_date`` (both included; None = open)."""

    subscription_id: str
    number: str
    service_type: str
    plan_code: str
    start_date: date
    end_date: date | None = None
    # A fixed monthly discount (promotion), prorated like the fee; the line's descuento.
    monthly_discount: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", normalize_number(self.number))
        if self.service_type not in SERVICE_TYPES:
            raise FieldError("service_type", f"Debe ser uno de: {', '.join(SERVICE_TYPES)}.")
        if self.end_date is not None and self.end_date < self.start_date:
            raise FieldError("end_date", "La fecha de fin es anterior a la de inicio.")
        if self.monthly_discount < 0:
            raise FieldError("monthly_discount", "El descuento no puede ser negativo.")

    def active_between(self, first: date, last: date) -> bool:
        return self.start_date <= last and (self.end_date is None or self.end_date >= first)

    def ended(self, end_date: date) -> "Subscription":
        if end_date < self.start_date:
            raise FieldError("end_date", "La fecha de fin es anterior a la de inicio.")
        return replace(self, end_date=end_date)


@dataclass(frozen=True)
class Account:
    account_id: str
    holder: Holder
    cycle_day: int
    payment_method: str
    subscriptions: tuple[Subscription, ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            check_cycle_day(self.cycle_day)
        except ValueError:
            raise FieldError("cycle_day", "El día de corte debe estar entre 1 y 28.") from None
        if self.payment_method not in PAYMENT_FORMS:
            raise FieldError(
                "payment_method",
                f"Forma de pago SRI desconocida; use una de {', '.join(sorted(PAYMENT_FORMS))}.",
            )
        object.__setattr__(self, "subscriptions", tuple(self.subscriptions))

    def active_subscriptions(self, first: date, last: date) -> tuple[Subscription, ...]:
        return tuple(s for s in self.subscriptions if s.active_between(first, last))
