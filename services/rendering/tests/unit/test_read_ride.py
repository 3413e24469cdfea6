"""Reading a factura into the RIDE model: every input form SRI and issuers produce, and refusals."""

from dataclasses import replace
from decimal import Decimal

import pytest

from rendering.domain import codes
from rendering.domain.parse import read_ride
from rendering.domain.ride import Field, NotAFactura, NotAuthorized, RideError
from rendering.domain.source import authorized_at
from services.rendering.tests.unit import facturas as f

ONE_RATE = f.one_rate()


def _forms(version: str) -> dict[str, bytes]:
    bare = f.factura(ONE_RATE, version)
    return {
        "unsigned": bare,
        "signed": f.signed(bare),
        "stored record": f.stored_record(f.signed(bare)),
        "SOAP answer": f.soap_answer(f.signed(bare)),
    }


@pytest.mark.parametrize("version", ["1.1.0", "2.1.0"])
def test_every_form_gives_the_same_ride(version: str) -> None:
    rides = {name: read_ride(xml) for name, xml in _forms(version).items()}
    plain = rides["unsigned"]
    assert plain.version == version
    assert plain.authorization is None
    assert plain.authorization_number == ONE_RATE.access_key  # offline scheme: the clave
    assert rides["signed"] == plain
    for name in ("stored record", "SOAP answer"):
        ride = rides[name]
        assert ride.authorization is not None, name
        assert ride.authorization.number == ONE_RATE.access_key
        assert ride.authorization.authorized_at == f.AUTHORIZED_PRINTED
        assert ride.authorization.environment == "PRODUCCIÓN"
        assert replace(ride, authorization=None) == plain


def test_reads_what_the_factura_says() -> None:
    ride = read_ride(f.authorized(ONE_RATE))
    assert ride.number == "001-002-000000123"
    assert ride.access_key == ONE_RATE.access_key
    assert (ride.environment, ride.emission, ride.issue_date) == (
        "PRODUCCIÓN",
        "NORMAL",
        "01/12/2026",
    )
    issuer = ride.issuer
    assert (issuer.ruc, issuer.contribuyente_especial, issuer.obligado_contabilidad) == (
        "1790011674001",
        "5368",
        "SI",
    )
    assert issuer.dir_establecimiento == "Av. 6 de Diciembre N33-12, Quito"
    assert (ride.buyer.name, ride.buyer.id_type, ride.buyer.identification) == (
        "José Núñez Peña",
        "CÉDULA",
        "1714307103",
    )
    assert [line.code for line in ride.lines] == ["PLAN-25", "PLAN-10"]
    assert ride.lines[0].unit_price == Decimal("25.990000")
    assert isinstance(ride.lines[0].total, Decimal)
    [payment] = ride.payments
    assert (payment.code, payment.description, payment.total) == (
        "20",
        "OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO",
        Decimal("41.39"),
    )
    assert (payment.term, payment.time_unit) == (Decimal("15.00"), "dias")
    assert ride.additional_info[0] == Field("Email", "jose@example.com")


def test_hand_written_factura_of_another_issuer() -> None:
    ride = read_ride(f.HAND_WRITTEN.read_bytes())
    assert ride.issuer.agente_retencion == "1"
    assert ride.issuer.contribuyente_rimpe == "CONTRIBUYENTE RÉGIMEN RIMPE"
    assert ride.buyer.guia_remision == "002-101-000000321"
    assert ride.buyer.id_type == "PASAPORTE"
    assert ride.lines[0].aux_code == "7861234500017"
    assert ride.lines[0].details == (Field("Marca", "Andina"), Field("Garantía", "6 meses"))
    assert [p.description for p in ride.payments] == [
        "SIN UTILIZACIÓN DEL SISTEMA FINANCIERO",
        "TARJETA DE CRÉDITO",
    ]
    assert ride.statement == ()  # no account statement in a shop's factura


def test_billings_designations_reach_the_ride_data() -> None:
    """What billing writes for a designated issuer (issue 12 item 4): the agente de retención
    resolution from infoTributaria, the Gran Contribuyente legend among the campos; the
    Estado de cuenta is still read from the other campos."""
    ride = read_ride(f.authorized(f.designated()))
    assert ride.issuer.agente_retencion == "12345"
    assert ride.additional_info[:2] == (
        Field("Email", "jose@example.com"),
        Field("Gran Contribuyente", f"Resolución No. {f.GRAN_CONTRIBUYENTE}"),
    )
    assert [field.name for field in ride.statement][:3] == ["Cuenta", "Periodo", "Saldo anterior"]
    assert read_ride(f.authorized(ONE_RATE)).issuer.agente_retencion is None


