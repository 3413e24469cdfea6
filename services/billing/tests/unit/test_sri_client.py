"""The SRI client against the local SRI sandbox (a real uvicorn on a free port).

Signed facturas use the session PKI of test_signing (generated in a tmp dir, never committed).
"""

# The `pki` fixture is imported from test_signing, so every test taking it "redefines" the name.
# ruff: noqa: F811

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from lxml import etree

from billing.adapters import sri_client
from billing.adapters.signing import sign_factura
from billing.adapters.sri_client import (
    Authorization,
    SriClient,
    SriMessage,
    SriUnavailable,
    parse_authorizations,
    parse_authorized_at,
    soap_result,
)
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice, InvoiceLine, Payment
from billing.settings import BillingSettings
from services.billing.tests.unit.test_factura_xml import BUYER, ISSUER
from services.billing.tests.unit.test_signing import Pki, pki  # noqa: F401  (a fixture)
from sri_sandbox.app import AUTORIZACION_PATH, RECEPCION_PATH
from sri_sandbox.checks import today_in_ecuador
from sri_sandbox.settings import SandboxSettings
from sri_sandbox.testing import free_port, serve
from tests.sri_files import assert_official

TEST_ISSUER = replace(ISSUER, environment=1)
_sequentials = iter(range(1, 10**6))


def make_signed(pki: Pki, *, sequential: int | None = None) -> bytes:
    """A factura dated today in Ecuador (SRI's calendar), signed by the test PKI."""
    line = InvoiceLine("PLAN-100", "Plan Hogar", Decimal(1), Decimal("25.99"), "4")
    number = sequential if sequential is not None else next(_sequentials)
    probe = Invoice(TEST_ISSUER, BUYER, today_in_ecuador(), number, "87654321", [line])
    invoice = Invoice(
        TEST_ISSUER,
        BUYER,
        today_in_ecuador(),
        number,
        "87654321",
        [line],
        [Payment("20", probe.importe_total)],
    )
    return sign_factura(to_xml(invoice), pki.credentials, signing_time=datetime.now(UTC))


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


@pytest.fixture
def sandbox(tmp_path: Path, pki: Pki) -> Iterator[str]:
    settings = SandboxSettings(data_dir=tmp_path / "sri-sandbox", trusted_ca=pki.ca_pem)
    with serve(settings) as base_url:
        yield base_url


@pytest.fixture
async def control(sandbox: str) -> AsyncIterator[Callable[..., Awaitable[object]]]:
    """``await control(fail_next=1, ...)``: the sandbox's behaviour switches."""
    async with httpx.AsyncClient(base_url=sandbox) as http:

        async def set_controls(**values: object) -> object:
            response = await http.post("/control", json=values)
            response.raise_for_status()
            return response.json()

        yield set_controls


@pytest.fixture
async def client(sandbox: str) -> AsyncIterator[SriClient]:
    sri = SriClient(sandbox + RECEPCION_PATH, sandbox + AUTORIZACION_PATH, timeout_seconds=5)
    yield sri
    await sri.aclose()


# ---------------------------------------------------------------------------- configuration


def test_packaged_wsdls_are_sris_files() -> None:
    packaged = sorted(sri_client.WSDL_DIR.glob("*.wsdl"))
    assert [p.name for p in packaged] == [
        "AutorizacionComprobantesOffline.wsdl",
        "RecepcionComprobantesOffline.wsdl",
    ]
    assert_official(packaged)


def test_endpoints() -> None:
    base = "/comprobantes-electronicos-ws"
    assert BillingSettings(sri_endpoints="pruebas").sri_urls() == (
        f"https://celcer.sri.gob.ec{base}/RecepcionComprobantesOffline",
        f"https://celcer.sri.gob.ec{base}/AutorizacionComprobantesOffline",
    )
    assert BillingSettings(sri_endpoints="produccion").sri_urls() == (
        f"https://cel.sri.gob.ec{base}/RecepcionComprobantesOffline",
        f"https://cel.sri.gob.ec{base}/AutorizacionComprobantesOffline",
    )


# ---------------------------------------------------------------------------- SRI answers


