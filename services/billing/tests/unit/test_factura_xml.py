"""factura XML: valid against SRI's XSDs (1.1.0 and 2.1.0), consistent with the Invoice."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from billing.adapters import sri_schema
from billing.adapters.sri_schema import validate_factura
from billing.domain import access_key
from billing.domain.factura_xml import money, to_xml
from billing.domain.invoice import Buyer, ExtraTax, Invoice, InvoiceLine, Issuer, Payment
from billing.domain.proration import prorate
from billing.domain.taxes import IVA_RATES
from tests.sri_files import assert_official

ISSUER = Issuer(
    ruc="1760013210001",
    razon_social="Telco del Ecuador S.A.",
    nombre_comercial="Telco",
    dir_matriz="Av. Amazonas N1-23, Quito",
    obligado_contabilidad=True,
    environment=2,
    establishment="002",
    emission_point="003",
    dir_establecimiento="Av. 6 de Diciembre, Quito",
    contribuyente_especial="12345",
)
BUYER = Buyer("04", "1790011674001", "Empresa Cliente Cía. Ltda.", "Guayaquil", "pagos@cliente.ec")
DAY = date(2026, 11, 30)
VERSIONS = ["1.1.0", "2.1.0"]


# Designated agente de retención and Gran Contribuyente (docs/sri.md §9).
DESIGNATED = replace(
    ISSUER, agente_retencion="12345678", gran_contribuyente="NAC-DGERCGC21-00000001"
)


def _invoice(
    *lines: InvoiceLine, buyer: Buyer = BUYER, pay: bool = True, issuer: Issuer = ISSUER
) -> Invoice:
    probe = Invoice(issuer, buyer, DAY, 1234, "87654321", lines)
    payments = [Payment("20", probe.importe_total, Decimal(30), "dias")] if pay else []
    return Invoice(
        issuer,
        buyer,
        DAY,
        1234,
        "87654321",
        lines,
        payments,
        [("Periodo", "01/11/2026 - 30/11/2026"), ("Contrato", "C-123")],
    )


def _line(code: str, price: str, tax: str = "4", **kwargs: object) -> InvoiceLine:
    return InvoiceLine(code, f"Servicio {code}", Decimal(1), Decimal(price), tax, **kwargs)  # type: ignore[arg-type]


def single_plan() -> Invoice:
    return _invoice(_line("PLAN-100", "25.99"))


def prorated_plan() -> Invoice:
    fee = prorate(Decimal("25.99"), date(2026, 11, 1), DAY, date(2026, 11, 12), None)
    return _invoice(_line("PLAN-100", str(fee)), _line("PLAN-200", "40.00"))


def mixed_rates() -> Invoice:
    return _invoice(
        _line("PLAN", "20.00", "4"),
        _line("EXPORT", "5.00", "0"),
        _line("EXENTO", "3.00", "7"),
        _line("REEMBOLSO", "2.50", "6"),
    )


def discounted() -> Invoice:
    return _invoice(
        InvoiceLine(
            "PLAN",
            "Plan hogar\ncon descuento",
            Decimal(2),
            Decimal("19.999999"),
            "4",
            discount=Decimal("5.00"),
        ),
        InvoiceLine("MIN", "Minutos adicionales", Decimal("37.5"), Decimal("0.045"), "4"),
    )


def one_off() -> Invoice:
    return _invoice(_line("PLAN", "25.99"), _line("INSTALACION", "50.00"))


def with_ice() -> Invoice:
    return _invoice(
        _line("PLAN", "25.99"),
        _line("TV-PAGADA", "18.00", extra_taxes=(ExtraTax("3", "3092", Decimal(15)),)),
    )


def consumidor_final() -> Invoice:
    return _invoice(_line("RECARGA", "10.00"), buyer=Buyer.consumidor_final(), pay=False)


def designated_issuer() -> Invoice:
    return _invoice(_line("PLAN-100", "25.99"), issuer=DESIGNATED)


SCENARIOS: dict[str, Callable[[], Invoice]] = {
    f.__name__: f
    for f in (
        single_plan,
        prorated_plan,
        mixed_rates,
        discounted,
        one_off,
        with_ice,
        consumidor_final,
        designated_issuer,
    )
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_valid_against_xsd(scenario: str, version: str) -> None:
    xml = to_xml(SCENARIOS[scenario](), version)
    assert validate_factura(xml) == []
    root = etree.fromstring(xml)
    assert (root.tag, root.get("id"), root.get("version")) == ("factura", "comprobante", version)


def test_compact_utf8_single_serialisation() -> None:
    xml = to_xml(discounted())
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?><factura ')
    assert b"\n" not in xml and b">  <" not in xml
    assert "Cía. Ltda.".encode() in xml
    assert b"<descripcion>Plan hogar con descuento</descripcion>" in xml
    assert to_xml(discounted()) == xml  # deterministic


def test_amount_formats() -> None:
    root = etree.fromstring(to_xml(discounted()))
    detalle = root.find("detalles/detalle")
    assert detalle is not None
    assert detalle.findtext("cantidad") == "2.000000"
    assert detalle.findtext("precioUnitario") == "19.999999"
    assert detalle.findtext("descuento") == "5.00"
    assert detalle.findtext("precioTotalSinImpuesto") == "35.00"  # 39.999998 − 5 → 35.00
    assert [e.tag for e in detalle.find("impuestos/impuesto")] == [  # type: ignore[union-attr]
        "codigo", "codigoPorcentaje", "tarifa", "baseImponible", "valor",
    ]  # fmt: skip
    total = root.find("infoFactura/totalConImpuestos/totalImpuesto")
    assert [e.tag for e in total] == [  # type: ignore[union-attr]
        "codigo", "codigoPorcentaje", "baseImponible", "tarifa", "valor",
    ]  # fmt: skip
    assert root.findtext("infoFactura/moneda") == "DOLAR"
    assert money(Decimal(10)) == "10.00"
    assert money(Decimal("1E+1")) == "10.00"


def test_header_matches_invoice() -> None:
    inv = with_ice()
    root = etree.fromstring(to_xml(inv))
    info = root.find("infoFactura")
    assert info is not None
    assert info.findtext("totalSinImpuestos") == money(inv.total_sin_impuestos)
    assert info.findtext("importeTotal") == money(inv.importe_total)
    assert info.findtext("pagos/pago/total") == money(inv.importe_total)
    codes = [
        (t.findtext("codigo"), t.findtext("codigoPorcentaje")) for t in info.iter("totalImpuesto")
    ]
    assert codes == [("2", "4"), ("3", "3092")]
    extra = root.find("infoAdicional")
    assert extra is not None
    assert [(c.get("nombre"), c.text) for c in extra] == [
        ("Email", "pagos@cliente.ec"),
        ("Periodo", "01/11/2026 - 30/11/2026"),
        ("Contrato", "C-123"),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_clave_acceso_matches_the_document(version: str) -> None:
    inv = prorated_plan()
    root = etree.fromstring(to_xml(inv, version))
    key = root.findtext("infoTributaria/claveAcceso")
    assert key == inv.access_key
    parts = access_key.parse(key)
    tributaria = root.find("infoTributaria")
    assert tributaria is not None
    assert f"{parts.sequential:09d}" == tributaria.findtext("secuencial") == "000001234"
    assert parts.establishment == tributaria.findtext("estab") == "002"
    assert parts.emission_point == tributaria.findtext("ptoEmi") == "003"
    assert parts.ruc == tributaria.findtext("ruc")
    assert str(int(parts.environment)) == tributaria.findtext("ambiente")
    assert f"{parts.issue_date:%d/%m/%Y}" == root.findtext("infoFactura/fechaEmision")
    assert parts.doc_type == tributaria.findtext("codDoc") == "01"


def _tamper(xml: bytes, path: str, text: str | None = None) -> bytes:
    root = etree.fromstring(xml)
    node = root.find(path)
    assert node is not None
    if text is None:
        node.getparent().remove(node)  # type: ignore[union-attr]
    else:
        node.text = text
    return etree.tostring(root)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("infoTributaria/claveAcceso", None),
        ("infoTributaria/claveAcceso", "123"),
        ("infoFactura/importeTotal", "10.001"),
        ("infoFactura/fechaEmision", "2026-11-30"),
        ("detalles", None),
        ("detalles/detalle/impuestos/impuesto/tarifa", None),
    ],
)
def test_xsd_rejects_tampered(version: str, path: str, text: str | None) -> None:
    assert validate_factura(_tamper(to_xml(single_plan(), version), path, text)) != []


def test_validate_non_factura() -> None:
    assert validate_factura(b"<factura") != []
    assert validate_factura(b"<notaCredito/>") != []
    assert validate_factura(b'<factura version="9.9.9"/>') != []


def test_xsd_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    default = sri_schema.xsd_dir()
    assert (default / "factura_V2.1.0.xsd").is_file()
    monkeypatch.setenv("SRI_XSD_DIR", str(tmp_path))
    assert sri_schema.xsd_dir() == tmp_path
    monkeypatch.setenv("SRI_XSD_DIR", str(default))
    assert validate_factura(to_xml(single_plan())) == []


lines = st.builds(
    lambda qty, price, frac, tax, ice: InvoiceLine(
        "C",
        "Línea",
        qty,
        price,
        tax,
        discount=(qty * price * frac).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        extra_taxes=ice,
    ),
    st.decimals(min_value=Decimal("0.000001"), max_value=1_000, places=6, allow_nan=False),
    st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False),
    st.decimals(min_value=0, max_value=1, places=2, allow_nan=False),
    st.sampled_from(sorted(IVA_RATES)),
    st.sampled_from([(), (ExtraTax("3", "3092", Decimal(15)),)]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(lines, min_size=1, max_size=6), st.sampled_from(VERSIONS))
def test_generated_invoices_are_valid_and_consistent(
    items: list[InvoiceLine], version: str
) -> None:
    inv = _invoice(*items)
    root = etree.fromstring(to_xml(inv, version))
    assert validate_factura(to_xml(inv, version)) == []
    total_sin = sum(
        Decimal(d.findtext("precioTotalSinImpuesto") or "") for d in root.iter("detalle")
    )
    assert Decimal(root.findtext("infoFactura/totalSinImpuestos") or "") == total_sin
    header_taxes = sum(Decimal(t.findtext("valor") or "") for t in root.iter("totalImpuesto"))
    line_taxes = sum(Decimal(t.findtext("valor") or "") for t in root.iter("impuesto"))
    assert header_taxes == line_taxes
    assert Decimal(root.findtext("infoFactura/importeTotal") or "") == total_sin + header_taxes


def test_packaged_schemas_are_sris_files() -> None:
    assert_official(sorted(sri_schema.PACKAGED_XSD_DIR.glob("*.xsd")))
