"""The RIDE of billing's detail lines (issue 12, item 9): each line's detallesAdicionales in the
Detalle Adicional column and a usage line's unidadMedida after its cantidad."""

from datetime import date
from decimal import Decimal

from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import Charge, bill_lines
from rendering.adapters.pdf import render_ride
from rendering.domain.parse import read_ride
from rendering.domain.ride import Field
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import pdf_tools as tools

NUMBER = "+593991234567"


def _factura() -> bytes:
    holder = Holder("cedula", "1714307103", "José Núñez Peña", "Cuenca", "jose@example.com", "")
    sub = Subscription("s1", NUMBER, "movil", "M-30", date(2026, 1, 1))
    plan = Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00"))
    data = Charge(
        "c1", "1,5 GB", Decimal("3.00"), "4", f.PERIOD.label, "excess_data", NUMBER,
        Decimal(1536), "MB",
    )  # fmt: skip
    lines = bill_lines(Account("a1", holder, 1, "20", (sub,)), {"M-30": plan}, f.PERIOD, [data])
    return f.authorized(f.invoice(*lines))


def test_the_ride_reads_details_and_units() -> None:
    plan, data = read_ride(_factura()).lines
    period = Field("Periodo", "01/11/2026 al 30/11/2026")
    assert plan.details == data.details == (Field("Línea", "099 123 4567"), period)
    assert (plan.unit, data.unit, data.quantity) == (None, "MB", Decimal("1536.000000"))
    assert data.description == "Consumo de datos adicional: 1,5 GB"


def test_the_ride_prints_details_and_units() -> None:
    flat = tools.flat(tools.text(render_ride(_factura())))
    assert flat.count("Línea: 099 123") == 2  # the column wraps the rest of the number
    assert flat.count("Periodo: 01/11/2026 al 30/11/2026") == 2
    assert "DATOS-ADIC 1536.00 MB Consumo de datos adicional" in flat
