"""XSD validation of a received comprobante de retención (v2.0.0, docs/sri.md §9) against SRI's
schema shipped with the service; the XAdES signature checked with our own verifier."""

from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

from billing.adapters.signing.verify import verification_error
from billing.adapters.sri_schema import _DSIG_XSD, DSIG_NAMESPACE, xsd_dir

VERSION = "2.0.0"


@cache
def _schema(directory: Path) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(
        str(directory / f"ComprobanteRetencion_V{VERSION}.xsd"),
        locations=[(DSIG_NAMESPACE, _DSIG_XSD.as_uri())],
        allow="local",
    )


def validate_retention(xml: bytes) -> list[str]:
    """Schema errors of a comprobanteRetencion (empty when valid); only version 2.0.0."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != "comprobanteRetencion":
        return [f"root element must be comprobanteRetencion, got {root.tag!r}"]
    if root.get("version") != VERSION:
        return [f"only comprobanteRetencion version {VERSION}, got {root.get('version')!r}"]
    # The XSD does not declare ds:Signature: the enveloped signature (a child of the root, where
    # the sheet puts it) is left out of the schema check and verified on its own.
    for signature in root.findall(f"{{{DSIG_NAMESPACE}}}Signature"):
        root.remove(signature)
    return [f"{error.path}: {error.reason}" for error in _schema(xsd_dir()).iter_errors(root)]


def signature_error(xml: bytes) -> str | None:
    """Why the comprobante's XAdES signature does not verify (digests and RSA value with the
    embedded certificate), or None. Its chain of trust is not checked: that is SRI's job, and SRI
    authorized it."""
    return verification_error(xml)


class RetentionDocuments:
    """The checks of a received retention that read files (ports.withholdings)."""

    def schema_errors(self, xml: bytes) -> list[str]:
        return validate_retention(xml)

    def signature_error(self, xml: bytes) -> str | None:
        return signature_error(xml)
