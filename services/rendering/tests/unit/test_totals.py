"""The totals box (docs/sri.md §6, §9) and the non-fiscal Estado de cuenta, on the model."""

from decimal import Decimal

from billing.domain.invoice import Invoice
from rendering.domain.parse import read_ride
from rendering.domain.ride import Amount, Field
from rendering.domain.statement import statement
from services.rendering.tests.unit import facturas as f


def _totals(inv: Invoice) -> dict[str, Decimal]:
    return {t.label: t.value for t in read_ride(f.factura(inv)).totals}


def _labels(inv: Invoice) -> list[str]:
    return [t.label for t in read_ride(f.factura(inv)).totals]


def test_one_rate_shows_only_what_is_used() -> None:
    assert _totals(f.one_rate()) == {
        "SUBTOTAL 15%": Decimal("35.99"),
        "SUBTOTAL SIN IMPUESTOS": Decimal("35.99"),
        "TOTAL DESCUENTO": Decimal("0.00"),
        "IVA 15%": Decimal("5.40"),
        "VALOR TOTAL": Decimal("41.39"),
    }


def test_several_rates_in_sri_order() -> None:
    inv = f.several_rates()
    assert _labels(inv) == [
        "SUBTOTAL 15%",
        "SUBTOTAL 5%",
        "SUBTOTAL 0%",
        "SUBTOTAL NO OBJETO DE IVA",
        "SUBTOTAL EXENTO DE IVA",
        "SUBTOTAL SIN IMPUESTOS",
        "TOTAL DESCUENTO",
        "IVA 15%",
        "IVA 5%",
        "VALOR TOTAL",
    ]
    totals = _totals(inv)
    assert totals["SUBTOTAL 5%"] == Decimal("40.00")
    assert totals["IVA 5%"] == Decimal("2.00")
    assert totals["SUBTOTAL NO OBJETO DE IVA"] == Decimal("2.50")
    assert totals["VALOR TOTAL"] == inv.importe_total == Decimal("75.50")


def test_ice_subtotal_without_ice_and_iva_on_price_plus_ice() -> None:
    inv = f.with_ice()
    totals = _totals(inv)
    # TV-PLUS 30.00 with ICE 15 % (4.50) and PLAN 20.00, both at IVA 15 %.
    assert totals["SUBTOTAL 15%"] == Decimal("50.00")  # the prices, without ICE
    assert totals["ICE"] == Decimal("4.50")
    assert totals["IVA 15%"] == Decimal("8.18")  # 15 % of 54.50 (prices plus ICE)
    assert totals["VALOR TOTAL"] == Decimal("62.68") == inv.importe_total
    assert _labels(inv).index("ICE") < _labels(inv).index("IVA 15%")


def test_discounts() -> None:
    totals = _totals(f.discounted())
    assert totals["TOTAL DESCUENTO"] == Decimal("10.50")
    assert totals["SUBTOTAL 15%"] == Decimal("45.00")  # 30.00 + 15.00, after the discounts
    assert totals["IVA 15%"] == Decimal("6.75")
    assert totals["VALOR TOTAL"] == Decimal("51.75")


def test_hand_written_factura_totals() -> None:
    ride = read_ride(f.HAND_WRITTEN.read_bytes())
    assert ride.totals == (
        Amount("SUBTOTAL 15%", Decimal("91.26")),
        Amount("SUBTOTAL 5%", Decimal("35.00")),
        Amount("SUBTOTAL 0%", Decimal("12.75")),
        Amount("SUBTOTAL NO OBJETO DE IVA", Decimal("2.00")),
        Amount("SUBTOTAL EXENTO DE IVA", Decimal("10.00")),
        Amount("SUBTOTAL SIN IMPUESTOS", Decimal("151.01")),
        Amount("TOTAL DESCUENTO", Decimal("1.70")),
        Amount("IVA 15%", Decimal("13.69")),
        Amount("IVA 5%", Decimal("1.75")),
        Amount("PROPINA", Decimal("0.00")),
        Amount("VALOR TOTAL", Decimal("166.45")),
    )


def test_irbpnr_and_an_old_rate_from_the_document() -> None:
    xml = f.HAND_WRITTEN.read_bytes().replace(
        b"</totalConImpuestos>",
        b"<totalImpuesto><codigo>5</codigo><codigoPorcentaje>5001</codigoPorcentaje>"
        b"<baseImponible>0.00</baseImponible><valor>0.04</valor></totalImpuesto>"
        b"<totalImpuesto><codigo>2</codigo><codigoPorcentaje>2</codigoPorcentaje>"
        b"<baseImponible>0.00</baseImponible><tarifa>12</tarifa><valor>0.00</valor>"
        b"</totalImpuesto></totalConImpuestos>",
    )
    totals = {t.label: t.value for t in read_ride(xml).totals}
    assert totals["IRBPNR"] == Decimal("0.04")
    assert totals["IVA 12%"] == Decimal("0.00")


def test_statement_uses_billings_names() -> None:
    ride = read_ride(f.factura(f.one_rate()))
    assert ride.statement == (
        Field("Cuenta", "CTA-000123"),
        Field("Periodo", "2026-11 (01/11/2026 al 30/11/2026)"),
        Field("Saldo anterior", "12.50"),
        Field("Pagos recibidos", "12.50"),
        Field("Ajustes", "0.00"),
        Field("Saldo a pagar", "41.39"),
        Field("Fecha máxima de pago", "16/12/2026"),
    )


def test_no_statement_without_its_data() -> None:
    assert (
        read_ride(f.factura(f.invoice(f.line("P", "1.00"), with_statement=False))).statement == ()
    )
    assert statement([Field("Cuenta", "CTA-1"), Field("Email", "a@b.ec")]) == ()
    assert statement([Field("SALDO A PAGAR:", "3.00")]) == (Field("Saldo a pagar", "3.00"),)
