"""The request fields billing's routes share, with the constraints the domain enforces published
in the OpenAPI (pattern, enum, length, range, format), so that a request the document calls valid
is one billing accepts (docs/api.md, "The OpenAPI documents are exact").

The constraints are published, not enforced here: the domain (``domain/inputs.py``, the
``Holder``, ``Plan`` and ``Subscription`` values, the issuer's checks) refuses a bad value with
its own Spanish message naming the field, and ``tests/e2e/test_api_contract.py`` proves the two
agree. What JSON Schema cannot state stays the domain's alone and is said in the description: a
cédula's or a RUC's check digit, a period not after the current month, a date not in the future,
a plan that exists, an end date after the start.

Patterns are ECMA 262 as JSON Schema reads them and mean the same in Python's ``re``: explicit
character classes (``\\uXXXX``), never ``\\s`` or ``\\d``, whose meaning differs between engines.
"""

from datetime import date
from typing import Annotated, Any

import phonenumbers
from pydantic import Field

from billing.domain.accounts import SERVICE_TYPES
from billing.domain.detail_lines import KINDS
from billing.domain.invoice import PAYMENT_FORMS
from billing.domain.periods import MAX_CYCLE_DAY
from billing.domain.taxes import IVA_RATES

# Characters XML 1.0 refuses (common.text): C0 controls but tab, LF and CR; U+FFFE and U+FFFF.
# Lone surrogates are refused too; JSON Schema has no portable way to say so.
_NOT_XML = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff"
# What ``str.strip`` and ``str.split`` take for blanks (Python's whitespace), DEL (the domain
# turns it into a space) and U+FEFF (a blank for ECMA's \s): none of them makes a text non-empty.
_BLANK = (
    "\\u0009-\\u000d\\u001c-\\u0020\\u007f\\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
)
XML_CHAR = f"[^{_NOT_XML}]"
_VISIBLE = f"[^{_NOT_XML}{_BLANK}]"
_EMAIL_CHAR = f"[^@{_NOT_XML}{_BLANK}]"
_YEAR = "[1-9][0-9]{3}"
_MONEY = "[0-9]{1,12}(\\.[0-9]{1,2})?"
_POSITIVE = "([1-9][0-9]{0,11}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?))"

XML_TEXT = (
    "Texto que XML 1.0 admite: sin caracteres de control (salvo tabulador y saltos de línea), "
    "sin U+FFFE, U+FFFF ni sustitutos sueltos."
)


def published(description: str | None = None, **schema: Any) -> Any:
    """A field whose constraints the domain enforces, published in the OpenAPI."""
    return Field(description=description, json_schema_extra=schema)


def _text(max_length: int, what: str) -> Any:
    return published(
        f"{what}De 1 a {max_length} caracteres sin contar los blancos de los extremos "
        f"(tabuladores y saltos de línea se vuelven espacios). {XML_TEXT}",
        pattern=f"^{XML_CHAR}*{_VISIBLE}{XML_CHAR}*$",
        maxLength=max_length,
    )


def _ecuador_numbers() -> str:
    """Ecuador's valid numbers as phonenumbers knows them (``normalize_number`` accepts exactly
    those): the national significant numbers of every kind it lists for Ecuador, after the
    country code, the national prefix 0 or nothing (tests/unit/test_openapi.py draws from it)."""
    region = phonenumbers.PhoneMetadata.metadata_for_region("EC")
    assert region is not None
    kinds = [region.fixed_line, region.mobile, region.voip, region.toll_free]
    national = [kind.national_number_pattern for kind in kinds if kind is not None]
    assert all(national), "phonenumbers lists Ecuador's numbering plan"
    number = "|".join(f"(?:{pattern})" for pattern in national).replace("\\d", "[0-9]")
    return f"(?:\\+593|0)?(?:{number})"


PHONE = _ecuador_numbers()

