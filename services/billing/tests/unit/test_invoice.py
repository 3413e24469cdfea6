"""Invoice arithmetic and validation: header totals are sums of lines, amounts have 2 decimals."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain import access_key
from billing.domain.invoice import (
    Buyer,
    ExtraTax,
    Invoice,
    InvoiceLine,
    Issuer,
    Payment,
    clean_text,
)
from billing.domain.taxes import IVA_RATES

ISSUER = Issuer(
    ruc="1760013210001",
    razon_social="Telco del Ecuador S.A.",
    nombre_comercial="Telco",
    dir_matriz="Av. Amazonas N1-23, Quito",
    obligado_contabilidad=True,
    environment=1,
)
BUYER = Buyer("05", "1710034065", "María Pérez", address="Quito", email="maria@example.com")
DAY = date(2026, 11, 27)


def invoice(*lines: InvoiceLine, buyer: Buyer = BUYER, **kwargs: object) -> Invoice:
    return Invoice(ISSUER, buyer, DAY, 42, "12345678", lines, **kwargs)  # type: ignore[arg-type]


def line(price: str, tax: str = "4", **kwargs: object) -> InvoiceLine:
    return InvoiceLine("P1", "Plan", Decimal(1), Decimal(price), tax, **kwargs)  # type: ignore[arg-type]


def test_single_plan_totals() -> None:
    inv = invoice(line("25.99"))
    assert inv.total_sin_impuestos == Decimal("25.99")
    assert inv.total_descuento == Decimal("0.00")
    [total] = inv.total_con_impuestos
    assert (total.tax_code, total.rate_code, total.base, total.value) == (
        "2",
        "4",
        Decimal("25.99"),
        Decimal("3.90"),
    )
    assert inv.importe_total == Decimal("29.89")


def test_line_rounding_and_discount() -> None:
    item = InvoiceLine(
        "X", "Minutos", Decimal("3.5"), Decimal("0.123457"), "4", discount=Decimal("0.10")
    )
    # 3.5 × 0.123457 = 0.4320995 − 0.10 = 0.3320995 → 0.33
    assert item.precio_total_sin_impuesto == Decimal("0.33")
    assert item.taxes[0].value == Decimal("0.05")  # 0.0495 → 0.05 half-up


def test_totals_grouped_by_code_and_rate() -> None:
    inv = invoice(
        line("10.00"), line("5.00", "0"), line("3.00", "7"), line("2.00", "6"), line("1.10")
    )
    groups = {(t.tax_code, t.rate_code): (t.base, t.value) for t in inv.total_con_impuestos}
    assert groups == {
        ("2", "0"): (Decimal("5.00"), Decimal("0.00")),
        ("2", "4"): (Decimal("11.10"), Decimal("1.67")),  # 1.50 + 0.17 (0.165 → 0.17)
        ("2", "6"): (Decimal("2.00"), Decimal("0.00")),
        ("2", "7"): (Decimal("3.00"), Decimal("0.00")),
    }
    assert inv.importe_total == Decimal("21.10") + Decimal("1.67")


def test_ice_adds_to_the_iva_base() -> None:
    tv = line("10.00", extra_taxes=(ExtraTax("3", "3092", Decimal(15)),))
    iva, ice = tv.taxes
    assert (ice.tax_code, ice.rate_code, ice.base, ice.value) == (
        "3",
        "3092",
        Decimal("10.00"),
        Decimal("1.50"),
    )
    assert (iva.base, iva.value) == (Decimal("11.50"), Decimal("1.73"))
    assert invoice(tv).importe_total == Decimal("13.23")


def test_access_key_matches_fields() -> None:
    parts = access_key.parse(invoice(line("1.00")).access_key)
    assert parts.doc_type == "01"
    assert parts.sequential == 42
    assert parts.issue_date == DAY
    assert (parts.establishment, parts.emission_point) == ("001", "001")


def test_strings_lose_newlines() -> None:
    item = InvoiceLine("A\n1", "Plan\r\nHogar ", Decimal(1), Decimal(1), "4")
    assert (item.code, item.description) == ("A 1", "Plan Hogar")
    assert clean_text(" a\tb\n", what="x") == "a b"


def test_email_goes_to_info_adicional() -> None:
    inv = invoice(line("1.00"), additional_info=[("Plan", "Hogar\n100")])
    assert inv.info_adicional == (("Email", "maria@example.com"), ("Plan", "Hogar 100"))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: invoice(), "at least one line"),
        (lambda: line("-1.00"), "negative"),
        (lambda: line("1.00", discount=Decimal("2.00")), "exceeds"),
        (lambda: line("1.00", discount=Decimal("0.001")), "decimals"),
        (lambda: line("1.1234567"), "decimals"),
        (lambda: InvoiceLine("A", "B", Decimal(0), Decimal(1), "4"), "positive"),
        (lambda: InvoiceLine("A", "B", 1.5, Decimal(1), "4"), "Decimal"),  # type: ignore[arg-type]
        (lambda: line("1.00", "9"), "codigoPorcentaje"),
        (lambda: line("1.00", extra_taxes=(ExtraTax("5", "5001", Decimal(1)),)), "ICE"),
        (lambda: line("1.00", extra_taxes=(ExtraTax("3", "3092", Decimal(100)),)), "below"),
        (lambda: invoice(line("1.00"), additional_info=[("a", "b")] * 15), "15"),
        (lambda: invoice(line("1.00"), payments=[Payment("20", Decimal("1.00"))]), "payments"),
        (lambda: Payment("99", Decimal(1)), "forma_pago"),
        (lambda: Payment("20", Decimal(1), Decimal(30)), "together"),
        (lambda: Buyer("05", "1234567890", "X"), "cédula"),
        (lambda: Buyer("04", "9999999999999", "X"), "RUC"),
        (lambda: Buyer("07", "1710034065", "X"), "consumidor final"),
        (lambda: Buyer("08", "X1", "X"), "id_type"),
        (lambda: Buyer("05", "1710034065", "\n"), "characters"),
        (lambda: Issuer("1760013220001", "T", "Q", True, 1), "ruc"),
        (lambda: Issuer("1760013210001", "T", "Q", True, 3), "environment"),
        (lambda: Issuer("1760013210001", "T", "Q", True, 1, establishment="1"), "establishment"),
        (lambda: Invoice(ISSUER, BUYER, DAY, 0, "12345678", [line("1")]), "sequential"),
    ],
)
def test_rejects(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_consumidor_final_limit() -> None:
    cf = Buyer.consumidor_final()
    assert invoice(line("43.48"), buyer=cf).importe_total == Decimal("50.00")  # up to 50 is fine
    with pytest.raises(ValueError, match="consumidor final"):
        invoice(line("43.49"), buyer=cf)  # 43.49 + 6.52 = 50.01
    assert invoice(line("100.00"), buyer=cf, consumidor_final_limit=Decimal(200)).importe_total


def test_payments_must_add_up() -> None:
    inv = invoice(
        line("10.00"),
        payments=[
            Payment("20", Decimal("10.00"), Decimal(30), "dias"),
            Payment("01", Decimal("1.50")),
        ],
    )
    assert sum(p.total for p in inv.payments) == inv.importe_total


amounts6 = st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False)
lines = st.builds(
    lambda qty, price, frac, tax, ice: InvoiceLine(
        "C",
        "D",
        qty,
        price,
        tax,
        discount=(qty * price * frac).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        extra_taxes=ice,
    ),
    st.decimals(min_value=Decimal("0.000001"), max_value=1_000, places=6, allow_nan=False),
    amounts6,
    st.decimals(min_value=0, max_value=1, places=2, allow_nan=False),
    st.sampled_from(sorted(IVA_RATES)),
    st.sampled_from(
        [(), (ExtraTax("3", "3092", Decimal(15)),), (ExtraTax("3", "3610", Decimal("10.50")),)]
    ),
)


def _two_places(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -2


@settings(max_examples=100, deadline=None)
@given(st.lists(lines, min_size=1, max_size=8))
def test_header_totals_are_sums_of_lines(items: list[InvoiceLine]) -> None:
    inv = invoice(*items)
    assert inv.total_sin_impuestos == sum(i.precio_total_sin_impuesto for i in items)
    assert inv.total_descuento == sum(i.discount for i in items)
    taxes = [t for i in items for t in i.taxes]
    for total in inv.total_con_impuestos:
        same = [t for t in taxes if (t.tax_code, t.rate_code) == (total.tax_code, total.rate_code)]
        assert total.base == sum(t.base for t in same)
        assert total.value == sum(t.value for t in same)
    assert sum(t.value for t in inv.total_con_impuestos) == sum(t.value for t in taxes)
    assert inv.importe_total == inv.total_sin_impuestos + sum(
        t.value for t in inv.total_con_impuestos
    )
    amounts = [inv.total_sin_impuestos, inv.total_descuento, inv.importe_total]
    amounts += [i.precio_total_sin_impuesto for i in items] + [i.discount for i in items]
    amounts += [a for t in taxes for a in (t.base, t.value)]
    amounts += [a for t in inv.total_con_impuestos for a in (t.base, t.value)]
    assert all(_two_places(a) and a >= 0 for a in amounts)
