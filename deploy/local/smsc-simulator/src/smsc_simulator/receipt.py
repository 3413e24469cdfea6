"""Delivery receipts: the deliver_sm an SMSC sends back when registered_delivery asks for one.

The text is the de-facto format of SMPP 3.4 appendix B; the receipted_message_id and
message_state TLVs say the same for ESMEs that read TLVs.
"""

from datetime import datetime

import smpp34

from smsc_simulator import gsm7, pdu
from smsc_simulator.store import Message

ESM_DELIVERY_RECEIPT = 0x04
STATE_DELIVERED = 2
TEXT_PREVIEW = 20


def receipt_text(message_id: str, submitted: datetime, done: datetime, text: str) -> str:
    stamp = "%y%m%d%H%M"
    return (
        f"id:{message_id} sub:001 dlvrd:001 submit date:{submitted.strftime(stamp)} "
        f"done date:{done.strftime(stamp)} stat:DELIVRD err:000 text:{text[:TEXT_PREVIEW]}"
    )


def deliver_sm(message: Message, submitted: datetime, done: datetime, sequence: int) -> bytes:
    """The receipt for ``message``, from its destination to its sender, GSM-7 (data_coding 0):
    characters of the preview outside GSM-7 read '?'."""
    text = receipt_text(message.message_id, submitted, done, message.text or "")
    receipt = smpp34.DeliverSm(
        message.to,
        message.sender,
        gsm7.encode(text),
        esm_class=ESM_DELIVERY_RECEIPT,
        data_coding=0,
        source_addr_ton=message.dest_addr_ton,
        tlvs=[
            smpp34.Tlv(pdu.TAG_RECEIPTED_MESSAGE_ID, message.message_id.encode("ascii") + b"\0"),
            smpp34.Tlv(pdu.TAG_MESSAGE_STATE, bytes([STATE_DELIVERED])),
        ],
        sequence_number=sequence,
    )
    return receipt.encode()