async def test_recibida_then_autorizado(client: SriClient, pki: Pki) -> None:
    document = make_signed(pki)
    reception = await client.submit(document)
    assert reception.status == "RECIBIDA"
    assert reception.messages == ()

    [authorization] = await client.authorizations(clave_of(document))
    assert authorization.status == "AUTORIZADO"
    assert authorization.number == clave_of(document)
    assert authorization.environment == "PRUEBAS"
    assert authorization.comprobante is not None
    assert authorization.comprobante.encode() == document
    pruebas = "ESTE PROCESO FUE REALIZADO EN EL AMBIENTE DE PRUEBAS"
    assert authorization.messages == (SriMessage("60", pruebas, None, "INFORMATIVO"),)
    assert authorization.authorized_at is not None
    assert authorization.authorized_at.utcoffset() == timedelta(hours=-5)
    assert abs(authorization.authorized_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_authorization_record_is_the_element_sri_returned(
    client: SriClient,
    pki: Pki,
) -> None:
    document = make_signed(pki)
    await client.submit(document)
    [authorization] = await client.authorizations(clave_of(document))
    record = authorization.xml
    assert record.startswith(b'<?xml version="1.0" encoding="UTF-8"?><autorizacion>')
    # The signed factura is kept byte for byte inside SRI's CDATA section.
    assert b"<comprobante><![CDATA[" + document + b"]]></comprobante>" in record
    assert b"soap" not in record and b"xmlns" not in record.split(b"<comprobante>")[0]
    root = etree.fromstring(record)
    assert [child.tag for child in root] == [
        "estado",
        "numeroAutorizacion",
        "fechaAutorizacion",
        "ambiente",
        "comprobante",
        "mensajes",
    ]
    assert root.findtext("fechaAutorizacion") == authorization.authorized_at.isoformat(  # type: ignore[union-attr]
        timespec="milliseconds"
    )


async def test_devuelta_messages(client: SriClient, pki: Pki) -> None:
    document = make_signed(pki)
    assert (await client.submit(document)).status == "RECIBIDA"
    again = await client.submit(document)
    assert again.status == "DEVUELTA"
    assert again.messages == (SriMessage("43", "CLAVE ACCESO REGISTRADA", None, "ERROR"),)

    broken = await client.submit(b"<factura>")
    assert broken.status == "DEVUELTA"
    [message] = broken.messages
    assert (message.identifier, message.kind) == ("35", "ERROR")
    assert message.message == "ARCHIVO NO CUMPLE ESTRUCTURA XML"
    assert message.additional_info


async def test_no_autorizado(client: SriClient, pki: Pki) -> None:
    document = make_signed(pki).replace(b"<razonSocialComprador>E", b"<razonSocialComprador>X")
    assert (await client.submit(document)).status == "RECIBIDA"
    [authorization] = await client.authorizations(clave_of(document))
    assert authorization.status == "NO AUTORIZADO"
    assert authorization.number is None
    assert [m.identifier for m in authorization.messages] == ["39"]
    assert authorization.messages[0].message == "FIRMA INVALIDA"


async def test_unknown_key(client: SriClient) -> None:
    assert await client.authorizations("2711202601176001321000110010020000000011234567811") == ()


async def test_en_proceso(
    client: SriClient,
    control: Callable[..., Awaitable[object]],
    pki: Pki,
) -> None:
    await control(en_proceso_polls=2)
    document = make_signed(pki)
    await client.submit(document)
    for _ in range(2):
        [pending] = await client.authorizations(clave_of(document))
        assert pending.status == "EN PROCESO"
        assert (pending.number, pending.authorized_at, pending.comprobante) == (None, None, None)
        assert [m.identifier for m in pending.messages] == ["70"]
    [done] = await client.authorizations(clave_of(document))
    assert done.status == "AUTORIZADO"


async def test_concurrent_calls_share_the_pool(client: SriClient, pki: Pki) -> None:
    documents = [make_signed(pki) for _ in range(20)]
    receptions = await asyncio.gather(*(client.submit(d) for d in documents))
    assert {r.status for r in receptions} == {"RECIBIDA"}
    answers = await asyncio.gather(*(client.authorizations(clave_of(d)) for d in documents))
    assert {a[0].status for a in answers} == {"AUTORIZADO"}


# ---------------------------------------------------------------------------- outcome unknown


async def test_http_500_is_unavailable(
    client: SriClient,
    control: Callable[..., Awaitable[object]],
    pki: Pki,
) -> None:
    document = make_signed(pki)
    await control(fail_next=2)
    with pytest.raises(SriUnavailable, match=r"HTTP 500.*fail_next"):
        await client.submit(document)
    with pytest.raises(SriUnavailable, match="HTTP 500"):
        await client.authorizations(clave_of(document))
    # The failed submission was not processed: SRI does not know the key.
    assert await client.authorizations(clave_of(document)) == ()
    assert (await client.submit(document)).status == "RECIBIDA"


async def test_timeout_is_unavailable_but_sri_kept_the_document(
    sandbox: str,
    control: Callable[..., Awaitable[object]],
    pki: Pki,
) -> None:
    document = make_signed(pki)
    await control(delay_seconds=0.6)
    async with SriClient(
        sandbox + RECEPCION_PATH, sandbox + AUTORIZACION_PATH, timeout_seconds=0.2
    ) as impatient:
        with pytest.raises(SriUnavailable, match="Timeout"):
            await impatient.submit(document)
        # Registered before the delayed answer: SRI holds it although the client gave up.
        await control(delay_seconds=0)
        [authorization] = await impatient.authorizations(clave_of(document))
    assert authorization.status == "AUTORIZADO"


async def test_connection_refused_is_unavailable() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    async with SriClient(base + RECEPCION_PATH, base + AUTORIZACION_PATH, 1) as nobody:
        with pytest.raises(SriUnavailable, match="unreachable"):
            await nobody.submit(b"<factura/>")
        with pytest.raises(SriUnavailable, match="unreachable"):
            await nobody.authorizations("1" * 49)


async def test_not_a_soap_endpoint_is_unavailable(sandbox: str) -> None:
    async with SriClient(sandbox + "/healthz", sandbox + "/control") as wrong:
        with pytest.raises(SriUnavailable, match="HTTP 405"):
            await wrong.submit(b"<factura/>")
        with pytest.raises(SriUnavailable, match="HTTP 422"):
            await wrong.authorizations("1" * 49)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html>busy</html", "unreadable XML"),
        (b"<html/>", "without a SOAP Body"),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            b"<s:Fault><faultcode>s:Server</faultcode><faultstring>boom</faultstring></s:Fault>"
            b"</s:Body></s:Envelope>",
            "SOAP Fault: boom",
        ),
        (
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            b"<r/></s:Body></s:Envelope>",
            "without RespuestaRecepcionComprobante",
        ),
    ],
)
def test_answers_that_are_not_sri_answers(content: bytes, expected: str) -> None:
    response = SimpleNamespace(status_code=200, content=content)
    with pytest.raises(SriUnavailable, match=expected):
        soap_result(response, "recepción", "RespuestaRecepcionComprobante")


