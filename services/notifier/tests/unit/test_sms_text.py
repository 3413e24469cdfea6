"""The SMS domain: GSM 03.38 or UCS-2, one segment, the code's wording and local expiry time,
numbers for SMPP and for people, receipts and submit_sm statuses. Pure: no I/O."""

from datetime import UTC, datetime

import pytest
import smpp34

from notifier.adapters.smpp import TLV_MESSAGE_STATE, TLV_RECEIPTED_MESSAGE_ID
from notifier.domain import errors
from notifier.domain.errors import PermanentDeliveryError, classify_submit_status
from notifier.domain.sms import (
    GSM7,
    UCS2,
    DeliveryReceipt,
    LineCode,
    encode,
    line_code_text,
    masked_number,
    parse_receipt,
    smpp_address,
)

# 19:35 UTC is 14:35 in Guayaquil (UTC-5, no daylight saving time).
EXPIRES = datetime(2026, 11, 27, 19, 35, 30, tzinfo=UTC)


def test_gsm_text_is_gsm7_one_septet_per_character() -> None:
    sms = encode("Hola ¿qué tal? ¡Año nuevo! Ñ é è ü à ò ì @ $ _")
    assert sms.data_coding == GSM7 == 0
    assert sms.units == len(sms.text) == len(sms.payload)
    assert sms.payload.startswith(b"Hola ")
    assert sms.payload.decode("gsm03.38") == sms.text


def test_gsm_text_with_an_accent_gsm_lacks_is_ucs2() -> None:
    # GSM 03.38 has é, è, ü, ñ, ò but not á, í, ó, ú: Spanish often needs UCS-2.
    for text in ("ó", "á", "í", "ú", "Ó"):
        assert encode(f"código {text}").data_coding == UCS2


def test_extension_characters_count_twice_in_gsm7() -> None:
    text = "{precio} 5€ [a|b] ~^\\"
    sms = encode(text)
    assert sms.data_coding == GSM7
    extension = sum(text.count(c) for c in "{}€[]|~^\\")
    assert extension == 9 and sms.units == len(text) + extension
    assert sms.payload.count(b"\x1b") == extension


def test_gsm7_holds_160_septets_in_one_segment() -> None:
    assert encode("a" * 160).one_segment
    assert not encode("a" * 161).one_segment
    assert not encode("a" * 159 + "€").one_segment  # 159 + 2 septets


def test_ucs2_is_utf16_be_and_holds_70_units() -> None:
    sms = encode("código")
    assert sms.data_coding == UCS2 == 8
    assert sms.payload == "código".encode("utf-16-be") and sms.units == 6
    assert encode("ó" * 70).one_segment and not encode("ó" * 71).one_segment
    emoji = encode("ó" + "📱")  # outside the BMP: a surrogate pair
    assert emoji.units == 3


def test_the_code_sms_for_mi_claro() -> None:
    sms = line_code_text("Mi Claro", "123456", EXPIRES)
    assert sms.text == "Mi Claro: código 123456. Vence a las 14:35. No compartas este código."
    assert sms.data_coding == UCS2 and sms.units == 69 and sms.one_segment


def test_the_expiry_is_local_time_in_guayaquil_even_across_midnight_utc() -> None:
    sms = line_code_text("Mi Claro", "123456", datetime(2026, 11, 28, 3, 10, tzinfo=UTC))
    assert "Vence a las 22:10." in sms.text


def test_a_longer_brand_gets_a_shorter_wording() -> None:
    sms = line_code_text("Claro Ecuador", "123456", EXPIRES)
    assert sms.text == "Claro Ecuador: código 123456. Vence 14:35. No compartas este código."
    assert sms.one_segment


def test_a_long_brand_is_left_out_and_the_code_and_warning_stay() -> None:
    brand = "Consorcio Ecuatoriano de Telecomunicaciones"
    sms = line_code_text(brand, "123456", EXPIRES)
    assert brand not in sms.text and sms.one_segment
    assert sms.text == "Código 123456. Vence a las 14:35. No compartas este código."


def test_every_brand_length_gives_one_segment_with_the_code() -> None:
    for length in range(0, 80):
        sms = line_code_text("M" * length, "AB12CD34EF56", EXPIRES)
        assert sms.one_segment and "AB12CD34EF56" in sms.text and "No compartas" in sms.text


