"""The GSM 03.38 (3GPP TS 23.038) default alphabet, one septet per octet as SMPP carries it.

SMPP sends GSM-7 text unpacked: each octet holds one septet (0x00-0x7F). 0x1B escapes to the
extension table; an escape followed by a code the table does not define reads as the basic
character of that code (23.038, note to the extension table).
"""

ESCAPE = 0x1B

# Index = septet value. 0x1B (escape) is a placeholder here: it never decodes to itself.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

_BASIC_CODES = {char: code for code, char in enumerate(BASIC) if code != ESCAPE}
_EXTENSION_CODES = {char: code for code, char in EXTENSION.items()}

if len(BASIC) != 128:  # pragma: no cover - a typo in the table must not pass silently
    raise RuntimeError(f"the GSM 03.38 basic table has {len(BASIC)} entries, not 128")


def decode(octets: bytes) -> str:
    """Text of unpacked GSM-7 septets; an octet above 0x7F (not a septet) reads as '?'."""
    chars: list[str] = []
    escaped = False
    for octet in octets:
        if octet > 0x7F:
            chars.append("?")
            escaped = False
        elif escaped:
            chars.append(EXTENSION.get(octet, BASIC[octet] if octet != ESCAPE else " "))
            escaped = False
        elif octet == ESCAPE:
            escaped = True
        else:
            chars.append(BASIC[octet])
    return "".join(chars)  # a trailing lone escape carries no character


def can_encode(text: str) -> bool:
    """Whether every character has a GSM-7 code (basic or extension table)."""
    return all(char in _BASIC_CODES or char in _EXTENSION_CODES for char in text)


def encode(text: str, *, replacement: str = "?") -> bytes:
    """Unpacked septets for ``text``; a character outside the alphabet becomes ``replacement``
    (which must itself be GSM-7), or raises ValueError when ``replacement`` is empty."""
    out = bytearray()
    for char in text:
        if char in _BASIC_CODES:
            out.append(_BASIC_CODES[char])
        elif char in _EXTENSION_CODES:
            out += bytes((ESCAPE, _EXTENSION_CODES[char]))
        elif replacement:
            out += encode(replacement, replacement="")
        else:
            raise ValueError(f"{char!r} has no GSM 03.38 code")
    return bytes(out)
