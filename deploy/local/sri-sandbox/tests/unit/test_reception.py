"""Recepción: RECIBIDA, and DEVUELTA with 35, 58, 43 and 45 like SRI."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from lxml import etree

from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from sri_sandbox.app import AUTORIZACION_PATH
from sri_sandbox.checks import check_digit, today_in_ecuador
from sri_sandbox.testing import SoapClient, autorizacion_envelope

Edit = Callable[[bytes, Callable[[etree._Element], None]], bytes]


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


def estado(response: etree._Element) -> str | None:
    return response.findtext(".//RespuestaRecepcionComprobante/estado")


def mensajes(response: etree._Element) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (m.findtext("identificador"), m.findtext("mensaje"), m.findtext("tipo"))
        for m in response.iterfind(".//comprobante/mensajes/mensaje")
    ]


def identifiers(response: etree._Element) -> list[str | None]:
    return [identifier for identifier, _, _ in mensajes(response)]


async def test_recibida_then_autorizado(client: SoapClient, signed: Callable[..., bytes]) -> None:
    document = signed()
    response = await client.recepcion(document)
    assert estado(response) == "RECIBIDA"
    # SRI's own shape: an empty <comprobantes/> on RECIBIDA.
    comprobantes = response.find(".//RespuestaRecepcionComprobante/comprobantes")
    assert comprobantes is not None and len(comprobantes) == 0

    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//claveAccesoConsultada") == clave_of(document)
    assert answer.findtext(".//numeroComprobantes") == "1"
    autorizacion = answer.find(".//autorizaciones/autorizacion")
    assert autorizacion is not None
    assert autorizacion.findtext("estado") == "AUTORIZADO"
    assert autorizacion.findtext("numeroAutorizacion") == clave_of(document)
    assert autorizacion.findtext("ambiente") == "PRUEBAS"
    fecha = autorizacion.findtext("fechaAutorizacion") or ""
    assert fecha.endswith("-05:00") and "T" in fecha
    assert (autorizacion.findtext("comprobante") or "").encode() == document
    assert [m.findtext("identificador") for m in autorizacion.iterfind("mensajes/mensaje")] == [
        "60"
    ]


async def test_comprobante_travels_in_cdata(
    client: SoapClient, signed: Callable[..., bytes]
) -> None:
    document = signed()
    await client.recepcion(document)
    raw = await client.post(AUTORIZACION_PATH, autorizacion_envelope(clave_of(document)))
    assert b"<comprobante><![CDATA[" + document + b"]]></comprobante>" in raw.content


async def test_35_not_well_formed(client: SoapClient, signed: Callable[..., bytes]) -> None:
    document = signed()
    response = await client.recepcion(document[:-20])
    assert estado(response) == "DEVUELTA"
    assert mensajes(response) == [("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "ERROR")]
    # The key is still named when it can be read from the broken bytes.
    assert response.findtext(".//comprobante/claveAcceso") == clave_of(document)
    assert response.findtext(".//mensaje/informacionAdicional")


async def test_35_invalid_against_the_xsd(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
) -> None:
    def unknown_element(root: etree._Element) -> None:
        info = root.find("infoTributaria")
        assert info is not None
        etree.SubElement(info, "campoInventado").text = "x"

    document = sign_xml(edit(to_xml(make_invoice()), unknown_element))
    response = await client.recepcion(document)
    assert estado(response) == "DEVUELTA"
    assert identifiers(response) == ["35"]
    assert "campoInventado" in (response.findtext(".//mensaje/informacionAdicional") or "")
    assert response.findtext(".//comprobante/claveAcceso") == clave_of(document)


async def test_35_other_document_types(client: SoapClient) -> None:
    document = b'<?xml version="1.0" encoding="UTF-8"?><notaCredito id="comprobante"/>'
    response = await client.recepcion(document)
    assert identifiers(response) == ["35"]


async def test_35_doctype(client: SoapClient, signed: Callable[..., bytes]) -> None:
    document = signed().replace(b"?><factura", b'?><!DOCTYPE factura [<!ENTITY e "x">]><factura', 1)
    response = await client.recepcion(document)
    assert identifiers(response) == ["35"]
    assert "DOCTYPE" in (response.findtext(".//informacionAdicional") or "")


async def test_58_wrong_check_digit(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
) -> None:
    def bad_digit(root: etree._Element) -> None:
        clave = root.find("infoTributaria/claveAcceso")
        assert clave is not None and clave.text is not None
        wrong = (check_digit(clave.text[:48]) + 1) % 10
        clave.text = clave.text[:48] + str(wrong)

    response = await client.recepcion(sign_xml(edit(to_xml(make_invoice()), bad_digit)))
    assert estado(response) == "DEVUELTA"
    assert mensajes(response) == [("58", "ERROR EN LA ESTRUCTURA DE CLAVE DE ACCESO", "ERROR")]
    assert "dígito verificador" in (response.findtext(".//informacionAdicional") or "")


async def test_58_clave_disagrees_with_the_document(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
) -> None:
    def other_secuencial(root: etree._Element) -> None:
        secuencial = root.find("infoTributaria/secuencial")
        assert secuencial is not None
        secuencial.text = "999999999"

    def other_date(root: etree._Element) -> None:
        fecha = root.find("infoFactura/fechaEmision")
        assert fecha is not None
        fecha.text = "01/01/2020"

    xml = to_xml(make_invoice())
    response = await client.recepcion(sign_xml(edit(xml, other_secuencial)))
    assert identifiers(response) == ["58"]
    assert "secuencial" in (response.findtext(".//informacionAdicional") or "")
    response = await client.recepcion(sign_xml(edit(xml, other_date)))
    assert identifiers(response) == ["58"]
    assert "fecha de emisión" in (response.findtext(".//informacionAdicional") or "")


async def test_43_resending_a_received_key(
    client: SoapClient, signed: Callable[..., bytes]
) -> None:
    document = signed()
    assert estado(await client.recepcion(document)) == "RECIBIDA"
    response = await client.recepcion(document)
    assert estado(response) == "DEVUELTA"
    assert mensajes(response) == [("43", "CLAVE ACCESO REGISTRADA", "ERROR")]
    assert response.findtext(".//comprobante/claveAcceso") == clave_of(document)


async def test_45_same_secuencial_under_another_key(
    client: SoapClient, signed: Callable[..., bytes]
) -> None:
    first = signed(sequential=777, numeric_code="11111111")
    second = signed(sequential=777, numeric_code="22222222")
    assert clave_of(first) != clave_of(second)
    assert estado(await client.recepcion(first)) == "RECIBIDA"
    response = await client.recepcion(second)
    assert estado(response) == "DEVUELTA"
    assert identifiers(response) == ["45"]
    assert clave_of(first) in (response.findtext(".//informacionAdicional") or "")


async def test_a_refused_key_may_be_sent_again(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Callable[..., bytes]
) -> None:
    """After NO AUTORIZADO SRI accepts the corrected document under the same key."""
    old = make_invoice(issue_date=today_in_ecuador() - timedelta(days=120))
    document = sign_xml(to_xml(old))
    assert estado(await client.recepcion(document)) == "RECIBIDA"
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//autorizacion/estado") == "NO AUTORIZADO"
    # Re-sent (here the same bytes): received again, and both attempts are listed, newest first.
    assert estado(await client.recepcion(document)) == "RECIBIDA"
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//numeroComprobantes") == "2"


async def test_designated_issuer_is_authorized_and_a_malformed_designation_is_35(
    client: SoapClient,
    make_invoice: Callable[..., Invoice],
    edit: Edit,
    sign_xml: Callable[..., bytes],
) -> None:
    """billing's agenteRetencion and Gran Contribuyente campoAdicional pass SRI's XSD (issue 12
    item 4); a resolution that is not the XSD's number (digits, up to 8) is refused."""
    plain = make_invoice()
    issuer = replace(
        plain.issuer, agente_retencion="1", gran_contribuyente="NAC-DGERCGC21-00000001"
    )
    xml = to_xml(replace(plain, issuer=issuer))
    assert b"<agenteRetencion>1</agenteRetencion>" in xml
    document = sign_xml(xml)
    assert estado(await client.recepcion(document)) == "RECIBIDA"
    answer = await client.autorizacion(clave_of(document))
    assert answer.findtext(".//autorizaciones/autorizacion/estado") == "AUTORIZADO"

    def named_resolution(root: etree._Element) -> None:
        agente = root.find("infoTributaria/agenteRetencion")
        assert agente is not None
        agente.text = "NAC-DNCRASC20-00000001"

    xml = to_xml(replace(make_invoice(), issuer=issuer))
    response = await client.recepcion(sign_xml(edit(xml, named_resolution)))
    assert (estado(response), identifiers(response)) == ("DEVUELTA", ["35"])
    assert "agenteRetencion" in (response.findtext(".//mensaje/informacionAdicional") or "")
