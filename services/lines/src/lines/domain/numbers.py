"""Service types (guide step 1.4) and phone numbers as people type them (step 2.1).

Numbers are read with ``phonenumbers`` as Ecuadorian (region EC) and kept in E.164. A mobile
service takes a mobile number; fixed, internet and TV services are known by their fixed number
(the demo's internet and TV lines are 04 234 5678 and 07 234 5678).
"""

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType

from common.errors import InvalidInput

REGION = "EC"
_COUNTRY_CODE = 593
MASK = "•"


class ServiceType(StrEnum):
    MOVIL = "movil"
    FIJO = "fijo"
    INTERNET = "internet"
    TV = "tv"

    @property
    def label(self) -> str:
        """The name the portal shows (guide step 1.4: the kind of service to add)."""
        return _LABELS[self]

    @property
    def is_mobile(self) -> bool:
        return self is ServiceType.MOVIL

    @classmethod
    def parse(cls, text: str) -> "ServiceType":
        try:
            return cls(text.strip().lower())
        except ValueError:
            *first, last = [t.label for t in cls]
            names = f"{', '.join(first)} o {last}"
            raise InvalidInput.field(
                "service_type", f"Elige un tipo de servicio: {names}."
            ) from None


_LABELS = {
    ServiceType.MOVIL: "Móvil",
    ServiceType.FIJO: "Fijo",
    ServiceType.INTERNET: "Internet",
    ServiceType.TV: "TV",
}
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_FIXED = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class PhoneNumber:
    """An Ecuadorian number in E.164 (``+593991234567``)."""

    e164: str

    @property
    def national(self) -> str:
        """As people in Ecuador write it, e.g. ``099 123 4567`` or ``(02) 234-5678``."""
        parsed = phonenumbers.parse(self.e164)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

    @property
    def masked(self) -> str:
        """Where a code went, without giving the number away: ``09•••••567``."""
        digits = "".join(c for c in self.national if c.isdigit())
        return digits[:2] + MASK * (len(digits) - 5) + digits[-3:]

    @property
    def prefix(self) -> str:
        """The number without its last 4 digits: the range an SMS-pumping attack walks."""
        return self.e164[:-4]

    @property
    def is_mobile(self) -> bool:
        try:
            parsed = phonenumbers.parse(self.e164)
        except phonenumbers.NumberParseException:
            return False  # e.g. a contact number billing stored in some other form
        return phonenumbers.number_type(parsed) in _MOBILE


def parse_number(text: str, service_type: ServiceType) -> PhoneNumber:
    """``0991234567``, ``991234567``, ``+593 99 123 4567`` or ``(02) 234-5678`` → E.164; the
    number must be of the kind the service type has. Refuses with ``fields.number``."""
    raw = text.strip()
    if not raw:
        raise InvalidInput.field("number", "Ingresa el número de tu servicio.")
    try:
        parsed = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        raise _not_a_number(service_type) from None
    if parsed.country_code != _COUNTRY_CODE or not phonenumbers.is_valid_number(parsed):
        raise _not_a_number(service_type)
    wanted = _MOBILE if service_type.is_mobile else _FIXED
    if phonenumbers.number_type(parsed) not in wanted:
        raise _wrong_kind(service_type)
    return PhoneNumber(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def _not_a_number(service_type: ServiceType) -> InvalidInput:
    return InvalidInput.field(
        "number",
        f"Ingresa un número de Ecuador válido para tu servicio {service_type.label}, "
        f"por ejemplo {_EXAMPLES[service_type.is_mobile]}.",
    )


def _wrong_kind(service_type: ServiceType) -> InvalidInput:
    if service_type.is_mobile:
        message = (
            "Para el servicio Móvil ingresa un número celular, por ejemplo 0991234567. "
            "Si es un teléfono fijo, elige Fijo, Internet o TV."
        )
    else:
        message = (
            f"Para el servicio {service_type.label} ingresa el número fijo del servicio, con "
            "su código de provincia, por ejemplo 022345678. Si es un celular, elige Móvil."
        )
    return InvalidInput.field("number", message)


_EXAMPLES = {True: "0991234567", False: "022345678"}
