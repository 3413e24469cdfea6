"""Every sign-up validation rule, with the Spanish message of its field."""

import pytest

from identity.domain.validation import (
    RegistrationForm,
    email_key,
    normalize_email,
    normalize_id,
    normalize_name,
    password_problem,
    validate_registration,
)

VALID = dict(
    email="Maria.Perez@Correo.com",
    password="Cotopaxi-Nevado-5897",
    password_confirmation="Cotopaxi-Nevado-5897",
    given_names="María José",
    surnames="Pérez Ñáñez",
    id_type="cedula",
    id_number="1714307103",
    accept_terms=True,
)


def form(**changes: object) -> RegistrationForm:
    return RegistrationForm(**{**VALID, **changes})  # type: ignore[arg-type]


def errors(**changes: object) -> dict[str, str]:
    return validate_registration(form(**changes))[1]


def test_valid_form_is_normalized() -> None:
    valid, problems = validate_registration(form(given_names="  María   José "))
    assert problems == {}
    assert valid is not None
    assert valid.given_names == "María José"
    assert valid.email == "Maria.Perez@correo.com"  # the domain part is lower-cased
    assert valid.email_key == "maria.perez@correo.com"
    assert valid.id_number == "1714307103"


@pytest.mark.parametrize("email", ["", "sin-arroba", "a@b", "dos@@correo.com", "x@correo..com"])
def test_bad_email(email: str) -> None:
    assert "email" in errors(email=email)


def test_email_key_ignores_case() -> None:
    assert email_key("ANA@Correo.COM") == email_key("ana@correo.com")
    assert normalize_email(" ana@Correo.com ") == "ana@correo.com"


@pytest.mark.parametrize(
    "name", ["José", "María-José", "O'Brien", "D’Alembert", "Ñusta Quispe", "Zoë Ángel"]
)
def test_names_accept_letters_accents_hyphen_apostrophe(name: str) -> None:
    assert normalize_name(name, "nombres") == name


@pytest.mark.parametrize(
    "name", ["", "   ", "Juan3", "Ana_María", "<script>", "Luis--Ana", "a" * 101]
)
def test_names_reject_others(name: str) -> None:
    with pytest.raises(ValueError):
        normalize_name(name, "nombres")


def test_name_error_names_the_field_in_spanish() -> None:
    problems = errors(given_names="Juan3", surnames="")
    assert "letras" in problems["given_names"]
    assert problems["surnames"] == "Este campo es obligatorio."


@pytest.mark.parametrize("cedula", ["1714307103", "0926687856", "1710034065"])
def test_valid_cedulas(cedula: str) -> None:
    assert normalize_id("cedula", cedula) == ("cedula", cedula)


@pytest.mark.parametrize(
    "cedula",
    ["1714307104", "171430710", "17143071030", "2514307103", "1794307103", "abcdefghij", ""],
)
def test_bad_cedulas(cedula: str) -> None:
    problems = errors(id_number=cedula)
    assert "id_number" in problems


def test_bad_check_digit_message() -> None:
    assert errors(id_number="1714307104")["id_number"].startswith(
        "El número de cédula no es válido"
    )


@pytest.mark.parametrize("passport", ["AB123", "x1234567", "A" * 20, "pa 12 34 56"])
def test_valid_passports(passport: str) -> None:
    kind, number = normalize_id("passport", passport)
    assert kind == "passport" and number == "".join(passport.split()).upper()


@pytest.mark.parametrize("passport", ["AB12", "A" * 21, "AB-12345", "ÑANDÚ123", ""])
def test_bad_passports(passport: str) -> None:
    assert "id_number" in errors(id_type="passport", id_number=passport)


def test_unknown_id_type() -> None:
    assert "id_type" in errors(id_type="dni")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Corta-1", "al menos 10"),
        ("x" * 129, "hasta 128"),
        ("mi-maria.perez-clave", "correo"),
        ("Clave1714307103", "identificación"),
        ("password123", "muy común"),
        ("QWERTYUIOP", "muy común"),
        ("contraseña123", "muy común"),
    ],
)
def test_password_policy(password: str, fragment: str) -> None:
    problem = password_problem(password, "maria.perez@correo.com", "1714307103")
    assert problem is not None and fragment in problem


def test_strong_password_passes() -> None:
    assert password_problem("Cotopaxi-Nevado-5897", "maria.perez@correo.com", "1714307103") is None


def test_confirmation_must_match() -> None:
    assert errors(password_confirmation="otra-cosa-123")["password_confirmation"] == (
        "Las contraseñas no coinciden."
    )
    assert "password_confirmation" in errors(password_confirmation="")


def test_terms_must_be_accepted() -> None:
    assert "Términos y Condiciones" in errors(accept_terms=False)["accept_terms"]


def test_all_errors_reported_at_once() -> None:
    problems = errors(
        email="x", given_names="", id_number="1", password="corta", accept_terms=False
    )
    assert {"email", "given_names", "id_number", "password", "accept_terms"} <= set(problems)
