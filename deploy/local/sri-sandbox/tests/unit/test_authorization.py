"""Autorización: AUTORIZADO, NO AUTORIZADO with 39, 52 and 65, EN PROCESO, unknown keys."""

import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from starlette.applications import Starlette

from billing.adapters.signing import SigningCredentials
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from sri_sandbox.checks import Fields, date_problem, today_in_ecuador
from sri_sandbox.signature import DS
from sri_sandbox.testing import SoapClient

Edit = Callable[[bytes, Callable[[etree._Element], None]], bytes]


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


async def authorize(client: SoapClient, document: bytes) -> etree._Element:
    """Submit (must be RECIBIDA) and return the single <autorizacion> answered."""
    reception = await client.recepcion(document)
    assert reception.findtext(".//estado") == "RECIBIDA", etree.tostring(reception)
    answer = await client.autorizacion(clave_of(document))
    entries = answer.findall(".//autorizaciones/autorizacion")
    assert len(entries) == 1
    return entries[0]


def ids(autorizacion: etree._Element) -> list[str | None]:
    return [m.findtext("identificador") for m in autorizacion.iterfind("mensajes/mensaje")]


def info(autorizacion: etree._Element) -> str:
    return " | ".join(
        m.findtext("informacionAdicional") or "" for m in autorizacion.iterfind("mensajes/mensaje")
    )


async def test_39_a_byte_changed_after_signing(
    client: SoapClient, signed: Callable[..., bytes]
) -> None:
    document = signed()
    tampered = document.replace(b"<razonSocialComprador>Juan", b"<razonSocialComprador>Xuan")
    assert tampered != document
    autorizacion = await authorize(client, tampered)
    assert autorizacion.findtext("estado") == "NO AUTORIZADO"
    assert autorizacion.findtext("numeroAutorizacion") is None
    assert ids(autorizacion) == ["39"]
    assert autorizacion.findtext("mensajes/mensaje/mensaje") == "FIRMA INVALIDA"
    assert "Digest mismatch" in info(autorizacion)


async def test_39_unsigned(client: SoapClient, make_invoice: Callable[..., Invoice]) -> None:
    autorizacion = await authorize(client, to_xml(make_invoice()))
    assert ids(autorizacion) == ["39"]
    assert "no está firmado" in info(autorizacion)


async def test_39_certificate_from_an_untrusted_ca(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Callable[..., bytes]
) -> None:
    document = sign_xml(to_xml(make_invoice()), untrusted=True)
    autorizacion = await authorize(client, document)
    assert ids(autorizacion) == ["39"]
    assert "CA de confianza" in info(autorizacion)


async def test_without_a_trusted_ca_any_valid_signature_passes(
    make_app: Callable[..., Starlette],
    make_invoice: Callable[..., Invoice],
    sign_xml: Callable[..., bytes],
) -> None:
    document = sign_xml(to_xml(make_invoice()), untrusted=True)
    app = make_app(trusted_ca=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        autorizacion = await authorize(SoapClient(http), document)
    assert autorizacion.findtext("estado") == "AUTORIZADO"


def _set(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path)
        assert element is not None, path
        element.text = value

    return change


def _both(*changes: Callable[[etree._Element], None]) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for one in changes:
            one(root)

    return change


# The single-line invoice: 25.99 + IVA 15% 3.90 = 29.89, paid with one pago of 29.89.
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _both(
                _set("infoFactura/importeTotal", "29.90"),
                _set("infoFactura/pagos/pago/total", "29.90"),
            ),
            "importeTotal 29.90",
        ),
        (_set("infoFactura/totalSinImpuestos", "26.00"), "totalSinImpuestos 26.00"),
        (_set("detalles/detalle/impuestos/impuesto/valor", "3.91"), "impuesto 2/4"),
        (
            _set("infoFactura/totalConImpuestos/totalImpuesto/baseImponible", "25.00"),
            "impuesto 2/4",
        ),
        (_set("infoFactura/pagos/pago/total", "30.00"), "suma de pagos 30.00"),
    ],
    ids=["importe-total", "total-sin-impuestos", "line-tax", "header-base", "pagos"],
)
async def test_52_totals_that_do_not_add_up(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
    change: Callable[[etree._Element], None],
    expected: str,
) -> None:
    xml = to_xml(make_invoice())
    assert b"<importeTotal>29.89</importeTotal>" in xml
    autorizacion = await authorize(client, sign_xml(edit(xml, change)))
    assert autorizacion.findtext("estado") == "NO AUTORIZADO"
    assert ids(autorizacion) == ["52"]
    assert autorizacion.findtext("mensajes/mensaje/mensaje") == "ERROR EN DIFERENCIAS"
    assert expected in info(autorizacion)


