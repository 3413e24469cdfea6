"""The clave de acceso: docs/sri.md §1 worked examples, field checks, check-digit properties."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain import access_key
from billing.domain.access_key import Environment, check_digit, has_valid_check_digit, parse

RUC = "1760013210001"
FIRST = dict(
    issue_date=date(2016, 1, 6),
    doc_type="01",
    ruc=RUC,
    environment=1,
    establishment="001",
    emission_point="123",
    sequential=8,
    numeric_code="12345678",
)
FIRST_KEY = "0601201601176001321000110011230000000081234567817"


def test_worked_example_factura() -> None:
    assert access_key.build(**FIRST) == FIRST_KEY  # type: ignore[arg-type]


def test_worked_example_nota_de_debito() -> None:
    key = access_key.build(
        date(2012, 2, 17), "05", RUC, 1, "001", "003", 100001, "12345678", emission_type=1
    )
    assert key == "1702201205176001321000110010030001000011234567816"


@pytest.mark.parametrize(("code", "digit"), [("12345682", 1), ("12345689", 0)])
def test_check_digit_remaps_10_and_11(code: str, digit: int) -> None:
    key = access_key.build(**{**FIRST, "numeric_code": code})  # type: ignore[arg-type]
    assert key[-1] == str(digit)
    assert check_digit(key[:-1]) == digit


def test_int_numeric_code_is_zero_padded() -> None:
    key = access_key.build(**{**FIRST, "numeric_code": 42})  # type: ignore[arg-type]
    assert key[39:47] == "00000042"


def test_parse_worked_example() -> None:
    parts = parse(FIRST_KEY)
    assert parts.issue_date == date(2016, 1, 6)
    assert parts.doc_type == "01"
    assert parts.ruc == RUC
    assert parts.environment is Environment.TEST
    assert (parts.establishment, parts.emission_point) == ("001", "123")
    assert parts.sequential == 8
    assert parts.numeric_code == "12345678"
    assert parts.emission_type == 1
    assert parts.key() == FIRST_KEY


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"doc_type": "1"}, "doc_type"),
        ({"doc_type": "99"}, "doc_type"),
        ({"ruc": "176001321000"}, "ruc"),
        ({"ruc": "1760013220001"}, "ruc"),  # 13 digits, wrong RUC check digit (9th)
        ({"environment": 3}, "environment"),
        ({"environment": True}, "environment"),
        ({"establishment": "1"}, "establishment"),
        ({"emission_point": "12a"}, "emission_point"),
        ({"emission_point": "١٢٣"}, "emission_point"),  # Arabic-Indic digits
        ({"sequential": 0}, "sequential"),
        ({"sequential": 1_000_000_000}, "sequential"),
        ({"numeric_code": "1234567"}, "numeric_code"),
        ({"numeric_code": -1}, "numeric_code"),
        ({"numeric_code": 100_000_000}, "numeric_code"),
        ({"emission_type": 2}, "emission_type"),
    ],
)
def test_build_rejects_bad_parts(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        access_key.build(**{**FIRST, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (FIRST_KEY[:-1], "49"),
        (FIRST_KEY + "0", "49"),
        (FIRST_KEY[:-1] + "8", "check digit"),
        ("x" + FIRST_KEY[1:], "49"),
    ],
)
def test_parse_rejects_bad_keys(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(key)


def test_parse_rejects_impossible_date_even_with_right_check_digit() -> None:
    digits = "3102" + FIRST_KEY[4:48]  # 31 February
    with pytest.raises(ValueError, match="issue date"):
        parse(digits + str(check_digit(digits)))


def test_single_digit_error_that_modulo_11_misses() -> None:
    # Counterexample to "every single-digit error is caught": remainders 1 and 10 both map to the
    # check digit 1. Código 12345682 gives remainder 1; raising its last digit (weight 3) by 3
    # adds 9, giving remainder 10: a different key, one digit apart, with the same check digit.
    good = access_key.build(**{**FIRST, "numeric_code": "12345682"})  # type: ignore[arg-type]
    typo = good[:46] + "5" + good[47:]
    assert typo != good and typo[-1] == good[-1] == "1"
    assert has_valid_check_digit(typo)


digits48 = st.text(alphabet="0123456789", min_size=48, max_size=48)


def _remainder(digits: str) -> int:
    return sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits))) % 11


@settings(max_examples=300)
@given(digits48)
def test_appending_the_check_digit_validates(digits: str) -> None:
    assert has_valid_check_digit(digits + str(check_digit(digits)))


@settings(max_examples=300)
@given(digits48, st.integers(0, 48), st.integers(1, 9))
def test_single_digit_changes(digits: str, position: int, delta: int) -> None:
    """Single-digit errors are caught except when the remainder moves between 1 and 10.

    The weights 2..7 are nonzero mod 11 and so is any digit change, so every single-digit change
    changes S mod 11; but d = 11 − r maps both r = 1 (d = 10) and r = 10 (d = 1) to the digit 1,
    so the weaker, true property is: an undetected change keeps the check digit 1 and swaps the
    remainder between 1 and 10 (see the concrete counterexample above). A change of the check
    digit itself is always caught (the check digit of the first 48 digits is unique).
    """
    key = digits + str(check_digit(digits))
    changed_digit = str((int(key[position]) + delta) % 10)
    changed = key[:position] + changed_digit + key[position + 1 :]
    if not has_valid_check_digit(changed):
        return
    assert position < 48
    assert key[-1] == "1"
    assert {_remainder(digits), _remainder(changed[:48])} == {1, 10}


@settings(max_examples=300)
@given(digits48)
def test_the_only_blind_spot_is_remainders_1_and_10(digits: str) -> None:
    # Every change of S mod 11 is seen, except r: 1 ↔ 10: each d in 0..9 comes from one r,
    # except 1, which comes from r = 1 and r = 10.
    r = _remainder(digits)
    assert check_digit(digits) == {0: 0, 1: 1}.get(r, 11 - r)


VALID_RUCS = ["1760013210001", "1790011674001", "1714307103001", "1760001550001"]


@settings(max_examples=300)
@given(
    issue_date=st.dates(min_value=date(1000, 1, 1)),
    doc_type=st.sampled_from(sorted(access_key.DOC_TYPES)),
    ruc=st.sampled_from(VALID_RUCS),
    environment=st.sampled_from([1, 2]),
    establishment=st.text(alphabet="0123456789", min_size=3, max_size=3),
    emission_point=st.text(alphabet="0123456789", min_size=3, max_size=3),
    sequential=st.integers(1, access_key.MAX_SEQUENTIAL),
    numeric_code=st.integers(0, access_key.MAX_NUMERIC_CODE),
)
def test_parse_build_round_trip(
    issue_date: date,
    doc_type: str,
    ruc: str,
    environment: int,
    establishment: str,
    emission_point: str,
    sequential: int,
    numeric_code: int,
) -> None:
    key = access_key.build(
        issue_date,
        doc_type,
        ruc,
        environment,
        establishment,
        emission_point,
        sequential,
        numeric_code,
    )
    parts = parse(key)
    assert len(key) == 49
    assert (parts.issue_date, parts.doc_type, parts.ruc, parts.environment) == (
        issue_date,
        doc_type,
        ruc,
        environment,
    )
    assert (parts.establishment, parts.emission_point, parts.sequential) == (
        establishment,
        emission_point,
        sequential,
    )
    assert parts.numeric_code == f"{numeric_code:08d}"
    assert parts.key() == key


def test_every_single_digit_change_of_the_worked_example_is_caught() -> None:
    # Its check digit is 7, not 1, so the 1 ↔ 10 blind spot cannot apply.
    for position in range(49):
        for digit in "0123456789":
            if digit != FIRST_KEY[position]:
                changed = FIRST_KEY[:position] + digit + FIRST_KEY[position + 1 :]
                assert not has_valid_check_digit(changed)
