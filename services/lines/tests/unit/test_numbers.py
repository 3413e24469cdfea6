"""Service types and numbers as people type them: E.164, the kind each service type takes,
masking and prefixes."""

import pytest

from common.errors import InvalidInput
from lines.domain.numbers import PhoneNumber, ServiceType, parse_number


def test_the_service_types_and_their_names() -> None:
    assert [(t.value, t.label) for t in ServiceType] == [
        ("movil", "Móvil"),
        ("fijo", "Fijo"),
        ("internet", "Internet"),
        ("tv", "TV"),
    ]
    assert ServiceType.parse(" Internet ") is ServiceType.INTERNET


def test_an_unknown_service_type_names_the_choices() -> None:
    with pytest.raises(InvalidInput) as refused:
        ServiceType.parse("satelital")
    assert refused.value.fields == {
        "service_type": "Elige un tipo de servicio: Móvil, Fijo, Internet o TV."
    }


@pytest.mark.parametrize(
    "typed", ["0991234567", "991234567", "+593 99 123 4567", "099-123-4567", "(099) 123 4567"]
)
def test_a_mobile_number_as_typed_becomes_e164(typed: str) -> None:
    assert parse_number(typed, ServiceType.MOVIL).e164 == "+593991234567"


@pytest.mark.parametrize("kind", [ServiceType.FIJO, ServiceType.INTERNET, ServiceType.TV])
@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(02) 234-5678", "+59322345678"),
        ("022345678", "+59322345678"),
        ("042345678", "+59342345678"),
        ("+593 7 234 5678", "+59372345678"),
    ],
)
def test_fixed_services_take_fixed_numbers(kind: ServiceType, typed: str, e164: str) -> None:
    assert parse_number(typed, kind).e164 == e164


def test_a_fixed_number_is_not_a_mobile_service() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number("(02) 234-5678", ServiceType.MOVIL)
    message = (refused.value.fields or {})["number"]
    assert "Móvil" in message and "celular" in message


@pytest.mark.parametrize("kind", [ServiceType.FIJO, ServiceType.INTERNET, ServiceType.TV])
def test_a_mobile_number_is_not_a_fixed_service(kind: ServiceType) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number("0991234567", kind)
    message = (refused.value.fields or {})["number"]
    assert f"servicio {kind.label}" in message and "fijo" in message


@pytest.mark.parametrize("typed", ["12", "abc", "0991234", "+57 300 123 4567", "099123456789"])
def test_what_is_not_an_ecuadorian_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number(typed, ServiceType.MOVIL)
    assert "Móvil" in (refused.value.fields or {})["number"]


def test_an_empty_number_is_asked_for() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number("  ", ServiceType.TV)
    assert refused.value.fields == {"number": "Ingresa el número de tu servicio."}


def test_masking_shows_the_first_two_and_last_three_national_digits() -> None:
    assert PhoneNumber("+593991234567").masked == "09•••••567"
    assert PhoneNumber("+59322345678").masked == "02••••678"


def test_national_format_prefix_and_kind() -> None:
    mobile, fixed = PhoneNumber("+593991234567"), PhoneNumber("+59322345678")
    assert mobile.national == "099 123 4567"
    assert mobile.prefix == "+59399123"
    assert mobile.is_mobile and not fixed.is_mobile
