"""Just enough DER (X.690: tag, length, contents) to walk a certificate's Name and a PKCS#12's
bags, where ``cryptography`` hides the raw bytes: small, strict, refusing what it does not know."""

SEQUENCE, SET, OID, OCTET_STRING = 0x30, 0x31, 0x06, 0x04
EXPLICIT_0 = 0xA0  # [0] EXPLICIT, constructed


def _header(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the contents, end) of the TLV at ``at``."""
    if at + 2 > len(data) or data[at] & 0x1F == 0x1F:
        raise ValueError("unsupported or truncated DER")
    length, start = data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4:
            raise ValueError("unsupported DER length")
        length, start = int.from_bytes(data[start : start + size], "big"), start + size
    if start + length > len(data):
        raise ValueError("truncated DER")
    return data[at], start, start + length


def elements(data: bytes) -> list[bytes]:
    """The consecutive TLVs of ``data``, each whole."""
    found, at = [], 0
    while at < len(data):
        _, _, end = _header(data, at)
        found.append(data[at:end])
        at = end
    return found


def content(tlv: bytes, tag: int) -> bytes:
    """The contents of ``tlv``, which must be one whole TLV of ``tag``."""
    found, start, end = _header(tlv, 0)
    if found != tag or end != len(tlv):
        raise ValueError(f"expected DER tag {tag:#x}, found {found:#x}")
    return tlv[start:end]


def children(tlv: bytes, tag: int) -> list[bytes]:
    """The TLVs inside ``tlv`` (a SEQUENCE, SET or explicit tag)."""
    return elements(content(tlv, tag))


def object_identifier(data: bytes) -> str:
    """The dotted form of an OBJECT IDENTIFIER's contents."""
    arcs, value = [], 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs or data[-1] & 0x80:
        raise ValueError("malformed DER object identifier")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))
