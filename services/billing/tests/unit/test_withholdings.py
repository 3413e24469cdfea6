"""Comprobantes de retención received: each check refuses on its field with a Spanish message, an
accepted one is credited once (a ledger entry and WithholdingReceived), a second copy is 409, and
the statement counts what was withheld. The XML comes from the builder in tests/retentions.py."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from billing import use_cases
from billing.domain.events import WithholdingReceived
from billing.domain.submission import State
from billing.use_cases.withholdings import WithholdingDuplicate
from common.errors import InvalidInput
from services.billing.tests.retentions import Tax, authorized, comprobante, signed
from services.billing.tests.unit.withholding_fakes import (
    NOW,
    our_factura,
    ref,
    refused,
    retention,
    service,
)

# --- accepted -----------------------------------------------------------------------------------


async def test_an_authorized_retention_on_our_factura_is_stored_and_credited_once() -> None:
    invoice = our_factura()
    svc = service(invoice)
    r = retention(invoice)
    stored = await use_cases.withholdings.receive(svc, authorized(r), NOW)
    # 2.75 % of 10.00 = 0.28 (half-up) and 70 % of IVA 1.50 = 1.05
    assert stored.amount == Decimal("1.33") == r.withheld
    assert (stored.withholding_id, stored.account_id) == (r.access_key, "acc-agent")
    assert stored.invoice_ids == (invoice.invoice_id,)
    [entry] = svc.ledger.entries.values()
    assert (entry.kind, entry.amount, entry.on) == ("withholding", Decimal("1.33"), r.day)
    assert entry.entry_id == r.access_key and invoice.number in entry.description
    [event] = svc.ledger.events
    assert isinstance(event, WithholdingReceived) and event.amount == Decimal("1.33")
    movement = entry.movement()
    assert (movement.kind, movement.amount, movement.reference) == (
        "withholding",
        Decimal("-1.33"),
        r.access_key,
    )


async def test_the_same_retention_again_is_409_with_the_first_id_and_no_second_credit() -> None:
    invoice = our_factura()
    svc = service(invoice)
    body = authorized(retention(invoice))
    first = await use_cases.withholdings.receive(svc, body, NOW)
    with pytest.raises(WithholdingDuplicate) as error:
        await use_cases.withholdings.receive(svc, body, NOW)
    assert error.value.status == 409 and error.value.code == "withholding_duplicate"
    assert error.value.extra == {"withholding_id": first.withholding_id}
    assert len(svc.ledger.entries) == 1 and len(svc.ledger.events) == 1


async def test_a_duplicate_writes_the_credit_a_crash_left_out() -> None:
    """Stored, then the process died before the ledger entry: the retry answers 409 and the
    account is credited (once)."""
    invoice = our_factura()
    svc = service(invoice)
    body = authorized(retention(invoice))
    await use_cases.withholdings.receive(svc, body, NOW)
    svc.ledger.entries.clear()
    with pytest.raises(WithholdingDuplicate):
        await use_cases.withholdings.receive(svc, body, NOW)
    assert [e.kind for e in svc.ledger.entries.values()] == ["withholding"]


async def test_the_comprobante_may_come_as_escaped_text_instead_of_cdata() -> None:
    invoice = our_factura()
    svc = service(invoice)
    r = retention(invoice)
    record = etree.Element("autorizacion")
    for name, value in (("estado", "AUTORIZADO"), ("numeroAutorizacion", r.access_key)):
        etree.SubElement(record, name).text = value
    etree.SubElement(record, "fechaAutorizacion").text = "2026-12-01T10:15:00-05:00"
    etree.SubElement(record, "comprobante").text = signed(r).decode()  # serialised escaped
    body = etree.tostring(record)
    assert b"&lt;comprobanteRetencion" in body
    stored = await use_cases.withholdings.receive(svc, body, NOW)
    assert stored.amount == r.withheld


# --- refused, one check at a time -------------------------------------------------------------


async def test_not_xml_or_a_bare_comprobante_is_refused_on_xml() -> None:
    invoice = our_factura()
    svc = service(invoice)
    assert "bien formado" in (await refused(svc, b"<autorizacion>"))["xml"]
    bare = signed(retention(invoice))
    assert "autorizacion" in (await refused(svc, bare))["xml"]
    assert "autorización" in (await refused(svc, b"<factura/>"))["xml"]


async def test_a_comprobante_against_the_xsd_is_refused_on_xml() -> None:
    invoice = our_factura()
    r = retention(invoice)
    root = etree.fromstring(comprobante(r))
    etree.SubElement(root.find("infoCompRetencion"), "inventado").text = "x"
    body = authorized(r, document=etree.tostring(root))
    assert "esquema" in (await refused(service(invoice), body))["xml"]


async def test_a_tampered_signature_is_refused_on_xml() -> None:
    invoice = our_factura()
    r = retention(invoice)
    tampered = signed(r).replace(b"<razonSocial>Importadora", b"<razonSocial>Exportadora")
    fields = await refused(service(invoice), authorized(r, document=tampered))
    assert "firma" in fields["xml"]


async def test_an_unsigned_comprobante_is_refused_on_xml() -> None:
    invoice = our_factura()
    r = retention(invoice)
    fields = await refused(service(invoice), authorized(r, document=comprobante(r)))
    assert "firma" in fields["xml"]


async def test_not_authorized_or_another_number_is_refused_on_xml() -> None:
    invoice = our_factura()
    r = retention(invoice)
    fields = await refused(service(invoice), authorized(r, status="NO AUTORIZADO"))
    assert "no autorizó" in fields["xml"]
    other = retention(invoice, sequential=46).access_key
    fields = await refused(service(invoice), authorized(r, number=other))
    assert "número de autorización" in fields["xml"]


async def test_a_clave_with_a_wrong_check_digit_is_refused() -> None:
    invoice = our_factura()
    good = retention(invoice).access_key
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    fields = await refused(service(invoice), authorized(retention(invoice, key=bad)))
    assert "dígito verificador" in fields["clave_acceso"]


async def test_a_clave_of_another_document_type_is_refused() -> None:
    invoice = our_factura()
    r = retention(invoice)
    factura_key = invoice.access_key  # a valid clave, codDoc 01
    fields = await refused(service(invoice), authorized(replace(r, key=factura_key)))
    assert "(07)" in fields["clave_acceso"]


async def test_a_clave_that_does_not_match_the_comprobante_is_refused() -> None:
    invoice = our_factura()
    r = retention(invoice)
    other_day = retention(invoice, issue_date=date(2026, 11, 2)).access_key
    fields = await refused(service(invoice), authorized(replace(r, key=other_day)))
    assert "no coincide" in fields["clave_acceso"]


async def test_a_retention_of_another_subject_is_refused_on_ruc() -> None:
    invoice = our_factura()
    fields = await refused(
        service(invoice), authorized(retention(invoice, subject_ruc="1790016919001"))
    )
    assert "1790016919001" in fields["ruc"]


async def test_a_retention_of_the_other_sri_environment_is_refused() -> None:
    invoice = our_factura()
    fields = await refused(service(invoice), authorized(retention(invoice, environment=2)))
    assert "ambiente" in fields["xml"]


async def test_a_factura_that_is_not_ours_is_refused_on_factura() -> None:
    invoice = our_factura()
    unknown = ref(invoice, number="001-001-000000999")
    fields = await refused(service(invoice), authorized(retention(invoice, factura=unknown)))
    assert "001-001-000000999" in fields["factura"]


async def test_a_document_that_is_not_a_factura_is_refused_on_factura() -> None:
    invoice = our_factura()
    body = authorized(retention(invoice, cod_doc_sustento="05"))
    assert "(01)" in (await refused(service(invoice), body))["factura"]


async def test_a_factura_not_authorized_is_refused_on_factura() -> None:
    invoice = our_factura(state=State.RECEIVED)
    body = authorized(retention(invoice))
    assert "no está autorizada" in (await refused(service(invoice), body))["factura"]


async def test_a_wrong_factura_date_is_refused_on_factura() -> None:
    invoice = our_factura()
    moved = ref(invoice, issue_date=date(2026, 10, 30))
    body = authorized(retention(invoice, factura=moved, issue_date=invoice.issue_date))
    assert "fecha de emisión" in (await refused(service(invoice), body))["factura"]


async def test_a_retention_dated_before_the_factura_is_refused_on_factura() -> None:
    invoice = our_factura()
    body = authorized(retention(invoice, issue_date=date(2026, 10, 31)))
    assert "anterior a la factura" in (await refused(service(invoice), body))["factura"]


async def test_a_wrong_factura_authorization_is_refused_on_factura() -> None:
    invoice = our_factura()
    other = ref(invoice, access_key=our_factura(8).access_key)
    body = authorized(retention(invoice, factura=other))
    assert "autorización" in (await refused(service(invoice), body))["factura"]


async def test_a_factura_issued_to_someone_else_is_refused_on_factura() -> None:
    invoice = our_factura()
    body = authorized(retention(invoice, agent_ruc="1790016919001"))
    assert "agente de retención" in (await refused(service(invoice), body))["factura"]


async def test_other_totals_than_the_factura_are_refused_on_factura() -> None:
    invoice = our_factura()
    bigger = ref(invoice, subtotal=Decimal("20.00"))
    taxes = (Tax("1", "3440", Decimal("10.00"), Decimal("2.75")),)
    body = authorized(retention(invoice, factura=bigger, taxes=taxes))
    assert "totales" in (await refused(service(invoice), body))["factura"]


async def test_a_value_that_is_not_base_times_rate_is_refused_on_amount() -> None:
    invoice = our_factura()
    taxes = (Tax("1", "3440", Decimal("10.00"), Decimal("2.75"), amount=Decimal("2.75")),)
    body = authorized(retention(invoice, taxes=taxes))
    assert "base por el porcentaje" in (await refused(service(invoice), body))["amount"]


async def test_an_income_tax_base_above_the_factura_is_refused_on_amount() -> None:
    invoice = our_factura()
    taxes = (Tax("1", "3440", Decimal("10.01"), Decimal("2.75")),)
    body = authorized(retention(invoice, taxes=taxes))
    assert "base imponible" in (await refused(service(invoice), body))["amount"]


async def test_iva_withheld_above_the_factura_iva_is_refused_on_amount() -> None:
    invoice = our_factura()
    taxes = (Tax("2", "3", Decimal("1.51"), Decimal("100")),)
    body = authorized(retention(invoice, taxes=taxes))
    assert "el IVA" in (await refused(service(invoice), body))["amount"]
    twice = (Tax("2", "3", Decimal("1.50"), Decimal("100")),) * 2
    body = authorized(retention(invoice, taxes=twice))
    # Two lines whose bases add up to twice the factura's IVA.
    assert "supera el IVA" in (await refused(service(invoice), body))["amount"]


async def test_another_retention_on_the_same_factura_may_not_exceed_what_is_left() -> None:
    # Each alone stays within the factura (IVA 1.50); together they would withhold 2.10 of it.
    invoice = our_factura()
    svc = service(invoice)
    first = (Tax("2", "3", Decimal("1.05"), Decimal("100")),)
    await use_cases.withholdings.receive(svc, authorized(retention(invoice, taxes=first)), NOW)
    second = retention(invoice, taxes=first, sequential=46)
    with pytest.raises(InvalidInput) as error:
        await use_cases.withholdings.receive(svc, authorized(second), NOW)
    assert "con las retenciones ya registradas" in (error.value.fields or {})["amount"]
    assert len(svc.ledger.entries) == 1 and len(svc.withholdings.records) == 1
    rest = retention(
        invoice, taxes=(Tax("2", "3", Decimal("0.45"), Decimal("100")),), sequential=47
    )
    accepted = await use_cases.withholdings.receive(svc, authorized(rest), NOW)
    assert accepted.amount == Decimal("0.45") and len(svc.ledger.entries) == 2


async def test_nothing_withheld_or_isd_is_refused_on_amount() -> None:
    invoice = our_factura()
    zero = (Tax("1", "332", Decimal("10.00"), Decimal("0")),)
    body = authorized(retention(invoice, taxes=zero))
    assert "no retiene nada" in (await refused(service(invoice), body))["amount"]
    isd = (Tax("6", "4580", Decimal("10.00"), Decimal("5")),)
    body = authorized(retention(invoice, taxes=isd))
    assert "impuesto 6" in (await refused(service(invoice), body))["amount"]


async def test_several_failures_answer_each_field() -> None:
    invoice = our_factura()
    taxes = (Tax("1", "3440", Decimal("10.00"), Decimal("2.75"), amount=Decimal("9.00")),)
    body = authorized(retention(invoice, subject_ruc="1790016919001", taxes=taxes))
    assert set(await refused(service(invoice), body)) == {"ruc", "amount"}