# 72 hours from the end of the issue day: three days back is in time at any hour, four never.
@pytest.mark.parametrize(("days", "authorized"), [(-4, False), (-3, True), (0, True), (1, False)])
async def test_65_issue_date_window(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    sign_xml: Callable[..., bytes],
    days: int,
    authorized: bool,
) -> None:
    issue = today_in_ecuador() + timedelta(days=days)
    autorizacion = await authorize(client, sign_xml(to_xml(make_invoice(issue_date=issue))))
    if authorized:
        assert autorizacion.findtext("estado") == "AUTORIZADO"
    else:
        assert autorizacion.findtext("estado") == "NO AUTORIZADO"
        assert ids(autorizacion) == ["65"]
        assert autorizacion.findtext("mensajes/mensaje/mensaje") == "FECHA EMISION EXTEMPORANEA"


@pytest.mark.parametrize(("days", "authorized"), [(-2, False), (-1, True)])
async def test_65_window_is_a_setting(
    make_app: Callable[..., Starlette],
    make_invoice: Callable[..., Invoice],
    sign_xml: Callable[..., bytes],
    days: int,
    authorized: bool,
) -> None:
    issue = today_in_ecuador() + timedelta(days=days)
    document = sign_xml(to_xml(make_invoice(issue_date=issue)))
    app = make_app(transmission_window_hours=24)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        autorizacion = await authorize(SoapClient(http), document)
    assert autorizacion.findtext("estado") == ("AUTORIZADO" if authorized else "NO AUTORIZADO")


def _fields(fecha: str) -> Fields:
    return Fields("", "1", "", "01", "001", "001", "000000001", "1", fecha)


def test_65_counts_the_window_from_the_end_of_the_issue_day_in_ecuador() -> None:
    # 01/11 ends at 02/11 00:00 in Ecuador (05:00 UTC); 72 hours later: 05/11 05:00 UTC.
    deadline = datetime(2026, 11, 5, 5, 0, tzinfo=UTC)
    assert date_problem(_fields("01/11/2026"), deadline) is None
    late = date_problem(_fields("01/11/2026"), deadline + timedelta(seconds=1))
    assert late is not None and late.identifier == "65"
    assert late.additional_info == (
        "fechaEmision 01/11/2026 recibida el 05/11/2026 00:00, más de 72 horas después de la"
        " emisión (plazo hasta el 05/11/2026 00:00)"
    )
    # 23:00 on 01/11 in Ecuador is 02/11 in UTC: a factura of 02/11 is still in the future.
    evening = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    assert date_problem(_fields("02/11/2026"), evening) is not None
    assert date_problem(_fields("01/11/2026"), evening) is None
    assert date_problem(_fields("01/11/2026"), deadline + timedelta(hours=24), 96) is None


async def test_every_problem_is_reported(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
) -> None:
    old = make_invoice(issue_date=today_in_ecuador() - timedelta(days=200))
    document = sign_xml(edit(to_xml(old), _set("infoFactura/totalSinImpuestos", "1.00")))
    tampered = document.replace(b"<razonSocialComprador>Juan", b"<razonSocialComprador>Xuan")
    assert ids(await authorize(client, tampered)) == ["39", "52", "65"]


