"""Validation of the sign-up form (docs/design.md §1, step 1.1), with Spanish messages per field."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, TypeVar

from email_validator import EmailNotValidError, validate_email
from stdnum.ec import ci

IdType = Literal["cedula", "passport"]
T = TypeVar("T")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")

MSG_REQUIRED = "Este campo es obligatorio."


@dataclass(frozen=True)
class RegistrationForm:
    email: str
    password: str
    password_confirmation: str
    given_names: str
    surnames: str
    id_type: str
    id_number: str
    accept_terms: bool


@dataclass(frozen=True)
class ValidRegistration:
    email: str
    email_key: str
    given_names: str
    surnames: str
    id_type: IdType
    id_number: str
    password: str


def normalize_email(raw: str) -> str:
    """The address as we store and show it; raises ValueError with a Spanish message."""
    raw = raw.strip()
    if not raw:
        raise ValueError(MSG_REQUIRED)
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(
            "Ingresa un correo electrónico válido, por ejemplo ejemplo@correo.com."
        ) from None
    return result.normalized


def email_key(email: str) -> str:
    """Uniqueness key: addresses are unique regardless of letter case."""
    return email.strip().casefold()


def normalize_name(raw: str, label: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValueError(MSG_REQUIRED)
    if len(name) > 100:
        raise ValueError(f"Tus {label} pueden tener hasta 100 caracteres.")
    if not _NAME.match(name):
        raise ValueError(f"Tus {label} solo pueden tener letras, espacios, guion y apóstrofo.")
    return name


def normalize_id(id_type: str, raw: str) -> tuple[IdType, str]:
    value = "".join(raw.split()).upper()
    if id_type == "cedula":
        if not value:
            raise ValueError(MSG_REQUIRED)
        if not ci.is_valid(value):
            raise ValueError("El número de cédula no es válido. Revisa los 10 dígitos.")
        return "cedula", ci.compact(value)
    if id_type == "passport":
        if not _PASSPORT.match(value):
            raise ValueError("El pasaporte debe tener entre 5 y 20 letras o números.")
        return "passport", value
    raise ValueError("Elige cédula o pasaporte.")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, email: str, id_number: str) -> str | None:
    """Why ``password`` is not acceptable, or None (docs/design.md §6 policy)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"La contraseña puede tener hasta {MAX_PASSWORD_LENGTH} caracteres."
    lowered = password.casefold()
    local_part = email.split("@", 1)[0].casefold()
    if len(local_part) >= 3 and local_part in lowered:
        return "La contraseña no puede contener tu correo electrónico."
    if id_number and id_number.casefold() in lowered:
        return "La contraseña no puede contener tu número de identificación."
    if lowered in common_passwords():
        return "Esa contraseña es muy común. Elige una más difícil de adivinar."
    return None


def validate_registration(
    form: RegistrationForm,
) -> tuple[ValidRegistration | None, dict[str, str]]:
    """Check every field; return the normalized registration or the errors by field."""
    errors: dict[str, str] = {}
    email = _field(errors, "email", lambda: normalize_email(form.email))
    given = _field(errors, "given_names", lambda: normalize_name(form.given_names, "nombres"))
    surnames = _field(errors, "surnames", lambda: normalize_name(form.surnames, "apellidos"))
    identity = _field(errors, "id_number", lambda: normalize_id(form.id_type, form.id_number))
    if form.id_type not in ("cedula", "passport"):
        errors["id_type"] = "Elige cédula o pasaporte."
    problem = password_problem(form.password, email or form.email, identity[1] if identity else "")
    if problem:
        errors["password"] = problem
    if not form.password_confirmation:
        errors["password_confirmation"] = MSG_REQUIRED
    elif form.password_confirmation != form.password:
        errors["password_confirmation"] = "Las contraseñas no coinciden."
    if form.accept_terms is not True:
        errors["accept_terms"] = "Debes aceptar los Términos y Condiciones del Servicio."
    if errors or not (email and given and surnames and identity):
        return None, errors
    return ValidRegistration(
        email=email,
        email_key=email_key(email),
        given_names=given,
        surnames=surnames,
        id_type=identity[0],
        id_number=identity[1],
        password=form.password,
    ), {}


def _field(errors: dict[str, str], name: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValueError as exc:
        errors[name] = str(exc)
        return None