def test_prefers_the_authorized_answer_and_refuses_an_unauthorized_one() -> None:
    signed = f.signed(f.factura(ONE_RATE))
    clave = ONE_RATE.access_key
    answer = f.soap_answer(signed, ("NO AUTORIZADO", None), ("AUTORIZADO", clave))
    assert read_ride(answer).authorization is not None
    with pytest.raises(NotAuthorized, match="NO AUTORIZADO"):
        read_ride(f.soap_answer(signed, ("NO AUTORIZADO", None)))


def _mangled(old: str, new: str) -> bytes:
    return f.factura(ONE_RATE).replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<notaCredito/>", "found <notaCredito>"),
        (b"not xml at all", "not well-formed"),
        (b"", "not well-formed"),
        (_mangled("<codDoc>01</codDoc>", "<codDoc>04</codDoc>"), "codDoc is '04'"),
        (
            _mangled("<importeTotal>", "<importeTotalX>").replace(
                b"</importeTotal>", b"</importeTotalX>"
            ),
            "infoFactura/importeTotal",
        ),
        (_mangled("<totalDescuento>0.00", "<totalDescuento>1,50"), "not a number"),
        (_mangled("<totalDescuento>0.00", "<totalDescuento>NaN"), "not a number"),
        (
            _mangled("<detalles>", "<detallesX>").replace(b"</detalles>", b"</detallesX>"),
            "lacks factura/detalles",
        ),
    ],
)
def test_refuses_what_is_not_a_factura(xml: bytes, message: str) -> None:
    with pytest.raises(NotAFactura, match=message):
        read_ride(xml)


def test_refuses_a_comprobante_that_is_not_a_factura() -> None:
    record = f.stored_record(f.factura(ONE_RATE)).replace(b"<factura ", b"<notaCredito ")
    record = record.replace(b"</factura>", b"</notaCredito>")
    with pytest.raises(NotAFactura, match="notaCredito"):
        read_ride(record)


def test_never_expands_entities() -> None:
    xml = f.factura(ONE_RATE).replace(
        b'<factura id="comprobante"',
        b'<!DOCTYPE factura [<!ENTITY x SYSTEM "file:///etc/passwd">]><factura id="comprobante"',
    )
    xml = xml.replace(b"Telecomunicaciones de Prueba S.A.", b"Tele &x; S.A.")
    try:
        ride = read_ride(xml)
    except RideError:
        return
    assert "root:" not in ride.issuer.razon_social


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("2026-12-01T10:15:20.123-05:00", "01/12/2026 10:15:20"),
        ("2026-12-01T15:15:20Z", "01/12/2026 10:15:20"),  # UTC shown in Ecuador time
        ("2026-12-01T10:15:20", "01/12/2026 10:15:20"),  # naive: already Ecuador time
        ("01/12/2026 10:15:20", "01/12/2026 10:15:20"),  # SRI's older form, kept
        (None, ""),
    ],
)
def test_authorization_time_is_printed_in_ecuador_time(value: str | None, printed: str) -> None:
    assert authorized_at(value) == printed


def test_code_tables() -> None:
    assert codes.forma_pago("01") == "SIN UTILIZACIÓN DEL SISTEMA FINANCIERO"
    assert codes.forma_pago("16") == "TARJETA DE DÉBITO"
    assert codes.forma_pago("19") == "TARJETA DE CRÉDITO"
    assert codes.forma_pago("20") == "OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO"
    assert "99" in codes.forma_pago("99")
    labels = {
        code: codes.subtotal_label(code, codes.iva_rate(code, None)) for code in codes.IVA_RATES
    }
    assert labels == {
        "0": "SUBTOTAL 0%",
        "2": "SUBTOTAL 12%",
        "3": "SUBTOTAL 14%",
        "4": "SUBTOTAL 15%",
        "5": "SUBTOTAL 5%",
        "6": "SUBTOTAL NO OBJETO DE IVA",
        "7": "SUBTOTAL EXENTO DE IVA",
        "8": "SUBTOTAL 8%",
        "10": "SUBTOTAL 13%",
    }
    assert codes.ambiente("1") == "PRUEBAS"
    assert codes.tipo_identificacion("07") == "CONSUMIDOR FINAL"
