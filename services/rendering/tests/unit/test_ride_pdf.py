"""The RIDE as a person reads it (pdftotext) and as a machine reads it (barcode, attachment, XMP).

The acceptance list of issue 9: every label of the RIDE checklist with the right values for one
rate, several rates, ICE, discounts and 60 lines (three pages, header repeated); the barcode
decodes to exactly the clave; the embedded XML equals the input byte for byte; PDF/A-3b.
"""

import re
from collections.abc import Callable
from functools import cache

import pytest

from billing.domain.invoice import Invoice
from rendering.adapters.pdf import render_ride
from rendering.domain.parse import read_ride
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import pdf_tools as tools

SCENARIOS: dict[str, Callable[[], Invoice]] = {
    "one rate": f.one_rate,
    "several rates": f.several_rates,
    "ice": f.with_ice,
    "discounts": f.discounted,
    "60 lines": f.many_lines,
}
DETAIL_HEADER = (
    "Cód. Principal",
    "Cód. Auxiliar",
    "Cantidad",
    "Descripción",
    "Detalle Adicional",
    "Precio Unitario",
    "Descuento",
    "Precio Total",
)
CHECKLIST = (
    "R.U.C.: 1790011674001",
    "FACTURA",
    "No. 001-002-000000123",
    "NÚMERO DE AUTORIZACIÓN",
    f"FECHA Y HORA DE AUTORIZACIÓN: {f.AUTHORIZED_PRINTED}",
    "AMBIENTE: PRODUCCIÓN",
    "EMISIÓN: NORMAL",
    "CLAVE DE ACCESO",
    "Telecomunicaciones de Prueba S.A.",
    "Mi Claro Prueba",
    "Dir. Matriz: Av. Amazonas N1-23 y Colón, Quito",
    "Dir. Sucursal: Av. 6 de Diciembre N33-12, Quito",
    "Contribuyente Especial Nro.: 5368",
    "OBLIGADO A LLEVAR CONTABILIDAD: SI",
    "Razón Social / Nombres y Apellidos: José Núñez Peña",
    "Identificación: 1714307103 (CÉDULA)",
    "Fecha de Emisión: 01/12/2026",
    "Dirección: Calle Ficticia 12 y Ejemplo, Cuenca",
    *DETAIL_HEADER,
    "Información Adicional",
    "Email jose@example.com",
    "Forma de Pago",
    "OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO",
    "SUBTOTAL SIN IMPUESTOS",
    "TOTAL DESCUENTO",
    "VALOR TOTAL",
    "ESTADO DE CUENTA",
    "NO FISCAL",
    "Saldo anterior 12.50",
    "Pagos recibidos 12.50",
    "Fecha máxima de pago 16/12/2026",
)


@cache
def _xml(name: str) -> bytes:
    return f.authorized(SCENARIOS[name]())


@cache
def _pdf(name: str) -> bytes:
    return render_ride(_xml(name))


def _total(text: str, label: str, value: str) -> bool:
    return re.search(rf"(?m)^.*{re.escape(label)}\s+{re.escape(value)}\s*$", text) is not None


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_text_has_every_checklist_label_and_value(name: str) -> None:
    pdf = _pdf(name)
    text = tools.text(pdf)
    flat = tools.flat(text)
    missing = [label for label in CHECKLIST if label not in flat]
    assert not missing, f"{name}: missing {missing}"
    ride = read_ride(_xml(name))
    assert ride.access_key in flat
    assert flat.count(ride.access_key) == 2  # NÚMERO DE AUTORIZACIÓN and under the barcode
    for total in ride.totals:
        assert _total(text, total.label, f"{total.value:.2f}"), f"{name}: {total}"
    invoice = SCENARIOS[name]()
    assert _total(text, "VALOR TOTAL", f"{invoice.importe_total:.2f}")
    assert f"Saldo a pagar {invoice.importe_total:.2f}" in flat


def test_only_the_totals_in_use() -> None:
    text = tools.text(_pdf("one rate"))
    for absent in ("SUBTOTAL 5%", "SUBTOTAL 0%", "NO OBJETO", "EXENTO", "PROPINA", "IRBPNR"):
        assert absent not in text
    assert not re.search(r"\bICE\s+\d", text)


