"""Signed download links: a link verifies only as it was signed, with the same key, in time."""

import pytest

from common.links import sign_link, verify_link

KEY = "clave-compartida-de-prueba-0123456789"
CLAVE = "0112202601179001167400120010010000001231234567811"
EXPIRES = 1_780_000_300


def test_a_signed_link_verifies_until_it_expires() -> None:
    signature = sign_link(KEY, CLAVE, EXPIRES)
    assert len(signature) == 64 and int(signature, 16) >= 0
    assert verify_link(KEY, CLAVE, EXPIRES, signature, now=EXPIRES - 300)
    assert verify_link(KEY, CLAVE, EXPIRES, signature.upper(), now=EXPIRES)
    assert not verify_link(KEY, CLAVE, EXPIRES, signature, now=EXPIRES + 1)


@pytest.mark.parametrize(
    ("key", "clave", "expires", "tamper"),
    [
        (KEY, CLAVE[:-1] + "2", EXPIRES, False),  # another invoice
        (KEY, CLAVE, EXPIRES + 3600, False),  # a later expiry
        ("otra-clave", CLAVE, EXPIRES, False),  # another key
        (KEY, CLAVE, EXPIRES, True),  # one digit of the signature
    ],
)
def test_an_altered_link_is_refused(key: str, clave: str, expires: int, tamper: bool) -> None:
    signature = sign_link(KEY, CLAVE, EXPIRES)
    if tamper:
        signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not verify_link(key, clave, expires, signature, now=EXPIRES - 60)


def test_resource_and_expiry_cannot_trade_digits() -> None:
    assert sign_link(KEY, "12", 3) != sign_link(KEY, "1", 23)


def test_no_key_no_link() -> None:
    with pytest.raises(ValueError, match="RIDE_LINK_KEY"):
        sign_link("", CLAVE, EXPIRES)
    assert not verify_link("", CLAVE, EXPIRES, "0" * 64, now=0)
    assert not verify_link(KEY, CLAVE, EXPIRES, "ñ" * 64, now=0)
