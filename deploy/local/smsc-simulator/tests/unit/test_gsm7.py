"""The GSM 03.38 default alphabet as SMPP carries it (one septet per octet)."""

import pytest

from smsc_simulator import gsm7


def test_the_basic_table_round_trips_every_character() -> None:
    text = "".join(char for code, char in enumerate(gsm7.BASIC) if code != gsm7.ESCAPE)
    octets = gsm7.encode(text, replacement="")
    assert len(octets) == 127
    assert gsm7.decode(octets) == text


def test_letters_that_differ_from_ascii_have_their_gsm_codes() -> None:
    assert gsm7.encode("@", replacement="") == b"\x00"
    assert gsm7.encode("¿¡ñÑ", replacement="") == bytes([0x60, 0x40, 0x7D, 0x5D])
    assert gsm7.decode(bytes([0x60, 0x43, 0x6F, 0x64, 0x69, 0x67, 0x6F, 0x3F])) == "¿Codigo?"


@pytest.mark.parametrize(
    ("char", "code"),
    [("€", 0x65), ("{", 0x28), ("}", 0x29), ("[", 0x3C), ("]", 0x3E), ("\\", 0x2F), ("|", 0x40)],
)
def test_extension_characters_take_an_escape_and_a_code(char: str, code: int) -> None:
    assert gsm7.encode(char, replacement="") == bytes([gsm7.ESCAPE, code])
    assert gsm7.decode(bytes([gsm7.ESCAPE, code])) == char
    assert gsm7.can_encode(char)


def test_a_text_with_escapes_decodes_in_place() -> None:
    octets = gsm7.encode("Pago {total}: 5€", replacement="")
    assert len(octets) == len("Pago {total}: 5€") + 3  # three escapes
    assert gsm7.decode(octets) == "Pago {total}: 5€"


@pytest.mark.parametrize("text", ["¿Código?", "Olá", "✓ listo", "Ω but ó"])
def test_characters_outside_the_alphabet_are_not_gsm7(text: str) -> None:
    assert not gsm7.can_encode(text)
    with pytest.raises(ValueError, match=r"no GSM 03\.38 code"):
        gsm7.encode(text, replacement="")


def test_spanish_without_acute_accents_is_gsm7() -> None:
    assert gsm7.can_encode("¿Año nuevo? ¡Sé! à")  # é and à are in the basic table, í is not
    assert not gsm7.can_encode("í")


def test_encode_replaces_what_it_cannot_code() -> None:
    assert gsm7.decode(gsm7.encode("¿Código?")) == "¿C?digo?"


def test_an_unknown_escape_reads_as_the_basic_character() -> None:
    assert gsm7.decode(bytes([gsm7.ESCAPE, 0x41])) == "A"


def test_octets_that_are_not_septets_read_as_question_marks() -> None:
    assert gsm7.decode(b"a\xe9b") == "a?b"


def test_a_trailing_escape_carries_no_character() -> None:
    assert gsm7.decode(b"ok\x1b") == "ok"
