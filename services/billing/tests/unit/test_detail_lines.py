"""Detail lines (issue 12, item 9): every detalle names its line and period in
detallesAdicionales (at most 3, as the XSDs allow), and usage charges are lines of their own,
with their code, Spanish prefix, tax and, when it fits, cantidad and unidadMedida."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from billing.adapters.sri_schema import validate_factura
from billing.adapters.store.invoice_documents import _line, _line_document
from billing.domain import detail_lines
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import Charge, bill_lines
from billing.domain.detail_lines import LineInfo
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Buyer, Invoice, InvoiceLine, Issuer
from billing.domain.periods import BillingPeriod

ISSUER = Issuer("1760013210001", "Telco del Ecuador S.A.", "Quito", True, 1)
BUYER = Buyer("05", "1714307103", "María Pérez", "Quito")
HOLDER = Holder("cedula", "1714307103", "María Pérez", "Quito", "maria@correo.ec", "")
NOV = BillingPeriod.of("2026-11", 1)
PLAN = Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00"))
MOBILE, HOME = "+593991234567", "+59322345678"
VERSIONS = ["1.1.0", "2.1.0"]


def account() -> Account:
    subs = (
        Subscription("s1", MOBILE, "movil", "M-30", date(2026, 1, 1)),
        Subscription("s2", HOME, "movil", "M-30", date(2026, 11, 16)),
    )
    return Account("a1", HOLDER, 1, "20", subs)


def charge(kind: str, amount: str, tax: str = "4", **more: object) -> Charge:
    return Charge(f"c-{kind}", "Detalle", Decimal(amount), tax, "2026-11", kind, **more)  # type: ignore[arg-type]


CHARGES = (
    charge("excess_data", "3.00", number=MOBILE, quantity=Decimal(1536), unit="MB"),
    charge("roaming", "12.40", number=MOBILE, quantity=Decimal("31"), unit="minutos"),
    charge("long_distance", "1.75", number=HOME),
    charge("third_party", "4.99", "0"),  # billed for someone else: its own IVA, as given
    charge("other", "5.00"),
)


def lines() -> tuple[InvoiceLine, ...]:
    return bill_lines(account(), {PLAN.code: PLAN}, NOV, CHARGES)


def invoice() -> Invoice:
    return Invoice(ISSUER, BUYER, date(2026, 12, 1), 1, "12345678", lines())


def detalles(version: str) -> list[etree._Element]:
    return list(etree.fromstring(to_xml(invoice(), version)).iterfind("detalles/detalle"))


@pytest.mark.parametrize("version", VERSIONS)
def test_plan_and_usage_lines_are_valid_against_the_xsd(version: str) -> None:
    xml = to_xml(invoice(), version)
    assert validate_factura(xml) == []
    assert len(detalles(version)) == 7


def _details(detalle: etree._Element) -> list[tuple[str | None, str | None]]:
    return [(d.get("nombre"), d.get("valor")) for d in detalle.iterfind("*/detAdicional")]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_line_names_its_line_and_period(version: str) -> None:
    mobile, home, data, roaming, long_distance, third, other = detalles(version)
    month = ("Periodo", "01/11/2026 al 30/11/2026")
    assert _details(mobile) == [("Línea", "099 123 4567"), month]
    # A line that started on the 16th covers the days it was active.
    assert _details(home) == [("Línea", "(02) 234-5678"), ("Periodo", "16/11/2026 al 30/11/2026")]
    assert _details(data) == _details(roaming) == [("Línea", "099 123 4567"), month]
    assert _details(long_distance) == [("Línea", "(02) 234-5678"), month]
    assert _details(third) == _details(other) == [month]  # no number given
    # In the XSD's order: after precioTotalSinImpuesto, before impuestos.
    tags = [child.tag for child in data]
    assert tags.index("precioTotalSinImpuesto") + 1 == tags.index("detallesAdicionales")
    assert tags.index("detallesAdicionales") + 1 == tags.index("impuestos")


@pytest.mark.parametrize("version", VERSIONS)
def test_usage_lines_have_their_code_prefix_quantity_and_tax(version: str) -> None:
    usage = detalles(version)[2:]
    seen = [
        (
            d.findtext("codigoPrincipal"),
            d.findtext("descripcion"),
            d.findtext("unidadMedida"),
            d.findtext("cantidad"),
            d.findtext("precioUnitario"),
            d.findtext("precioTotalSinImpuesto"),
            d.findtext("impuestos/impuesto/codigoPorcentaje"),
            d.findtext("impuestos/impuesto/valor"),
        )
        for d in usage
    ]
    assert seen == [
        (
            "DATOS-ADIC",
            "Consumo de datos adicional: Detalle",
            "MB",
            "1536.000000",
            "0.001953",
            "3.00",
            "4",
            "0.45",
        ),
        (
            "ROAMING",
            "Roaming internacional: Detalle",
            "minutos",
            "31.000000",
            "0.400000",
            "12.40",
            "4",
            "1.86",
        ),
        (
            "LDI",
            "Larga distancia internacional: Detalle",
            None,
            "1.000000",
            "1.750000",
            "1.75",
            "4",
            "0.26",
        ),
        (
            "TERCEROS",
            "Servicios de terceros: Detalle",
            None,
            "1.000000",
            "4.990000",
            "4.99",
            "0",
            "0.00",
        ),
        ("CARGO", "Detalle", None, "1.000000", "5.000000", "5.00", "4", "0.75"),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_unit_sits_between_descripcion_and_cantidad(version: str) -> None:
    tags = [child.tag for child in detalles(version)[2]]
    assert tags[1:4] == ["descripcion", "unidadMedida", "cantidad"]


def test_the_header_counts_usage_lines_with_their_tax() -> None:
    totals = {(t.rate_code, t.base) for t in invoice().total_con_impuestos}
    # Plans 30.00 + 15.00 (16–30 Nov), usage 3.00 + 12.40 + 1.75 + 5.00 at 15 %; 4.99 at 0 %.
    assert totals == {("4", Decimal("67.15")), ("0", Decimal("4.99"))}


def test_at_most_three_details_per_line() -> None:
    three = (("Línea", "099 123 4567"), ("Periodo", "noviembre"), ("Contrato", "C-1"))
    line = InvoiceLine("X", "X", Decimal(1), Decimal(1), "4", info=LineInfo(details=three))
    xml = to_xml(Invoice(ISSUER, BUYER, date(2026, 12, 1), 1, "12345678", [line]))
    assert validate_factura(xml) == []
    with pytest.raises(ValueError, match="at most 3"):
        InvoiceLine(
            "X", "X", Decimal(1), Decimal(1), "4", info=LineInfo(details=(*three, ("Otro", "x")))
        )
    # SRI's XSD itself refuses a fourth: the limit is the schema's, not only ours.
    root = etree.fromstring(xml)
    extra = root.find("detalles/detalle/detallesAdicionales")
    assert extra is not None
    etree.SubElement(extra, "detAdicional", nombre="Otro", valor="x")
    assert validate_factura(etree.tostring(root)) != []


@pytest.mark.parametrize("details", [(("", "x"),), (("Línea", " "),), (("Línea", "x" * 301),)])
def test_detail_texts_are_one_to_300_characters(details: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(ValueError):
        InvoiceLine("X", "X", Decimal(1), Decimal(1), "4", info=LineInfo(details=details))


def test_a_unit_has_at_most_50_characters() -> None:
    with pytest.raises(ValueError):
        InvoiceLine("X", "X", Decimal(1), Decimal(1), "4", info=LineInfo(unit="u" * 51))


@pytest.mark.parametrize(
    ("number", "national"),
    [
        ("+593991234567", "099 123 4567"),
        ("+59322345678", "(02) 234-5678"),
        ("+5931800123456", "1800 123 456"),
    ],
)
def test_numbers_read_as_a_customer_writes_them(number: str, national: str) -> None:
    assert detail_lines.national_number(number) == national


@pytest.mark.parametrize(
    ("amount", "quantity", "price"),
    [
        ("3.00", "1536", "0.001953"),
        ("12.40", "31", "0.400000"),
        ("0.01", "1000000", None),  # 0.00000001 a unit: no 6-decimal price gives 0.01
        ("2.50", "1000000", None),  # 0.000003 × 1 000 000 = 3.00, not 2.50
        ("10.00", "3", "3.333333"),  # 9.999999 rounds to 10.00
    ],
)
def test_a_quantity_needs_an_exact_unit_price(
    amount: str, quantity: str, price: str | None
) -> None:
    expected = None if price is None else Decimal(price)
    assert detail_lines.unit_price(Decimal(amount), Decimal(quantity)) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "sms"},
        {"number": "0991234567"},  # not E.164: the use case normalises first
        {"quantity": Decimal(0)},
        {"quantity": Decimal("1.0000001")},
        {"quantity": Decimal("7000000")},  # 3.00 / 7 000 000 has no exact 6-decimal price
        {"unit": "MB"},  # a unit without a quantity
        {"kind": "excess_data", "description": "x" * 299},  # with its prefix, above 300
    ],
)
def test_a_charge_refuses_what_no_factura_can_carry(changes: dict[str, object]) -> None:
    values: dict[str, object] = {
        "charge_id": "c",
        "description": "Datos",
        "amount": Decimal("3.00"),
        "tax_code": "4",
        "period": "2026-11",
    }
    with pytest.raises(ValueError):
        Charge(**(values | changes))  # type: ignore[arg-type]


def test_stored_lines_keep_their_details_and_unit() -> None:
    for line in lines():
        assert _line(_line_document(line)) == line
    old = _line_document(lines()[0])
    del old["unit"], old["details"]  # stored before detail lines: rebuilt as it was
    assert _line(old).info == detail_lines.NO_INFO
