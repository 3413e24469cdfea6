"""Notas de crédito (04) and débito (05): accepted like facturas (XSD, signature, clave), and
only against an AUTHORIZED factura of the same RUC that credits do not exceed (docs/sri.md §9)."""

import itertools
import secrets
from collections.abc import Callable
from decimal import Decimal

from lxml import etree

from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from billing.domain.note_xml import to_xml as note_to_xml
from billing.domain.notes import CREDIT_NOTE, DEBIT_NOTE, ModifiedInvoice, Note, NoteLine
from sri_sandbox.checks import today_in_ecuador
from sri_sandbox.testing import SoapClient

Sign = Callable[..., bytes]
_NOTE_SEQUENTIALS = itertools.count(1)


def clave_of(document: bytes) -> str:
    return etree.fromstring(document).findtext("infoTributaria/claveAcceso") or ""


async def outcome(client: SoapClient, document: bytes) -> etree._Element:
    """Submit (RECIBIDA) and answer the single <autorizacion>."""
    reception = await client.recepcion(document)
    assert reception.findtext(".//estado") == "RECIBIDA", etree.tostring(reception)
    answer = await client.autorizacion(clave_of(document))
    (entry,) = answer.findall(".//autorizaciones/autorizacion")
    return entry


def ids(autorizacion: etree._Element) -> list[str | None]:
    return [
        m.findtext("identificador")
        for m in autorizacion.iterfind("mensajes/mensaje")
        if m.findtext("tipo") == "ERROR"
    ]


def note(factura: Invoice, doc_type: str, *amounts: str) -> Note:
    return Note(
        doc_type=doc_type,
        issuer=factura.issuer,
        buyer=factura.buyer,
        issue_date=today_in_ecuador(),
        sequential=next(_NOTE_SEQUENTIALS),
        numeric_code=f"{secrets.randbelow(10**8):08d}",
        modified=ModifiedInvoice("x", factura.number, factura.issue_date),
        reason="Compensación por corte de servicio",
        lines=[NoteLine("Compensación", Decimal(a), "4") for a in amounts],
    )


async def authorized_factura(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> Invoice:
    factura = make_invoice()  # 25.99 + 15% IVA = 29.89
    answer = await outcome(client, sign_xml(to_xml(factura)))
    assert answer.findtext("estado") == "AUTORIZADO"
    return factura


async def test_credit_and_debit_notes_of_an_authorized_factura_are_authorized(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = await authorized_factura(client, make_invoice, sign_xml)
    for doc_type in (CREDIT_NOTE, DEBIT_NOTE):
        document = sign_xml(note_to_xml(note(factura, doc_type, "5.00")))
        answer = await outcome(client, document)
        assert answer.findtext("estado") == "AUTORIZADO", etree.tostring(answer)
        inner = etree.fromstring((answer.findtext("comprobante") or "").encode())
        assert inner.findtext("infoTributaria/codDoc") == doc_type


async def test_a_note_referencing_an_unknown_factura_is_not_authorized(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    never_sent = make_invoice()
    for doc_type in (CREDIT_NOTE, DEBIT_NOTE):
        answer = await outcome(client, sign_xml(note_to_xml(note(never_sent, doc_type, "1.00"))))
        assert answer.findtext("estado") == "NO AUTORIZADO"
        assert ids(answer) == ["80"]
        assert never_sent.number in (answer.findtext(".//informacionAdicional") or "")


async def test_a_note_referencing_a_refused_factura_is_not_authorized(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = make_invoice()
    # Signed by a CA the sandbox does not trust: NO AUTORIZADO (39).
    refused = await outcome(client, sign_xml(to_xml(factura), untrusted=True))
    assert refused.findtext("estado") == "NO AUTORIZADO"
    answer = await outcome(client, sign_xml(note_to_xml(note(factura, CREDIT_NOTE, "1.00"))))
    assert ids(answer) == ["80"]


async def test_credit_notes_never_exceed_their_factura(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = await authorized_factura(client, make_invoice, sign_xml)  # importeTotal 29.89
    first = await outcome(client, sign_xml(note_to_xml(note(factura, CREDIT_NOTE, "20.00"))))
    assert first.findtext("estado") == "AUTORIZADO"  # 23.00 credited
    over = await outcome(client, sign_xml(note_to_xml(note(factura, CREDIT_NOTE, "6.00"))))
    assert over.findtext("estado") == "NO AUTORIZADO"  # 23.00 + 6.90 = 29.90 > 29.89
    assert ids(over) == ["81"]
    assert "29.90" in (over.findtext(".//informacionAdicional") or "")
    last = await outcome(client, sign_xml(note_to_xml(note(factura, CREDIT_NOTE, "5.99"))))
    assert last.findtext("estado") == "AUTORIZADO"  # 23.00 + 6.89 = 29.89: exactly the rest


async def test_note_totals_that_do_not_add_up_are_52(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = await authorized_factura(client, make_invoice, sign_xml)
    xml = note_to_xml(note(factura, CREDIT_NOTE, "5.00"))
    forged = xml.replace(b"<valorModificacion>5.75<", b"<valorModificacion>5.70<")
    assert forged != xml
    answer = await outcome(client, sign_xml(forged))
    assert ids(answer) == ["52"]


async def test_a_note_against_the_xsd_is_returned_35(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = make_invoice()
    xml = note_to_xml(note(factura, DEBIT_NOTE, "5.00")).replace(b"<motivos>", b"<motivoss>")
    xml = xml.replace(b"</motivos>", b"</motivoss>")
    reception = await client.recepcion(sign_xml(xml))
    assert reception.findtext(".//estado") == "DEVUELTA"
    assert reception.findtext(".//identificador") == "35"


async def test_a_cod_doc_that_does_not_match_its_clave_is_58(
    client: SoapClient, make_invoice: Callable[..., Invoice], sign_xml: Sign
) -> None:
    factura = await authorized_factura(client, make_invoice, sign_xml)
    credit = note(factura, CREDIT_NOTE, "1.00")
    xml = note_to_xml(credit).replace(b"<codDoc>04<", b"<codDoc>05<")
    reception = await client.recepcion(sign_xml(xml))
    # The clave says 04, the codDoc 05: refused at reception (58) before anything else.
    assert reception.findtext(".//estado") == "DEVUELTA"
    assert reception.findtext(".//identificador") == "58"
