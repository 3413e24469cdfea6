"""The SRI clave de acceso: 49 digits that identify a comprobante (docs/sri.md §1).

In the offline scheme it is also the numeroAutorizacion, so it is built once when the document is
issued and stored; every part is validated here so a bad key never reaches SRI (error 35/43).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum

from stdnum.ec import ruc as ec_ruc

KEY_LENGTH = 49
# Tipos de comprobante named in docs/sri.md §1.
DOC_TYPES = frozenset({"01", "04", "05", "06", "07"})
NORMAL_EMISSION = 1
MAX_SEQUENTIAL = 999_999_999
MAX_NUMERIC_CODE = 99_999_999


class Environment(IntEnum):
    """ambiente: SRI's test and production systems."""

    TEST = 1
    PRODUCTION = 2


def _digits(value: str, length: int) -> bool:
    # str.isdigit() would accept non-ASCII digits such as "²" or Arabic-Indic digits.
    return re.fullmatch(rf"[0-9]{{{length}}}", value) is not None


def _environment(value: int) -> Environment:
    if isinstance(value, bool) or value not in (1, 2):
        raise ValueError(f"environment must be 1 (test) or 2 (production), got {value!r}")
    return Environment(value)


def check_digit(digits48: str) -> int:
    """Modulo 11 over the first 48 digits: weights 2..7 cycling from the right; 11→0, 10→1."""
    if not _digits(digits48, KEY_LENGTH - 1):
        raise ValueError("the check digit needs exactly 48 ASCII digits")
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits48)))
    d = 11 - total % 11
    return {11: 0, 10: 1}.get(d, d)


def has_valid_check_digit(key: str) -> bool:
    """True when ``key`` is 49 ASCII digits whose last one is the check digit of the rest.

    Only the check digit: ``parse`` also validates the fields.
    """
    return _digits(key, KEY_LENGTH) and check_digit(key[:-1]) == int(key[-1])


@dataclass(frozen=True)
class AccessKeyParts:
    """The fields of a clave de acceso, validated on construction."""

    issue_date: date
    doc_type: str
    ruc: str
    environment: Environment
    establishment: str
    emission_point: str
    sequential: int
    numeric_code: str
    emission_type: int = NORMAL_EMISSION

    def __post_init__(self) -> None:
        if not isinstance(self.issue_date, date) or isinstance(self.issue_date, datetime):
            raise ValueError("issue_date must be a date (not a datetime)")
        if self.doc_type not in DOC_TYPES:
            raise ValueError(f"doc_type must be one of {sorted(DOC_TYPES)}, got {self.doc_type!r}")
        if not _digits(self.ruc, 13) or not ec_ruc.is_valid(self.ruc):
            raise ValueError(f"ruc must be a valid 13-digit Ecuadorian RUC, got {self.ruc!r}")
        object.__setattr__(self, "environment", _environment(self.environment))
        if not _digits(self.establishment, 3):
            raise ValueError(f"establishment must be 3 digits, got {self.establishment!r}")
        if not _digits(self.emission_point, 3):
            raise ValueError(f"emission_point must be 3 digits, got {self.emission_point!r}")
        if (
            isinstance(self.sequential, bool)
            or not isinstance(self.sequential, int)
            or not 1 <= self.sequential <= MAX_SEQUENTIAL
        ):
            raise ValueError(
                f"sequential must be an int in 1..{MAX_SEQUENTIAL}, got {self.sequential!r}"
            )
        if not _digits(self.numeric_code, 8):
            raise ValueError(f"numeric_code must be 8 digits, got {self.numeric_code!r}")
        if self.emission_type != NORMAL_EMISSION:
            raise ValueError(f"emission_type must be 1 (normal), got {self.emission_type!r}")

    def digits48(self) -> str:
        """Positions 1–48, in the order of docs/sri.md §1."""
        return (
            f"{self.issue_date:%d%m}{self.issue_date.year:04d}"
            f"{self.doc_type}{self.ruc}{int(self.environment)}"
            f"{self.establishment}{self.emission_point}{self.sequential:09d}"
            f"{self.numeric_code}{self.emission_type}"
        )

    def key(self) -> str:
        digits = self.digits48()
        return f"{digits}{check_digit(digits)}"


def build(
    issue_date: date,
    doc_type: str,
    ruc: str,
    environment: int,
    establishment: str,
    emission_point: str,
    sequential: int,
    numeric_code: str | int,
    emission_type: int = NORMAL_EMISSION,
) -> str:
    """The 49-digit key; ``numeric_code`` may be an int (zero-padded to 8 digits)."""
    if isinstance(numeric_code, bool):
        raise ValueError("numeric_code must be 8 digits or an int, not a bool")
    if isinstance(numeric_code, int):
        if not 0 <= numeric_code <= MAX_NUMERIC_CODE:
            raise ValueError(f"numeric_code must be in 0..{MAX_NUMERIC_CODE}, got {numeric_code}")
        numeric_code = f"{numeric_code:08d}"
    return AccessKeyParts(
        issue_date=issue_date,
        doc_type=doc_type,
        ruc=ruc,
        environment=_environment(environment),
        establishment=establishment,
        emission_point=emission_point,
        sequential=sequential,
        numeric_code=numeric_code,
        emission_type=emission_type,
    ).key()


def parse(key: str) -> AccessKeyParts:
    """Validate a whole key (check digit and every field) and split it into its parts."""
    if not isinstance(key, str) or not _digits(key, KEY_LENGTH):
        raise ValueError("an access key must be exactly 49 ASCII digits")
    if not has_valid_check_digit(key):
        raise ValueError(f"wrong check digit: expected {check_digit(key[:-1])}, got {key[-1]}")
    try:
        issue_date = date(int(key[4:8]), int(key[2:4]), int(key[0:2]))
    except ValueError:
        raise ValueError(f"invalid issue date {key[0:8]!r} (ddmmyyyy)") from None
    return AccessKeyParts(
        issue_date=issue_date,
        doc_type=key[8:10],
        ruc=key[10:23],
        environment=_environment(int(key[23])),
        establishment=key[24:27],
        emission_point=key[27:30],
        sequential=int(key[30:39]),
        numeric_code=key[39:47],
        emission_type=int(key[47]),
    )
