"""The RIDE of a nota de crédito and of a nota de débito (issue 12): read from SRI's autorizacion
record of an XSD-valid, signed note, then as a person reads the PDF (pdftotext) and a machine
(barcode, embedded XML, PDF/A-3b declaration). A note is never printed as another kind."""

import re
from decimal import Decimal
from functools import cache

import pytest

from rendering.adapters.pdf import render_ride
from rendering.domain.documents import read_document
from rendering.domain.ride import Amount, Modified, NotAFactura, Reason
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import notes as n
from services.rendering.tests.unit import pdf_tools as tools

D = Decimal
CREDIT_LINES = (
    n.NoteLine("PLAN-25", "Plan PLAN-25: 3 días sin servicio", D("2.60")),
    n.NoteLine("EQUIPO", "Equipo terminal: cuota devuelta", D("10.00"), "5", D(5)),
)
DEBIT_MOTIVOS = (
    ("Interés por mora de la factura 001-002-000000123", D("1.20")),
    ("Reconexión del servicio", D("3.00")),
)
# What both RIDEs show, as the factura's does (facturas.CHECKLIST's issuer and buyer).
COMMON = (
    "R.U.C.: 1790011674001",
    "NÚMERO DE AUTORIZACIÓN",
    f"FECHA Y HORA DE AUTORIZACIÓN: {f.AUTHORIZED_PRINTED}",
    "AMBIENTE: PRODUCCIÓN",
    "EMISIÓN: NORMAL",
    "CLAVE DE ACCESO",
    "Telecomunicaciones de Prueba S.A.",
    "Dir. Matriz: Av. Amazonas N1-23 y Colón, Quito",
    "Contribuyente Especial Nro.: 5368",
    "OBLIGADO A LLEVAR CONTABILIDAD: SI",
    "Razón Social / Nombres y Apellidos: José Núñez Peña",
    "Identificación: 1714307103 (CÉDULA)",
    "Fecha de Emisión: 01/12/2026",
    "Comprobante que se modifica: FACTURA 001-002-000000123",
    "Fecha emisión (comprobante a modificar): 01/11/2026",
    "Información Adicional",
    "Email jose@example.com",
)


@cache
def _credit_xml() -> bytes:
    return n.authorized(n.credit_note(*CREDIT_LINES))


@cache
def _debit_xml() -> bytes:
    return n.authorized(n.debit_note(*DEBIT_MOTIVOS))


@cache
def _pdf(kind: str) -> bytes:
    if kind == "04":
        return render_ride(_credit_xml(), "04")
    return render_ride(_debit_xml(), "05")


def _total(text: str, label: str, value: str) -> bool:
    return re.search(rf"(?m)^.*{re.escape(label)}\s+{re.escape(value)}\s*$", text) is not None


def test_fixtures_are_valid_against_sris_schemas() -> None:
    assert n.xsd_errors(n.credit_note(*CREDIT_LINES)) == []
    assert n.xsd_errors(n.debit_note(*DEBIT_MOTIVOS)) == []
    broken = n.credit_note().replace(b"<motivo>", b"<razon>").replace(b"</motivo>", b"</razon>")
    assert n.xsd_errors(broken)  # the check can fail


def test_credit_note_is_read_with_what_it_modifies_its_reason_lines_and_totals() -> None:
    ride = read_document(_credit_xml(), "04")
    assert (ride.title, ride.name) == ("NOTA DE CRÉDITO", "Nota de crédito")
    assert ride.number == "001-002-000000007"
    assert ride.modified == Modified("FACTURA", n.MODIFIED_NUMBER, n.MODIFIED_DATE)
    assert ride.reasons == (Reason(n.CREDIT_REASON),)
    lines = [(line.code, line.total) for line in ride.lines]
    assert lines == [("PLAN-25", D("2.60")), ("EQUIPO", D("10.00"))]
    assert ride.authorization is not None
    assert ride.authorization.authorized_at == f.AUTHORIZED_PRINTED
    assert ride.totals == (
        Amount("SUBTOTAL 15%", D("2.60")),
        Amount("SUBTOTAL 5%", D("10.00")),
        Amount("SUBTOTAL SIN IMPUESTOS", D("12.60")),
        Amount("IVA 15%", D("0.39")),
        Amount("IVA 5%", D("0.50")),
        Amount("VALOR MODIFICACIÓN", D("13.49")),
    )
    assert ride.statement == () and ride.payments == ()


