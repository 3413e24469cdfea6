"""XSD validation of factura XML against SRI's schemas (reads files: not part of the domain).

The SRI XSDs import ``xmldsig-core-schema.xsd`` by a relative location that SRI does not ship;
it is resolved to the copy inside the ``xmlschema`` package, so loading never touches the network
(``allow="local"`` also forbids any remote fetch).
"""

import os
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

DSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
VERSIONS = ("1.1.0", "2.1.0")
_DSIG_XSD = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"


PACKAGED_XSD_DIR = Path(__file__).parents[1] / "schemas"  # packaged with the service


def xsd_dir() -> Path:
    """``SRI_XSD_DIR`` if set, else the schemas shipped in this package."""
    override = os.environ.get("SRI_XSD_DIR")
    if override:
        return Path(override).resolve()
    return PACKAGED_XSD_DIR


@cache
def _schema(directory: Path, version: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(
        str(directory / f"factura_V{version}.xsd"),
        locations=[(DSIG_NAMESPACE, _DSIG_XSD.as_uri())],
        allow="local",
    )


def factura_schema(version: str) -> xmlschema.XMLSchema10:
    if version not in VERSIONS:
        raise ValueError(f"no factura XSD for version {version!r}; known: {VERSIONS}")
    return _schema(xsd_dir(), version)


def validate_factura(xml: bytes) -> list[str]:
    """Schema errors of a factura document (empty when valid), chosen by its version attribute."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != "factura":
        return [f"root element must be factura, got {root.tag!r}"]
    version = root.get("version")
    if version not in VERSIONS:
        return [f"unknown factura version {version!r}; known: {', '.join(VERSIONS)}"]
    return [f"{error.path}: {error.reason}" for error in factura_schema(version).iter_errors(root)]


# Notas de crédito and débito (docs/sri.md §9): one schema each, chosen by the root element.
NOTE_SCHEMAS = {"notaCredito": "NotaCredito_V1.1.0.xsd", "notaDebito": "NotaDebito_V1.0.0.xsd"}


@cache
def _note_schema(directory: Path, name: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(
        str(directory / name), locations=[(DSIG_NAMESPACE, _DSIG_XSD.as_uri())], allow="local"
    )


def validate_note(xml: bytes) -> list[str]:
    """Schema errors of a nota de crédito or débito (empty when valid). Like SRI's factura XSDs,
    these do not reference ds:Signature: validate the document before it is signed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    name = NOTE_SCHEMAS.get(root.tag)
    if name is None:
        return [f"root element must be notaCredito or notaDebito, got {root.tag!r}"]
    schema = _note_schema(xsd_dir(), name)
    return [f"{error.path}: {error.reason}" for error in schema.iter_errors(root)]
