"""Test controls (fail_next, delay, reset, call log), SOAP faults, WSDLs, health, persistence."""

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from lxml import etree
from starlette.applications import Starlette

from sri_sandbox.app import AUTORIZACION_PATH, RECEPCION_PATH, WSDL_DIR
from sri_sandbox.settings import SandboxSettings
from sri_sandbox.testing import SoapClient, recepcion_envelope, serve
from tests.sri_files import assert_official

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as client:
        yield client


def fault_string(response: httpx.Response) -> str:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/xml")
    envelope = etree.fromstring(response.content)
    fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode")
    return fault.findtext("faultstring") or ""


async def test_healthz_and_control_defaults(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    assert (await http.get("/control")).json() == {
        "en_proceso_polls": 0,
        "delay_seconds": 0.0,
        "fail_next": 0,
        "refused_names": [],
    }


async def test_control_validation(http: httpx.AsyncClient) -> None:
    assert (await http.post("/control", json={"fail_next": -1})).status_code == 422
    assert (await http.post("/control", json={"unknown": 1})).status_code == 422
    assert (await http.post("/control", content=b"{not json")).status_code == 422
    answer = await http.post("/control", json={"fail_next": 3, "delay_seconds": 0.25})
    assert answer.json() == {
        "en_proceso_polls": 0,
        "delay_seconds": 0.25,
        "fail_next": 3,
        "refused_names": [],
    }


async def test_fail_next_answers_500_without_processing(
    http: httpx.AsyncClient, signed: Callable[..., bytes]
) -> None:
    client = SoapClient(http)
    document = signed()
    await http.post("/control", json={"fail_next": 2})
    for path, body in [
        (RECEPCION_PATH, recepcion_envelope(document)),
        (AUTORIZACION_PATH, b"not even xml"),
    ]:
        response = await client.post(path, body)
        assert "fail_next" in fault_string(response)
    assert (await http.get("/control")).json()["fail_next"] == 0
    # Not processed: SRI does not know the key, so a later submission is RECIBIDA.
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//numeroComprobantes") == "0"
    assert (await client.recepcion(document)).findtext(".//estado") == "RECIBIDA"
    calls = (await http.get("/control/calls", params={"clave": clave_of(document)})).json()
    assert [(c["operation"], c["result"]) for c in calls] == [
        ("recepcion", "FAULT"),
        ("autorizacion", "SIN COMPROBANTES"),
        ("recepcion", "RECIBIDA"),
    ]


async def test_call_log_in_order(http: httpx.AsyncClient, signed: Callable[..., bytes]) -> None:
    client = SoapClient(http)
    document = signed()
    clave = clave_of(document)
    await client.recepcion(document)
    await client.autorizacion(clave)
    await client.recepcion(document)
    calls = (await http.get("/control/calls", params={"clave": clave})).json()
    assert [(c["operation"], c["clave"], c["result"], c["mensajes"]) for c in calls] == [
        ("recepcion", clave, "RECIBIDA", []),
        ("autorizacion", clave, "AUTORIZADO", ["60"]),
        ("recepcion", clave, "DEVUELTA", ["43"]),
    ]
    assert all(c["at"].endswith("-05:00") for c in calls)
    assert len((await http.get("/control/calls")).json()) == 3


async def test_reset_keeps_data_unless_forget(
    http: httpx.AsyncClient, signed: Callable[..., bytes]
) -> None:
    client = SoapClient(http)
    document = signed()
    await client.recepcion(document)
    await http.post("/control", json={"en_proceso_polls": 4, "fail_next": 1})
    assert (await http.post("/control/reset")).json() == {
        "en_proceso_polls": 0,
        "delay_seconds": 0.0,
        "fail_next": 0,
        "refused_names": [],
    }
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//numeroComprobantes") == "1"
    await http.post("/control/reset", json={"forget": True})
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//numeroComprobantes") == "0"
    assert (await http.get("/control/calls")).json()[-1]["result"] == "SIN COMPROBANTES"
    assert len((await http.get("/control/calls")).json()) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<soap:Envelope", "Unmarshalling"),
        (b"<a/>", "not a SOAP 1.1 Envelope"),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
            "SOAP 1.2",
        ),
        (
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>'
            '<x:validarComprobante xmlns:x="urn:other"/></s:Body></s:Envelope>'.encode(),
            "Unexpected wrapper",
        ),
        (
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><x:validarComprobante'
            ' xmlns:x="http://ec.gob.sri.ws.recepcion"/></s:Body></s:Envelope>'.encode(),
            "without its xml element",
        ),
        (
            f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><x:validarComprobante'
            ' xmlns:x="http://ec.gob.sri.ws.recepcion"><xml>@@@</xml></x:validarComprobante>'
            "</s:Body></s:Envelope>".encode(),
            "base64",
        ),
        (
            b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>&e;</s:Body></s:Envelope>'.encode(),
            "Document Type Declaration",
        ),
    ],
    ids=["not-xml", "not-soap", "soap12", "wrong-ns", "no-xml-part", "bad-base64", "entity"],
)
async def test_malformed_soap_is_a_fault(
    http: httpx.AsyncClient, body: bytes, expected: str
) -> None:
    response = await http.post(RECEPCION_PATH, content=body)
    assert expected in fault_string(response)