def test_several_rates_ice_and_discount_values() -> None:
    several = tools.text(_pdf("several rates"))
    for label, value in [
        ("SUBTOTAL 15%", "20.00"),
        ("SUBTOTAL 5%", "40.00"),
        ("SUBTOTAL 0%", "5.00"),
        ("SUBTOTAL NO OBJETO DE IVA", "2.50"),
        ("SUBTOTAL EXENTO DE IVA", "3.00"),
        ("IVA 15%", "3.00"),
        ("IVA 5%", "2.00"),
        ("VALOR TOTAL", "75.50"),
    ]:
        assert _total(several, label, value), label
    ice = tools.text(_pdf("ice"))
    # docs/sri.md §9: the subtotal without ICE, the IVA on price plus ICE.
    for label, value in [("SUBTOTAL 15%", "50.00"), ("ICE", "4.50"), ("IVA 15%", "8.18")]:
        assert _total(ice, label, value), label
    discounts = tools.text(_pdf("discounts"))
    assert _total(discounts, "TOTAL DESCUENTO", "10.50")
    assert re.search(r"PLAN\s+1\.00 .*\s40\.00\s+10\.00\s+30\.00", discounts)


def test_sixty_lines_make_three_pages_with_the_header_on_each() -> None:
    pdf = _pdf("60 lines")
    assert tools.pages(pdf) == 3
    seen: list[str] = []
    for page in (1, 2, 3):
        text = tools.text(pdf, page)
        flat = tools.flat(text)
        assert flat.count(" ".join(DETAIL_HEADER)) == 1, f"page {page}: header"
        assert f"Página {page} de 3" in flat
        assert "FACTURA No. 001-002-000000123" in flat  # the running footer
        seen += re.findall(r"(?m)^\s*(L\d{3})\s", text)
    assert seen == [f"L{n:03d}" for n in range(1, 61)]  # every line once, in order
    assert "VALOR TOTAL" in tools.text(pdf, 3)


@pytest.mark.parametrize("name", ["one rate", "60 lines"])
def test_barcode_reads_back_as_the_clave(name: str) -> None:
    clave = read_ride(_xml(name)).access_key
    assert tools.barcodes(_pdf(name)) == [f"CODE-128:{clave}"]


def test_embedded_xml_is_the_input_byte_for_byte() -> None:
    xml, pdf = _xml("one rate"), _pdf("one rate")
    clave = read_ride(xml).access_key
    assert tools.attachments(pdf) == {f"{clave}.xml": [xml]}
    assert tools.detached(pdf) == {f"{clave}.xml": xml}
    [spec] = tools.catalog_af(pdf)  # PDF/A-3: the file is associated with the document
    assert spec["/AFRelationship"] == "/Source"
    embedded = spec["/EF"]["/F"].get_object()  # type: ignore[index]
    assert embedded["/Subtype"] in ("/application#2Fxml", "/application/xml", "/text/xml")


def test_declares_pdf_a_3b() -> None:
    pdf = _pdf("several rates")
    assert pdf.startswith(b"%PDF-1.7")
    assert tools.pdfaid(tools.xmp(pdf)) == ("3", "B")
    [intent] = tools.catalog(pdf)["/OutputIntents"]  # PDF/A needs one: sRGB here
    assert intent.get_object()["/S"] == "/GTS_PDFA1"


def test_fonts_are_the_shipped_ones_and_embedded() -> None:
    pdf = _pdf("one rate")
    fonts = tools.fonts(pdf)
    # Subset tag + the @font-face family: no system font was picked.
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+RIDE-Sans[\w-]*", name) for name in fonts), fonts
    assert all(tools.font_files(pdf))


def test_hand_written_factura_shows_its_own_blocks() -> None:
    pdf = render_ride(f.HAND_WRITTEN.read_bytes())
    flat = tools.flat(tools.text(pdf))
    for label in (
        "FERRETERÍA ANDINA DE EJEMPLO S.A.",
        "Agente de Retención Resolución No. 1",
        "CONTRIBUYENTE RÉGIMEN RIMPE",
        "Guía de Remisión: 002-101-000000321",
        "MARÍA JOSÉ ÑAUPARI ÁLVAREZ",
        "7861234500017",
        "Marca: Andina",
        "SIN UTILIZACIÓN DEL SISTEMA FINANCIERO 46.45",
        "TARJETA DE CRÉDITO 120.00 3 meses",
        "PROPINA 0.00",
        "FECHA Y HORA DE AUTORIZACIÓN: —",  # a bare factura: no SRI answer to show
        "Página 1 de 1",
    ):
        assert label in flat, label
    assert "ESTADO DE CUENTA" not in flat


def test_designated_issuer_shows_its_resolutions() -> None:
    """The RIDE of billing's factura for a designated issuer (sheet annexes 21 and 24): the
    agente de retención line with the issuer, the Gran Contribuyente legend in Información
    Adicional; neither on a factura without designations."""
    flat = tools.flat(tools.text(render_ride(f.authorized(f.designated()))))
    assert "Agente de Retención Resolución No. 12345" in flat
    assert f"Gran Contribuyente Resolución No. {f.GRAN_CONTRIBUYENTE}" in flat
    plain = tools.flat(tools.text(_pdf("one rate")))
    assert "Agente de Retención" not in plain and "Gran Contribuyente" not in plain
