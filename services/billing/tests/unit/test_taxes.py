"""IVA per line and the header totals, which must be the sums of the lines."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.taxes import IVA, IVA_RATES, LineTax, TaxTotal, line_tax, summarize


@pytest.mark.parametrize(
    ("base", "code", "expected"),
    [
        ("10.00", "4", "1.50"),
        ("0.03", "4", "0.00"),  # 0.0045 → 0.00
        ("0.04", "4", "0.01"),  # 0.006 → 0.01
        ("0.10", "4", "0.02"),  # 0.015 → 0.02 (half-up)
        ("25.99", "4", "3.90"),  # 3.8985
        ("100.00", "2", "12.00"),
        ("100.00", "5", "5.00"),
        ("100.00", "8", "8.00"),
        ("100.00", "10", "13.00"),
        ("100.00", "0", "0.00"),
        ("100.00", "6", "0.00"),
        ("100.00", "7", "0.00"),
    ],
)
def test_line_tax(base: str, code: str, expected: str) -> None:
    assert str(line_tax(Decimal(base), code)) == expected


def test_rates_and_ride_labels() -> None:
    assert {code: rate.rate for code, rate in IVA_RATES.items()} == {
        "0": 0, "2": 12, "3": 14, "4": 15, "5": 5, "6": 0, "7": 0, "8": 8, "10": 13,
    }  # fmt: skip
    assert IVA_RATES["4"].subtotal_label == "SUBTOTAL 15%"
    assert IVA_RATES["0"].subtotal_label == "SUBTOTAL 0%"
    assert IVA_RATES["6"].subtotal_label == "SUBTOTAL NO OBJETO DE IVA"
    assert IVA_RATES["7"].subtotal_label == "SUBTOTAL EXENTO DE IVA"


@pytest.mark.parametrize(
    ("base", "code"),
    [("1.00", "1"), ("1.00", "9"), ("1.005", "4"), ("-1.00", "4"), (1.0, "4"), ("NaN", "4")],
)
def test_line_tax_rejects(base: object, code: str) -> None:
    value = Decimal(base) if isinstance(base, str) else base
    with pytest.raises(ValueError):
        line_tax(value, code)  # type: ignore[arg-type]


def test_summarize_groups_and_sums_line_values() -> None:
    lines = [LineTax.iva(Decimal("0.03"), "4") for _ in range(10)]
    lines += [LineTax.iva(Decimal("5.00"), "0"), LineTax.iva(Decimal("2.00"), "6")]
    totals = summarize(lines)
    # Ten 0.03 lines each carry 0.00 IVA, so the header says 0.00, not 15% of 0.30 (0.05).
    assert totals == [
        TaxTotal(IVA, "0", Decimal(0), Decimal("5.00"), Decimal("0.00")),
        TaxTotal(IVA, "4", Decimal(15), Decimal("0.30"), Decimal("0.00")),
        TaxTotal(IVA, "6", Decimal(0), Decimal("2.00"), Decimal("0.00")),
    ]


def test_summarize_sorts_numerically_and_keeps_other_taxes() -> None:
    ice = LineTax("3", "3092", Decimal(15), Decimal("10.00"), Decimal("1.50"))
    totals = summarize([LineTax.iva(Decimal("1.00"), "10"), ice, LineTax.iva(Decimal("1.00"), "4")])
    assert [(t.tax_code, t.rate_code) for t in totals] == [("2", "4"), ("2", "10"), ("3", "3092")]


def test_summarize_refuses_inconsistent_rates() -> None:
    a = LineTax("3", "3092", Decimal(15), Decimal("1.00"), Decimal("0.15"))
    b = LineTax("3", "3092", Decimal(10), Decimal("1.00"), Decimal("0.10"))
    with pytest.raises(ValueError, match="rate"):
        summarize([a, b])


line = st.builds(
    LineTax.iva,
    st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2),
    st.sampled_from(sorted(IVA_RATES)),
)


@settings(max_examples=300)
@given(st.lists(line, max_size=30))
def test_header_totals_equal_the_sum_of_lines(lines: list[LineTax]) -> None:
    totals = summarize(lines)
    assert sum((t.value for t in totals), Decimal(0)) == sum((x.value for x in lines), Decimal(0))
    assert sum((t.base for t in totals), Decimal(0)) == sum((x.base for x in lines), Decimal(0))
    for total in totals:
        group = [x for x in lines if (x.tax_code, x.rate_code) == (total.tax_code, total.rate_code)]
        assert total.value == sum((x.value for x in group), Decimal(0))
        assert total.base == sum((x.base for x in group), Decimal(0))
    assert len({(t.tax_code, t.rate_code) for t in totals}) == len(totals)


@settings(max_examples=300)
@given(
    st.decimals(min_value=0, max_value=Decimal("1e9"), places=2), st.sampled_from(sorted(IVA_RATES))
)
def test_line_tax_is_the_half_up_rounded_exact_tax(base: Decimal, code: str) -> None:
    exact = base * IVA_RATES[code].rate / 100
    tax = line_tax(base, code)
    assert tax.as_tuple().exponent == -2
    assert Decimal("-0.005") < tax - exact <= Decimal("0.005")