# Free text the invoices carry (names, addresses, descriptions).
Text = Annotated[str, _text(300, "")]
Channel = Annotated[str, _text(50, "Por dónde llegó el pago (ventanilla, transferencia…). ")]
OptionalText = Annotated[
    str,
    published(f"Hasta 300 caracteres. {XML_TEXT}", pattern=f"^{XML_CHAR}*$", maxLength=300),
]
# A path or query identifier: any text XML can carry (an unknown one is 404).
Identifier = Annotated[
    str, published(XML_TEXT, pattern=f"^{XML_CHAR}+$", minLength=1, maxLength=200)
]
IdNumber = Annotated[
    str,
    published(
        "Cédula: 10 dígitos; RUC: 13 dígitos; con su dígito verificador. Pasaporte: 3 a 20 "
        "letras o dígitos.",
        pattern="^[0-9A-Za-z]{3,20}$",
    ),
]
Email = Annotated[
    str,
    published(
        "Correo electrónico (usuario@dominio.tld).",
        pattern=f"^{_EMAIL_CHAR}{{1,64}}@{_EMAIL_CHAR}+\\.{_EMAIL_CHAR}+$",
        maxLength=254,
    ),
]
PhoneNumber = Annotated[
    str,
    published(
        "Un número válido de Ecuador: 0991234567, +593991234567, 022345678, 1800123456.",
        pattern=f"^{PHONE}$",
    ),
]
OptionalPhone = Annotated[
    str,
    published("Vacío, o un número válido de Ecuador (0991234567).", pattern=f"^({PHONE})?$"),
]
CycleDay = Annotated[int, published("Día de corte.", minimum=1, maximum=MAX_CYCLE_DAY)]
PaymentMethod = Annotated[
    str, published("Forma de pago del SRI (formaPago).", enum=sorted(PAYMENT_FORMS))
]
IdempotencyKey = Annotated[
    str,
    published(
        "De 1 a 100 caracteres ASCII visibles, sin espacios: repetir la solicitud con la misma "
        "clave devuelve el primer resultado.",
        pattern="^[\\u0021-\\u007e]{1,100}$",
    ),
]
ServiceType = Annotated[str, published(enum=list(SERVICE_TYPES))]
PlanCode = Annotated[
    str,
    published(
        "Mayúsculas, dígitos y guiones; empieza con letra o dígito; hasta 25 caracteres.",
        pattern="^[A-Z0-9][A-Z0-9-]{0,24}$",
    ),
]
TaxCode = Annotated[
    str, published("codigoPorcentaje de IVA del SRI (4: 15 %).", enum=list(IVA_RATES))
]
ChargeKind = Annotated[
    str,
    published(
        "Tipo de cargo: su código y el prefijo de su descripción en la factura "
        "(excess_data: consumo de datos adicional, roaming, long_distance: larga distancia "
        "internacional, third_party: servicios de terceros, other: la descripción tal cual).",
        enum=list(KINDS),
    ),
]
_QUANTITY_FRACTION = (
    "[1-9][0-9]{0,5}|0[1-9][0-9]{0,4}|00[1-9][0-9]{0,3}|000[1-9][0-9]{0,2}|0000[1-9][0-9]?"
    "|00000[1-9]"
)
Quantity = Annotated[
    str,
    published(
        "Cantidad consumida mayor que cero, punto decimal, hasta 6 decimales; con ella, "
        "monto ÷ cantidad debe tener un precio unitario de hasta 6 decimales que dé "
        "exactamente el monto.",
        pattern=f"^([1-9][0-9]{{0,11}}(\\.[0-9]{{1,6}})?|0\\.({_QUANTITY_FRACTION}))$",
    ),
]
Unit = Annotated[str, _text(50, "Unidad de medida de la cantidad (MB, minutos). ")]
IceRateCode = Annotated[str, published("Código del ICE (3092).", pattern="^[0-9]{1,4}$")]
IceRate = Annotated[
    str,
    published(
        "Porcentaje de 0 a menos de 100, hasta 2 decimales; debe ser la tarifa vigente del "
        "catálogo de impuestos (opcional).",
        pattern="^[0-9]{1,2}(\\.[0-9]{1,2})?$",
    ),
]
Money = Annotated[
    str,
    published("Monto no negativo, punto decimal, hasta 2 decimales.", pattern=f"^{_MONEY}$"),
]
PositiveMoney = Annotated[
    str,
    published("Monto mayor que cero, punto decimal, hasta 2 decimales.", pattern=f"^{_POSITIVE}$"),
]
SignedMoney = Annotated[
    str,
    published(
        "Monto distinto de cero, con signo, punto decimal, hasta 2 decimales.",
        pattern=f"^-?{_POSITIVE}$",
    ),
]
Period = Annotated[
    str,
    published("Mes AAAA-MM, de 2000-01 a 2999-12.", pattern="^2[0-9]{3}-(0[1-9]|1[0-2])$"),
]
# A day of the calendar in a pattern, for where no format can say it (a time without offset):
# days 1–28 of any month, 29–30 of any but February, 31 of the long months, 29 February of
# leap years (divisible by 4 but not by 100, or by 400).
_LEAP = "([1-9][0-9](0[48]|[2468][048]|[13579][26])|([13579][26]|[2468][048])00)"
_CALENDAR_DAY = (
    f"({_YEAR}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
    f"|(0[13578]|1[02])-31)|{_LEAP}-02-29)"
)
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_OFFSET = "([01][0-9]|2[0-3]):[0-5][0-9]"
_DATE = f"^{_CALENDAR_DAY}$"
Day = Annotated[str, published("Fecha AAAA-MM-DD.", pattern=_DATE, format="date")]
# The same, read by pydantic (which publishes the format).
DayValue = Annotated[date, published(pattern=_DATE)]
Timestamp = Annotated[
    str,
    published(
        "Fecha y hora ISO 8601 (2026-11-05T10:30:00-05:00); sin zona horaria, o una fecha sola, "
        "es la hora de Ecuador (UTC−5).",
        # Not format date-time: RFC 3339 requires the offset, which billing does not.
        pattern=f"^{_CALENDAR_DAY}(T{_TIME}(\\.[0-9]{{1,6}})?(Z|[+-]{_OFFSET})?)?$",
    ),
]
ThreeDigits = Annotated[str, published(pattern="^[0-9]{3}$")]
Ruc = Annotated[str, published("RUC: 13 dígitos con su dígito verificador.", pattern="^[0-9]{13}$")]
