"""A certificate's issuer as Java's ``X500Principal.getName()`` writes it (RFC 2253).

SRI verifies signatures with a Java library, which compares ``X509IssuerName`` with the issuer
rendered this way (docs/sri.md §9). ``cryptography``'s RFC 4514 string differs for attribute types
Java has no RFC 2253 keyword for (organizationIdentifier, emailAddress, serialNumber: Java writes
``OID=#<hex of the DER value>``) and in escaping ('=' and every '#' are escaped by Java). So the
name is rendered here from the certificate's own DER bytes, the way the JDK's
``sun.security.x509.AVA.toRFC2253String`` does; a test compares it with Java 17's output.
"""

from cryptography import x509

from billing.adapters.signing.der import OID, SEQUENCE, SET, children, content, object_identifier

# The only keywords the JDK writes in RFC 2253 form (AVAKeyword's RFC 2253-compliant entries).
_KEYWORDS = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
# Value tags the JDK writes as text (AVA.isDerString, non-canonical): Printable, T61, IA5,
# General, UTF8 and BMP strings. Anything else (UniversalString included) is written in hex.
_STRING_TAGS = frozenset({0x13, 0x14, 0x16, 0x1B, 0x0C, 0x1E})
_ESCAPED = ',=+<>#;"\\'


def java_issuer_name(cert: x509.Certificate) -> str:
    """The issuer of ``cert`` exactly as ``cert.getIssuerX500Principal().getName()`` in Java."""
    return java_rfc2253(_issuer_der(cert.tbs_certificate_bytes))


def java_rfc2253(name_der: bytes) -> str:
    """An X.501 ``Name`` (DER) in RFC 2253 form, last RDN first, as the JDK writes it."""
    rdns = [
        "+".join(_attribute(ava) for ava in children(rdn, SET))
        for rdn in children(name_der, SEQUENCE)
    ]
    return ",".join(reversed(rdns))


def _attribute(ava: bytes) -> str:
    oid_tlv, value = children(ava, SEQUENCE)
    oid = object_identifier(content(oid_tlv, OID))
    keyword = _KEYWORDS.get(oid, oid)
    if keyword[0].isdigit() or value[0] not in _STRING_TAGS:
        return f"{keyword}=#{value.hex()}"
    # The JDK decodes every string type's bytes as UTF-8 (even BMPString), replacing bad bytes.
    text = content(value, value[0]).decode("utf-8", errors="replace")
    return f"{keyword}={_escape(text)}"


def _escape(text: str) -> str:
    escaped = "".join("\\" + c if c in _ESCAPED else "\\00" if c == "\x00" else c for c in text)
    # Then leading and trailing spaces and carriage returns get a backslash each.
    blank = " \r"
    lead = len(escaped) - len(escaped.lstrip(blank))
    trail = len(escaped.rstrip(blank))
    return "".join("\\" + c if i < lead or i >= trail else c for i, c in enumerate(escaped))


def _issuer_der(tbs: bytes) -> bytes:
    """The issuer Name of a TBSCertificate: after [0] version, serialNumber and signature."""
    fields = children(tbs, SEQUENCE)
    if fields[0][0] == 0xA0:
        fields = fields[1:]
    return fields[2]