async def test_wsdl_points_at_the_sandbox(http: httpx.AsyncClient) -> None:
    for path, name in [
        (RECEPCION_PATH, "RecepcionComprobantesOffline"),
        (AUTORIZACION_PATH, "AutorizacionComprobantesOffline"),
    ]:
        response = await http.get(path, params={"wsdl": ""})
        assert response.status_code == 200
        served = response.content.decode()
        packaged = (WSDL_DIR / f"{name}.wsdl").read_text(encoding="utf-8")
        location = f"http://sandbox.test{path}"
        assert f'<soap:address location="{location}"/>' in served
        assert served == packaged.replace(f"http://localhost{path}", location)
    assert (await http.get(RECEPCION_PATH)).status_code == 404


async def test_received_keys_survive_a_restart(
    make_app: Callable[..., Starlette], signed: Callable[..., bytes]
) -> None:
    document = signed()
    for attempt in range(2):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=make_app()), base_url="http://sandbox.test"
        ) as http:
            client = SoapClient(http)
            identifier = (await client.recepcion(document)).findtext(".//identificador")
            assert identifier == (None if attempt == 0 else "43")
            answer = await client.autorizacion(clave_of(document))
            assert answer.findtext(".//autorizacion/estado") == "AUTORIZADO"


async def test_delay_after_registering(tmp_path: Path, signed: Callable[..., bytes]) -> None:
    """A client that gives up waiting still leaves the comprobante with SRI."""
    document = signed()
    settings = SandboxSettings(data_dir=tmp_path / "delay")
    with serve(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            await http.post("/control", json={"delay_seconds": 0.6})
            body = recepcion_envelope(document)
            with pytest.raises(httpx.ReadTimeout):
                await http.post(RECEPCION_PATH, content=body, timeout=0.2)
            started = time.monotonic()
            client = SoapClient(http)
            answer = await client.autorizacion(clave_of(document))
            assert time.monotonic() - started >= 0.6
            assert answer.findtext(".//autorizacion/estado") == "AUTORIZADO"
            calls = (await http.get("/control/calls", params={"clave": clave_of(document)})).json()
            assert [c["result"] for c in calls] == ["RECIBIDA", "AUTORIZADO"]


def test_packaged_schemas_and_wsdls_are_sris_files() -> None:
    from sri_sandbox.schema import XSD_DIR

    packaged = [*XSD_DIR.glob("*.xsd"), *WSDL_DIR.glob("*.wsdl")]
    assert len(packaged) == 6  # factura 1.1.0, 2.1.0, notaCredito, notaDebito; 2 WSDLs
    assert_official(packaged)
