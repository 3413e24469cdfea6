"""The refused_names control: SRI refuses a document for its data (NO AUTORIZADO), the issuer
corrects it and sends it again under the same clave de acceso, and it is authorized."""

from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import httpx
import pytest
from lxml import etree
from starlette.applications import Starlette

from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from sri_sandbox.testing import SoapClient


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as client:
        yield client


def states(answer: etree._Element) -> list[tuple[str | None, list[str | None]]]:
    return [
        (
            entry.findtext("estado"),
            [m.findtext("identificador") for m in entry.iterfind("mensajes/mensaje")],
        )
        for entry in answer.iterfind(".//autorizaciones/autorizacion")
    ]


async def test_a_refused_name_then_its_correction_under_the_same_clave(
    http: httpx.AsyncClient,
    make_invoice: Callable[..., Invoice],
    sign_xml: Callable[..., bytes],
) -> None:
    client = SoapClient(http)
    settings = (await http.post("/control", json={"refused_names": ["rechazar"]})).json()
    assert settings["refused_names"] == ["rechazar"]
    first = make_invoice()
    wrong = replace(first, buyer=replace(first.buyer, name="Juan RECHAZAR Pérez"))
    assert (await client.recepcion(sign_xml(to_xml(wrong)))).findtext(".//estado") == "RECIBIDA"
    assert states(await client.autorizacion(first.access_key)) == [("NO AUTORIZADO", ["SBX-DATOS"])]
    # Corrected: same clave de acceso and secuencial, the buyer's name fixed.
    fixed = replace(first, buyer=replace(first.buyer, name="Juan Pérez"))
    assert fixed.access_key == first.access_key
    assert (await client.recepcion(sign_xml(to_xml(fixed)))).findtext(".//estado") == "RECIBIDA"
    assert states(await client.autorizacion(first.access_key)) == [
        ("AUTORIZADO", ["60"]),
        ("NO AUTORIZADO", ["SBX-DATOS"]),
    ]


async def test_the_issuer_name_is_checked_and_reset_clears_the_list(
    http: httpx.AsyncClient,
    make_invoice: Callable[..., Invoice],
    sign_xml: Callable[..., bytes],
) -> None:
    client = SoapClient(http)
    await http.post("/control", json={"refused_names": ["Telco del"]})
    document = make_invoice()
    await client.recepcion(sign_xml(to_xml(document)))
    [(estado, ids)] = states(await client.autorizacion(document.access_key))
    assert (estado, ids) == ("NO AUTORIZADO", ["SBX-DATOS"])
    assert (await http.post("/control/reset")).json()["refused_names"] == []
    other = make_invoice()
    await client.recepcion(sign_xml(to_xml(other)))
    assert states(await client.autorizacion(other.access_key)) == [("AUTORIZADO", ["60"])]
    assert (await http.post("/control", json={"refused_names": [""]})).status_code == 422