def test_debit_note_is_read_with_its_motivos_and_totals() -> None:
    ride = read_document(_debit_xml(), "05")
    assert (ride.title, ride.number) == ("NOTA DE DÉBITO", "001-002-000000008")
    assert ride.modified == Modified("FACTURA", n.MODIFIED_NUMBER, n.MODIFIED_DATE)
    assert ride.reasons == tuple(Reason(text, value) for text, value in DEBIT_MOTIVOS)
    assert ride.lines == ()
    assert ride.totals == (
        Amount("SUBTOTAL 15%", D("4.20")),
        Amount("SUBTOTAL SIN IMPUESTOS", D("4.20")),
        Amount("IVA 15%", D("0.63")),
        Amount("VALOR TOTAL", D("4.83")),
    )
    assert [(p.description, p.total) for p in ride.payments] == [
        ("OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO", D("4.83"))
    ]


def test_a_document_is_read_only_as_the_kind_its_event_names() -> None:
    with pytest.raises(NotAFactura, match="not a factura"):
        read_document(_credit_xml(), "01")
    with pytest.raises(NotAFactura, match="not a notaDebito"):
        read_document(_credit_xml(), "05")
    with pytest.raises(NotAFactura, match="not a notaCredito"):
        read_document(f.authorized(f.one_rate()), "04")
    assert read_document(_debit_xml(), None).title == "NOTA DE DÉBITO"  # the command line
    lying = n.credit_note().replace(b"<codDoc>04</codDoc>", b"<codDoc>05</codDoc>")
    with pytest.raises(NotAFactura, match="codDoc"):
        read_document(lying, "04")


def test_a_note_missing_what_its_xsd_requires_is_refused_by_name() -> None:
    without = re.sub(rb"<motivo>.*?</motivo>", b"", n.credit_note())
    with pytest.raises(NotAFactura, match="infoNotaCredito/motivo"):
        read_document(without, "04")
    without = re.sub(rb"<motivos>.*?</motivos>", b"", n.debit_note())
    with pytest.raises(NotAFactura, match="notaDebito/motivos"):
        read_document(without, "05")


def test_credit_note_ride_text() -> None:
    text = tools.text(_pdf("04"))
    flat = tools.flat(text)
    expected = (
        *COMMON,
        "NOTA DE CRÉDITO",
        "No. 001-002-000000007",
        f"Razón de modificación: {n.CREDIT_REASON}",
        "Cód. Principal",
        "Plan PLAN-25: 3 días sin servicio",
        "Equipo terminal: cuota devuelta",
        "NOTA DE CRÉDITO No. 001-002-000000007",  # the running footer
        "Página 1 de 1",
    )
    missing = [label for label in expected if label not in flat]
    assert not missing, missing
    ride = read_document(_credit_xml(), "04")
    assert flat.count(ride.access_key) == 2
    for total in ride.totals:
        assert _total(text, total.label, f"{total.value:.2f}"), total
    for absent in ("FACTURA No.", "TOTAL DESCUENTO", "ESTADO DE CUENTA", "Forma de Pago"):
        assert absent not in flat


def test_debit_note_ride_text() -> None:
    text = tools.text(_pdf("05"))
    flat = tools.flat(text)
    expected = (
        *COMMON,
        "NOTA DE DÉBITO",
        "No. 001-002-000000008",
        "Motivos de la modificación",
        "Razón de la modificación Valor de la modificación",
        "Interés por mora de la factura 001-002-000000123 1.20",
        "Reconexión del servicio 3.00",
        "Forma de Pago",
        "NOTA DE DÉBITO No. 001-002-000000008",
    )
    missing = [label for label in expected if label not in flat]
    assert not missing, missing
    for label, value in (("SUBTOTAL 15%", "4.20"), ("IVA 15%", "0.63"), ("VALOR TOTAL", "4.83")):
        assert _total(text, label, value), label
    assert "Cód. Principal" not in flat  # no detail lines: the motivos are its detail


@pytest.mark.parametrize("kind", ["04", "05"])
def test_barcode_attachment_and_pdf_a_declaration(kind: str) -> None:
    xml = _credit_xml() if kind == "04" else _debit_xml()
    pdf = _pdf(kind)
    clave = read_document(xml, kind).access_key
    assert clave[8:10] == kind
    assert tools.barcodes(pdf) == [f"CODE-128:{clave}"]
    assert tools.detached(pdf) == {f"{clave}.xml": xml}
    [spec] = tools.catalog_af(pdf)
    assert spec["/AFRelationship"] == "/Source"
    assert tools.pdfaid(tools.xmp(pdf)) == ("3", "B")
    title = "Nota de crédito" if kind == "04" else "Nota de débito"
    assert "<dc:title>" in tools.xmp(pdf) and title in tools.xmp(pdf)
    assert all(re.fullmatch(r"/[A-Z]{6}\+RIDE-Sans[\w-]*", name) for name in tools.fonts(pdf))
