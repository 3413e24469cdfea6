"""zeep, SRI's usual client library, reads the served WSDLs and the answers; so does billing's."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zeep
from lxml import etree

from billing.adapters.sri_client import SriClient
from sri_sandbox.app import AUTORIZACION_PATH, RECEPCION_PATH
from sri_sandbox.settings import SandboxSettings
from sri_sandbox.testing import serve


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    with serve(SandboxSettings(data_dir=tmp_path / "zeep")) as url:
        yield url


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


def test_zeep_from_the_served_wsdl(base_url: str, signed: Callable[..., bytes]) -> None:
    document = signed()
    recepcion = zeep.Client(f"{base_url}{RECEPCION_PATH}?wsdl")
    assert recepcion.service.validarComprobante(xml=document).estado == "RECIBIDA"
    again = recepcion.service.validarComprobante(xml=document)
    assert again.estado == "DEVUELTA"
    [comprobante] = again.comprobantes.comprobante
    assert comprobante.claveAcceso == clave_of(document)
    assert comprobante.mensajes.mensaje[0].identificador == "43"

    autorizacion = zeep.Client(f"{base_url}{AUTORIZACION_PATH}?wsdl")
    answer = autorizacion.service.autorizacionComprobante(claveAccesoComprobante=clave_of(document))
    assert answer.numeroComprobantes == "1"
    [entry] = answer.autorizaciones.autorizacion
    assert entry.estado == "AUTORIZADO"
    assert entry.fechaAutorizacion.utcoffset().total_seconds() == -5 * 3600
    assert entry.comprobante.encode() == document


async def test_billing_sri_client(base_url: str, signed: Callable[..., bytes]) -> None:
    document = signed()
    async with SriClient(base_url + RECEPCION_PATH, base_url + AUTORIZACION_PATH) as client:
        assert (await client.submit(document)).status == "RECIBIDA"
        [authorization] = await client.authorizations(clave_of(document))
    assert authorization.status == "AUTORIZADO"
    assert authorization.number == clave_of(document)
    assert authorization.comprobante is not None
    assert authorization.comprobante.encode() == document
