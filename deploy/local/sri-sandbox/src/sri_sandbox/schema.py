"""XSD validation of facturas (SRI error 35) with lxml, one compiled schema per version.

The factura XSDs shipped here are SRI's (digests in docs/sri-files.sha256, checked by a test). They
import ``xmldsig-core-schema.xsd`` by a relative location SRI does not ship: it resolves to the
copy inside the signxml package, never the network. Those XSDs do not reference ds:Signature, so a
signed factura is validated as a copy without its signature (the signature is checked on its own).
"""

from copy import deepcopy
from functools import cache
from pathlib import Path

import signxml
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XSD_DIR = Path(__file__).parent / "xsd"
VERSIONS = ("1.1.0", "2.1.0")
_DSIG_XSD = Path(signxml.__file__).parent / "schemas" / "xmldsig-core-schema.xsd"


class _LocalDsig(etree.Resolver):  # type: ignore[misc]  # lxml has no type stubs here
    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.endswith("xmldsig-core-schema.xsd"):
            return self.resolve_filename(str(_DSIG_XSD), context)
        return None


def secure_parser() -> etree.XMLParser:
    """No entity expansion, DTD loading or network: the input comes from outside."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@cache
def factura_schema(version: str) -> etree.XMLSchema:
    parser = secure_parser()
    parser.resolvers.add(_LocalDsig())
    document = etree.parse(str(XSD_DIR / f"factura_V{version}.xsd"), parser)
    return etree.XMLSchema(document)


def without_signature(root: etree._Element) -> etree._Element:
    copy = deepcopy(root)
    for signature in list(copy.iter(f"{{{DS}}}Signature")):
        parent = signature.getparent()
        if parent is not None:
            parent.remove(signature)
    return copy


# Notas de crédito and débito (docs/sri.md §9): root element → (version, XSD file).
NOTE_SCHEMAS = {
    "notaCredito": ("1.1.0", "NotaCredito_V1.1.0.xsd"),
    "notaDebito": ("1.0.0", "NotaDebito_V1.0.0.xsd"),
}


@cache
def note_schema(name: str) -> etree.XMLSchema:
    parser = secure_parser()
    parser.resolvers.add(_LocalDsig())
    return etree.XMLSchema(etree.parse(str(XSD_DIR / name), parser))


def _note_error(root: etree._Element) -> str | None:
    version, name = NOTE_SCHEMAS[root.tag]
    if root.get("version") != version:
        return f"versión de {root.tag} no soportada {root.get('version')!r}; conocida: {version}"
    schema = note_schema(name)
    if schema.validate(without_signature(root)):
        return None
    error = schema.error_log.last_error
    return f"línea {error.line}: {error.message}" if error else "no cumple el XSD"


def structure_error(root: etree._Element) -> str | None:
    """Why ``root`` is not a factura valid against the XSD of its version, or None."""
    if root.tag in NOTE_SCHEMAS:
        return _note_error(root)
    if root.tag != "factura":
        known = "facturas, notas de crédito y notas de débito"
        return f"el sandbox recibe {known}; elemento raíz {root.tag!r}"
    version = root.get("version")
    if version not in VERSIONS:
        return f"versión de factura no soportada {version!r}; conocidas: {', '.join(VERSIONS)}"
    schema = factura_schema(version)
    if schema.validate(without_signature(root)):
        return None
    error = schema.error_log.last_error
    return f"línea {error.line}: {error.message}" if error else "no cumple el XSD"