async def test_unknown_key_has_no_authorizations(client: SoapClient) -> None:
    clave = "2711202601176001321000110010020000000011234567811"
    answer = await client.autorizacion(clave)
    assert answer.findtext(".//claveAccesoConsultada") == clave
    assert answer.findtext(".//numeroComprobantes") == "0"
    autorizaciones = answer.find(".//autorizaciones")
    assert autorizaciones is not None and len(autorizaciones) == 0


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as client:
        yield client


async def test_en_proceso_for_the_first_polls(
    http: httpx.AsyncClient, signed: Callable[..., bytes]
) -> None:
    client = SoapClient(http)
    before = signed()
    assert (await client.recepcion(before)).findtext(".//estado") == "RECIBIDA"
    assert (await http.post("/control", json={"en_proceso_polls": 2})).status_code == 200

    document = signed()
    assert (await client.recepcion(document)).findtext(".//estado") == "RECIBIDA"
    for _ in range(2):
        answer = await client.autorizacion(clave_of(document))
        assert answer.findtext(".//numeroComprobantes") == "1"
        entry = answer.find(".//autorizacion")
        assert entry is not None
        assert entry.findtext("estado") == "EN PROCESO"
        assert entry.findtext("numeroAutorizacion") is None
        assert entry.findtext("comprobante") is None
        assert ids(entry) == ["70"]
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//autorizacion/estado") == "AUTORIZADO"
    # Only keys received after the change are delayed.
    answer = await client.autorizacion(clave_of(before))
    assert answer.findtext(".//autorizacion/estado") == "AUTORIZADO"


async def test_resend_while_en_proceso_is_43(
    http: httpx.AsyncClient, signed: Callable[..., bytes]
) -> None:
    client = SoapClient(http)
    await http.post("/control", json={"en_proceso_polls": 5})
    document = signed()
    await client.recepcion(document)
    assert (await client.recepcion(document)).findtext(".//identificador") == "43"


async def test_authorization_date_is_stable(
    client: SoapClient, signed: Callable[..., bytes]
) -> None:
    document = signed()
    first = await authorize(client, document)
    again = (await client.autorizacion(clave_of(document))).find(".//autorizacion")
    assert again is not None
    assert again.findtext("fechaAutorizacion") == first.findtext("fechaAutorizacion")


def _resigned_with_rsa_sha256(document: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """``document`` validly signed again with RSA-SHA256 (billing only signs RSA-SHA1)."""
    root = etree.fromstring(document)
    signed_info = root[-1].find(f"{{{DS}}}SignedInfo")
    assert signed_info is not None
    method = signed_info.find(f"{{{DS}}}SignatureMethod")
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    value = root[-1].find(f"{{{DS}}}SignatureValue")
    assert value is not None
    canonical = etree.tostring(signed_info, method="c14n")
    value.text = base64.b64encode(key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())).decode()
    resigned: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return resigned


class _Pki(Protocol):
    """conftest's Pki (not importable from here): what this test uses of it."""

    credentials: SigningCredentials


async def test_39_rsa_sha256_signature(
    client: SoapClient, pki: _Pki, signed: Callable[..., bytes]
) -> None:
    """The technical sheet requires RSA-SHA1: a valid RSA-SHA256 signature is FIRMA INVALIDA."""
    document = _resigned_with_rsa_sha256(signed(), pki.credentials.private_key)
    autorizacion = await authorize(client, document)
    assert ids(autorizacion) == ["39"]
    assert "Signature method RSA_SHA256 forbidden" in info(autorizacion)


async def test_version_1_1_0_is_accepted(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Callable[..., bytes]
) -> None:
    document = sign_xml(to_xml(make_invoice(), "1.1.0"))
    assert (await authorize(client, document)).findtext("estado") == "AUTORIZADO"
