"""Delivery receipts: the standard text and the deliver_sm that carries it."""

from datetime import UTC, datetime

import smpp34

from smsc_simulator import gsm7, receipt
from smsc_simulator.store import Message

SUBMITTED = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
DONE = datetime(2025, 3, 4, 5, 7, 8, tzinfo=UTC)


def message(text: str | None) -> Message:
    return Message(
        message_id="0a1b2c3d4e5f6789",
        to="593991234567",
        sender="Telco",
        text=text,
        data_coding=8,
        received_at=SUBMITTED.isoformat(),
        system_id="telco",
        raw_hex="",
        registered_delivery=1,
        dest_addr_ton=1,
    )


def test_the_receipt_text_follows_the_usual_format() -> None:
    text = receipt.receipt_text("abc", SUBMITTED, DONE, "Su código es 123456, válido 5 min")
    assert text == (
        "id:abc sub:001 dlvrd:001 submit date:2503040506 done date:2503040507 "
        "stat:DELIVRD err:000 text:Su código es 123456,"
    )


def test_the_deliver_sm_goes_back_to_the_sender_with_both_tlvs() -> None:
    data = receipt.deliver_sm(message("Hola {cliente}"), SUBMITTED, DONE, sequence=42)
    pdu = smpp34.decode(data)
    assert isinstance(pdu, smpp34.DeliverSm)
    assert pdu.sequence_number == 42
    assert (pdu.source_addr, pdu.destination_addr) == ("593991234567", "Telco")
    assert pdu.esm_class == receipt.ESM_DELIVERY_RECEIPT
    assert pdu.data_coding == 0
    assert gsm7.decode(pdu.short_message).startswith("id:0a1b2c3d4e5f6789 sub:001")
    assert gsm7.decode(pdu.short_message).endswith("text:Hola {cliente}")
    tlvs = {tlv.tag: tlv.value for tlv in pdu.tlvs}
    assert tlvs[smpp34.TLV_RECEIPTED_MESSAGE_ID] == b"0a1b2c3d4e5f6789\0"
    assert tlvs[smpp34.TLV_MESSAGE_STATE] == bytes([2])


def test_a_preview_outside_gsm7_is_replaced_and_a_binary_message_has_none() -> None:
    data = receipt.deliver_sm(message("Código"), SUBMITTED, DONE, sequence=1)
    assert gsm7.decode(smpp34.decode(data).short_message).endswith("text:C?digo")  # type: ignore[union-attr]
    data = receipt.deliver_sm(message(None), SUBMITTED, DONE, sequence=2)
    assert gsm7.decode(smpp34.decode(data).short_message).endswith("text:")  # type: ignore[union-attr]