# ---------------------------------------------------------------------------- parsing


def _answer(xml: str) -> etree._Element:
    parser = etree.XMLParser(strip_cdata=False)
    return etree.fromstring(xml.encode(), parser)


def test_parses_qualified_entries_and_sri_date_formats() -> None:
    """WSDL-literal answers (ns2:autorizacion, ns2:mensaje) read like SRI's unqualified ones."""
    answer = _answer(
        '<RespuestaAutorizacionComprobante xmlns:ns2="http://ec.gob.sri.ws.autorizacion">'
        "<claveAccesoConsultada>1</claveAccesoConsultada><numeroComprobantes>2"
        "</numeroComprobantes><autorizaciones>"
        "<ns2:autorizacion><estado>NO AUTORIZADO</estado>"
        "<fechaAutorizacion>13/02/2012 16:34:48</fechaAutorizacion><ambiente>PRUEBAS</ambiente>"
        "<comprobante><![CDATA[<factura/>]]></comprobante><mensajes><ns2:mensaje>"
        "<identificador>46</identificador><mensaje> RUC no existe </mensaje><tipo>ERROR</tipo>"
        "</ns2:mensaje></mensajes></ns2:autorizacion>"
        "<autorizacion><estado>AUTORIZADO</estado><numeroAutorizacion>1</numeroAutorizacion>"
        "<fechaAutorizacion>2012-03-05T16:57:34.997-05:00</fechaAutorizacion></autorizacion>"
        "</autorizaciones></RespuestaAutorizacionComprobante>"
    )
    refused, authorized = parse_authorizations(answer)
    assert isinstance(refused, Authorization)
    assert refused.status == "NO AUTORIZADO"
    assert refused.authorized_at == datetime(2012, 2, 13, 21, 34, 48, tzinfo=UTC)
    assert refused.comprobante == "<factura/>"
    assert refused.messages == (SriMessage("46", "RUC no existe", None, "ERROR"),)
    assert b'<ns2:autorizacion xmlns:ns2="http://ec.gob.sri.ws.autorizacion">' in refused.xml
    assert authorized.status == "AUTORIZADO"
    assert authorized.authorized_at == datetime(2012, 3, 5, 21, 57, 34, 997000, tzinfo=UTC)
    assert authorized.messages == ()


def test_parse_authorized_at() -> None:
    assert parse_authorized_at(None) is None
    assert parse_authorized_at("") is None
    naive = parse_authorized_at("2026-11-27T10:00:00")
    assert naive is not None and naive.utcoffset() == timedelta(hours=-5)
    with pytest.raises(SriUnavailable):
        parse_authorized_at("ayer")
