"""The dated tax catalog, and bills across a rate change (docs/sri.md §9: "Tax rates change over
time", "ICE on pay TV")."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.adapters.sri_schema import validate_factura
from billing.domain import tax_catalog
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import Charge, bill_lines, build_invoice, lines_total
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Issuer
from billing.domain.periods import BillingPeriod
from billing.domain.proration import split_by_days
from billing.domain.tax_catalog import NotInForce, TaxRef
from billing.domain.taxes import IVA_RATES

pytestmark = pytest.mark.unit

ISSUER = Issuer("1760013210001", "Telco del Ecuador S.A.", "Av. Amazonas N1-23, Quito", True, 1)
HOLDER = Holder("cedula", "1714307103", "María Pérez", "Quito", "maria@correo.ec", "0991234567")
# Cycle day 15: the period "2024-03" runs 15 March – 14 April 2024, across IVA 12 % → 15 %.
ACROSS = BillingPeriod.of("2024-03", 15)
MOVIL = Plan("M-31", "Plan Móvil 31", "movil", Decimal("31.00"))
TV = Plan("TV-1", "TV Básica", "tv", Decimal("20.00"), "4", (TaxRef("3", "3092"),))
PLANS = {p.code: p for p in (MOVIL, TV)}


def account(*subs: Subscription, cycle_day: int = 15) -> Account:
    return Account("a1", HOLDER, cycle_day, "20", subs)


def sub(plan: Plan, start: date = date(2020, 1, 1), discount: str = "0.00") -> Subscription:
    return Subscription(
        "s1", "0991234567", plan.service_type, plan.code, start, None, Decimal(discount)
    )


# --- the catalog by date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "code", "rate"),
    [
        (date(2016, 5, 31), "2", 12),
        (date(2016, 6, 1), "3", 14),
        (date(2017, 5, 31), "3", 14),
        (date(2017, 6, 1), "2", 12),
        (date(2024, 3, 31), "2", 12),
        (date(2024, 4, 1), "4", 15),
        (date(2026, 12, 3), "4", 15),
    ],
)
def test_the_general_iva_rate_by_date(day: date, code: str, rate: int) -> None:
    entry = tax_catalog.general_rate(day)
    assert (entry.code, entry.rate) == (code, Decimal(rate))
    assert tax_catalog.in_force("IVA", code, day) == entry


@pytest.mark.parametrize(
    ("code", "day"),
    [
        ("2", date(2024, 4, 1)),
        ("2", date(2016, 6, 1)),
        ("3", date(2024, 1, 1)),
        ("4", date(2024, 3, 31)),
    ],
)
def test_a_general_rate_code_is_not_in_force_outside_its_dates(code: str, day: date) -> None:
    with pytest.raises(NotInForce) as refused:
        tax_catalog.in_force("IVA", code, day)
    assert refused.value.known
    # A plan or stored charge on that code bills at the general rate of the day instead.
    assert tax_catalog.resolve("IVA", code, day) == tax_catalog.general_rate(day)


def test_unknown_codes_are_not_resolved() -> None:
    for tax, code in [("IVA", "9"), ("ICE", "3610")]:
        with pytest.raises(NotInForce) as refused:
            tax_catalog.resolve(tax, code, date(2026, 1, 1))  # type: ignore[arg-type]
        assert not refused.value.known


def test_ice_on_pay_tv_is_zero_and_telephony_uncertain() -> None:
    tv = tax_catalog.in_force("ICE", "3092", date(2026, 12, 3))
    assert (tv.rate, tv.codigo) == (Decimal(0), "3")
    phone = tax_catalog.in_force("ICE", "3093", date(2026, 12, 3))
    assert phone.rate == Decimal(15) and phone.uncertain and "docs/sri.md §9" in phone.source


def test_every_entry_cites_a_source_and_iva_rates_match_the_code_table() -> None:
    for entry in tax_catalog.CATALOG:
        assert entry.source.strip()
        if entry.tax == "IVA":
            assert IVA_RATES[entry.code].rate == entry.rate, entry
    assert {e.code for e in tax_catalog.CATALOG if e.tax == "IVA"} == set(IVA_RATES)


def test_entries_of_a_code_never_overlap_and_general_rates_leave_no_gap() -> None:
    start, end = date(2012, 1, 1), date(2030, 12, 31)
    day = start
    while day <= end:
        for tax, code in {(e.tax, e.code) for e in tax_catalog.CATALOG}:
            assert sum(e.covers(day) for e in tax_catalog.entries(tax, code)) <= 1, (code, day)
        assert sum(e.general and e.covers(day) for e in tax_catalog.CATALOG) == 1, day
        day += timedelta(days=31)


def test_spans_split_at_the_change() -> None:
    spans = tax_catalog.spans((("IVA", "4"), ("ICE", "3092")), ACROSS.start, ACROSS.end)
    assert [(s.first, s.last, s.days) for s in spans] == [
        (date(2024, 3, 15), date(2024, 3, 31), 17),
        (date(2024, 4, 1), date(2024, 4, 14), 14),
    ]
    assert [[e.code for e in s.entries] for s in spans] == [["2", "3092"], ["4", "3092"]]


@given(
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.lists(st.integers(min_value=1, max_value=31), min_size=1, max_size=4),
)
def test_split_by_days_adds_up(amount: Decimal, days: list[int]) -> None:
    shares = split_by_days(amount, days)
    assert sum(shares) == amount and all(s >= 0 for s in shares)
    # Each share is within a cent of the exact proportion.
    for share, span in zip(shares, days, strict=True):
        assert abs(share - amount * span / sum(days)) < Decimal("0.01") + Decimal("1e-20")


# --- a bill across IVA 12 % → 15 % ---------------------------------------------------------------


def test_a_period_across_the_iva_change_is_two_lines_prorated_by_day() -> None:
    lines = bill_lines(account(sub(MOVIL, discount="3.10")), PLANS, ACROSS)
    march, april = lines
    # 31 days: 17 at 12 % (15–31 March), 14 at 15 % (1–14 April); 31.00 shared by day.
    assert (march.tax_code, march.unit_price, march.discount) == (
        "2",
        Decimal("17.00"),
        Decimal("1.70"),
    )
    assert (april.tax_code, april.unit_price, april.discount) == (
        "4",
        Decimal("14.00"),
        Decimal("1.40"),
    )
    assert march.description.endswith("del 15/03/2024 al 31/03/2024, 17 días, IVA 12%")
    assert april.description.endswith("del 01/04/2024 al 14/04/2024, 14 días, IVA 15%")
    # Together they cost what the unsplit period would: the fee and discount, once.
    assert march.unit_price + april.unit_price == MOVIL.monthly_fee
    [march_iva], [april_iva] = march.taxes, april.taxes
    assert (march_iva.rate_code, march_iva.rate, march_iva.value) == (
        "2",
        Decimal(12),
        Decimal("1.84"),
    )
    assert (april_iva.rate_code, april_iva.rate, april_iva.value) == (
        "4",
        Decimal(15),
        Decimal("1.89"),
    )


def test_the_factura_across_the_change_totals_its_lines_and_is_xsd_valid() -> None:
    charges = [Charge("c1", "Cambio de SIM", Decimal("5.00"), "4", "2024-03")]
    subs = (sub(MOVIL), Subscription("s2", "022345678", "tv", "TV-1", date(2020, 1, 1), None))
    lines = bill_lines(account(*subs), PLANS, ACROSS, charges)
    assert [(line.code, line.tax_code) for line in lines] == [
        ("M-31", "2"),
        ("M-31", "4"),
        ("TV-1", "2"),
        ("TV-1", "4"),
        ("CARGO", "4"),  # at the rate of the period's last day, 14 April
    ]
    # ICE 3092 at 0 % on each TV line (the current table), IVA on the base plus ICE.
    assert [t.rate for line in lines if line.code == "TV-1" for t in line.extra_taxes] == [0, 0]
    invoice = build_invoice(
        ISSUER,
        account(*subs),
        lines,
        issue_date=ACROSS.cutoff,
        sequential=7,
        numeric_code="12345678",
    )
    assert invoice.importe_total == lines_total(lines)
    totals = {(t.tax_code, t.rate_code): t for t in invoice.total_con_impuestos}
    assert set(totals) == {("2", "2"), ("2", "4"), ("3", "3092")}
    assert totals[("2", "2")].base == Decimal("17.00") + Decimal("10.97")  # 20.00 × 17/31
    for key, total in totals.items():
        same = [t for line in lines for t in line.taxes if (t.tax_code, t.rate_code) == key]
        assert total.value == sum(t.value for t in same) and total.base == sum(t.base for t in same)
    for version in ("1.1.0", "2.1.0"):
        assert validate_factura(to_xml(invoice, version)) == []


def test_a_period_inside_one_rate_is_one_line_as_before() -> None:
    [line] = bill_lines(account(sub(MOVIL), cycle_day=1), PLANS, BillingPeriod.of("2024-03"))
    assert (line.tax_code, line.unit_price) == ("2", Decimal("31.00"))
    assert line.description == "Plan Móvil 31 +593991234567 del 01/03/2024 al 31/03/2024"


def test_a_plan_on_a_tax_the_catalog_lacks_is_not_billed() -> None:
    odd = Plan("TV-X", "TV", "tv", Decimal("10.00"), "4", (TaxRef("3", "3610"),))
    with pytest.raises(NotInForce):
        bill_lines(account(sub(odd)), {"TV-X": odd}, ACROSS)


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(["0", "2", "3", "4", "7"]),
)
def test_spans_resolve_every_day_as_the_catalog_does(first: date, length: int, code: str) -> None:
    last = first + timedelta(days=length)
    spans = tax_catalog.spans((("IVA", code), ("ICE", "3092")), first, last)
    assert spans[0].first == first and spans[-1].last == last
    assert sum(s.days for s in spans) == length + 1
    for span, after in pairwise(spans):
        assert after.first == span.last + timedelta(days=1) and after.entries != span.entries
    for span in spans:
        day = span.first
        while day <= span.last:
            assert span.entries[0] == tax_catalog.resolve("IVA", code, day)
            day += timedelta(days=1)