def test_a_brand_outside_gsm_still_fits_ucs2() -> None:
    sms = line_code_text("Señal™", "123456", EXPIRES)
    assert sms.data_coding == UCS2 and sms.one_segment and sms.text.startswith("Señal™: ")


def test_a_code_that_is_not_a_short_token_is_refused() -> None:
    for code in ("", "12", "1234567890123", "12 34", "12\n34"):
        with pytest.raises(PermanentDeliveryError):
            line_code_text("Mi Claro", code, EXPIRES)


def test_numbers_for_smpp_are_digits() -> None:
    assert smpp_address("+593991234567") == "593991234567"
    for bad in ("0991234567", "+59399", "+593 99 123 4567", "tel:+593991234567", ""):
        with pytest.raises(PermanentDeliveryError):
            smpp_address(bad)


def test_numbers_for_people_are_masked() -> None:
    assert masked_number("+593991234567") == "099***4567"
    assert masked_number("+59322345678") == "022**5678"
    assert masked_number("+14155552671") == "+14*****2671"
    for number in ("+593991234567", "+14155552671"):
        assert number.removeprefix("+")[3:8] not in masked_number(number)


def test_the_code_survives_its_payload_round_trip() -> None:
    code = LineCode("123456", EXPIRES, "l1", 2)
    payload = code.to_payload()
    assert LineCode.from_payload(payload) == code
    naive = payload | {"expires_at": EXPIRES.replace(tzinfo=None)}  # as BSON gives it back
    assert LineCode.from_payload(naive).expires_at == EXPIRES
    with pytest.raises(PermanentDeliveryError):
        LineCode.from_payload({"code": "123456"})


def test_a_receipt_is_read_from_its_text() -> None:
    text = b"id:7f3a sub:001 dlvrd:001 submit date:2611271430 done date:2611271431 stat:DELIVRD"
    assert parse_receipt(text + b" err:000 text:") == DeliveryReceipt("7f3a", "DELIVRD", "000")
    assert parse_receipt(b"id:9 stat:undeliv err:012") == DeliveryReceipt("9", "UNDELIV", "012")


def test_the_receipts_optional_parameters_win_over_its_text() -> None:
    receipt = parse_receipt(b"id:123 stat:DELIVRD", receipted_id="0000007B", state=5)
    assert receipt == DeliveryReceipt("0000007B", "UNDELIV", None)


def test_an_unreadable_receipt_is_none() -> None:
    assert parse_receipt(b"hola") is None
    assert parse_receipt(b"stat:DELIVRD") is None
    assert parse_receipt(b"id:1 sub:001") is None


def test_submit_statuses_are_transient_unless_about_the_message() -> None:
    for status in (errors.ESME_RTHROTTLED, errors.ESME_RMSGQFUL, errors.ESME_RSYSERR, 0x0A):
        assert classify_submit_status(status).transient
    for status in (errors.ESME_RINVDSTADR, errors.ESME_RINVMSGLEN, errors.ESME_RX_R_APPN):
        refused = classify_submit_status(status)
        assert not refused.transient and refused.code == status


def test_the_smpp_numbers_match_smpp34s() -> None:
    assert errors.ESME_RTHROTTLED == smpp34.ESME_RTHROTTLED  # type: ignore[attr-defined]
    assert errors.ESME_RMSGQFUL == smpp34.ESME_RMSGQFUL  # type: ignore[attr-defined]
    assert errors.ESME_RSYSERR == smpp34.ESME_RSYSERR  # type: ignore[attr-defined]
    assert errors.ESME_RINVDSTADR == smpp34.ESME_RINVDSTADR  # type: ignore[attr-defined]
    assert errors.ESME_RINVMSGLEN == smpp34.ESME_RINVMSGLEN  # type: ignore[attr-defined]
    assert TLV_RECEIPTED_MESSAGE_ID == smpp34.TLV_RECEIPTED_MESSAGE_ID  # type: ignore[attr-defined]
    assert TLV_MESSAGE_STATE == smpp34.TLV_MESSAGE_STATE  # type: ignore[attr-defined]
