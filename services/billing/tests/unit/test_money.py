"""Half-up fiscal rounding and parsing operator-typed amounts, on Decimal only."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.money import parse_amount, price6, quantity6, round_fiscal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),  # float(2.675) is 2.67499…: the reason floats are banned
        ("2.665", "2.67"),  # half-even would give 2.66
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-2.675", "-2.68"),  # half-up is away from zero
        ("-0.004", "0.00"),  # no negative zero
        ("10", "10.00"),
    ],
)
def test_round_fiscal_half_up(value: str, expected: str) -> None:
    result = round_fiscal(Decimal(value))
    assert str(result) == expected


def test_six_decimal_fields() -> None:
    assert str(quantity6(Decimal("1.0000005"))) == "1.000001"
    assert str(price6(Decimal("12.5"))) == "12.500000"


@pytest.mark.parametrize("bad", [2.675, 1, "2.675", Decimal("NaN"), Decimal("Infinity")])
def test_round_fiscal_refuses_non_decimals(bad: object) -> None:
    with pytest.raises(ValueError):
        round_fiscal(bad)  # type: ignore[arg-type]


def test_round_fiscal_refuses_huge_values() -> None:
    with pytest.raises(ValueError, match="too large"):
        round_fiscal(Decimal("1e40"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.50", "12.50"), ("12.5", "12.50"), ("12", "12.00"), (" 0.01 ", "0.01"), ("0", "0.00")],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12,50",
        "1,000.00",
        "12.505",
        "-1.00",
        "1e3",
        "NaN",
        "Infinity",
        "",
        ".5",
        "1_000",
        "١٢",
        "1234567890123.00",  # 15 digits: more than the XSD's 14
    ],
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("value", [12.5, 12, Decimal("12.5")])
def test_parse_amount_rejects_non_text(value: object) -> None:
    with pytest.raises(ValueError, match="text"):
        parse_amount(value)  # type: ignore[arg-type]


def test_parse_amount_options() -> None:
    assert parse_amount("-3.10", allow_negative=True) == Decimal("-3.10")
    assert str(parse_amount("-0.00", allow_negative=True)) == "0.00"
    assert str(parse_amount("1.123456", places=6)) == "1.123456"
    assert str(parse_amount("123456789012.00")) == "123456789012.00"  # 14 digits fit


amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False
)


@settings(max_examples=300)
@given(amounts)
def test_rounding_is_half_up_and_stays_decimal(value: Decimal) -> None:
    result = round_fiscal(value)
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2
    assert abs(result - value) <= Decimal("0.005")
    if abs(result - value) == Decimal("0.005"):
        assert abs(result) > abs(value)  # ties go away from zero


@settings(max_examples=300)
@given(st.decimals(min_value=0, max_value=Decimal("1e11"), places=2))
def test_parse_amount_round_trips_its_text(value: Decimal) -> None:
    assert parse_amount(str(value)) == value
    assert isinstance(parse_amount(f"{value:f}"), Decimal)
