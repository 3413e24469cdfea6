"""The issuer's designations in the factura (docs/sri.md §9, issue 12 item 4): an agente de
retención writes its resolution number in ``infoTributaria/agenteRetencion``, a Gran
Contribuyente its resolution as a ``campoAdicional``; neither appears when not configured.
XSD validity and the xmlsec1 check of the signed document run on the ``designated_issuer``
scenario with the others (test_factura_xml.py, test_signing.py)."""

from dataclasses import asdict, replace
from typing import Any

import pytest
from lxml import etree

from billing.adapters.sri_schema import validate_factura
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import MAX_ADDITIONAL_INFO, Invoice, Issuer
from billing.domain.issuer import checked_config, issuer_from_config
from common.errors import InvalidInput
from services.billing.tests.unit.test_factura_xml import (
    DESIGNATED,
    ISSUER,
    VERSIONS,
    designated_issuer,
    single_plan,
)

CONFIG: dict[str, Any] = {
    "ruc": "1790011674001",
    "razon_social": "Telco S.A.",
    "dir_matriz": "Quito",
    "obligado_contabilidad": True,
    "ambiente": "pruebas",
    "establishments": [{"code": "001", "address": "Quito", "emission_points": ["001"]}],
    "billing_point": {"establishment": "001", "emission_point": "001"},
}


def _tributaria(invoice: Invoice, version: str = "2.1.0") -> list[tuple[str, str | None]]:
    info = etree.fromstring(to_xml(invoice, version)).find("infoTributaria")
    assert info is not None
    return [(str(child.tag), child.text) for child in info]


def _campos(invoice: Invoice) -> list[tuple[str | None, str | None]]:
    extra = etree.fromstring(to_xml(invoice)).find("infoAdicional")
    return [(c.get("nombre"), c.text) for c in (extra if extra is not None else ())]


@pytest.mark.parametrize("version", VERSIONS)
def test_agente_retencion_follows_dir_matriz_when_designated(version: str) -> None:
    tags = _tributaria(designated_issuer(), version)
    assert tags[-2:] == [("dirMatriz", ISSUER.dir_matriz), ("agenteRetencion", "12345678")]
    assert "agenteRetencion" not in dict(_tributaria(single_plan(), version))


@pytest.mark.parametrize("version", VERSIONS)
def test_xsd_refuses_an_agente_retencion_that_is_not_its_number(version: str) -> None:
    """The schema, not only our check, holds the format: digits, at most 8."""
    xml = to_xml(designated_issuer(), version)
    assert validate_factura(xml) == []
    for wrong in (b"123456789", b"NAC-1"):
        assert validate_factura(xml.replace(b">12345678<", b">" + wrong + b"<")) != []


def test_gran_contribuyente_legend_in_info_adicional_only_when_configured() -> None:
    assert _campos(designated_issuer()) == [
        ("Email", "pagos@cliente.ec"),
        ("Gran Contribuyente", "Resolución No. NAC-DGERCGC21-00000001"),
        ("Periodo", "01/11/2026 - 30/11/2026"),
        ("Contrato", "C-123"),
    ]
    assert "Gran Contribuyente" not in dict(_campos(single_plan()))


def test_the_legend_counts_towards_the_fifteen_campos() -> None:
    plain = single_plan()
    full = [(f"Campo {n}", "x") for n in range(MAX_ADDITIONAL_INFO - 1)]  # + the buyer's Email
    assert len(replace(plain, additional_info=full).info_adicional) == MAX_ADDITIONAL_INFO
    with pytest.raises(ValueError, match="campos adicionales"):
        replace(plain, issuer=DESIGNATED, additional_info=full)


@pytest.mark.parametrize(
    "changes",
    [
        {"agente_retencion": "123456789"},
        {"agente_retencion": "RES-1"},
        {"agente_retencion": ""},
        {"gran_contribuyente": "NAC DGERCGC21"},
        {"gran_contribuyente": "-NAC"},
        {"gran_contribuyente": "N" * 41},
    ],
)
def test_the_domain_issuer_refuses_malformed_resolutions(changes: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Issuer(**asdict(ISSUER) | changes)


def test_configuration_reaches_the_domain_issuer() -> None:
    stored = checked_config(
        CONFIG | {"agente_retencion": " 1 ", "gran_contribuyente": " NAC-GCTRGGC20-00000001 "}
    )
    issuer = issuer_from_config(stored)
    assert (issuer.agente_retencion, issuer.gran_contribuyente) == ("1", "NAC-GCTRGGC20-00000001")


def test_designations_are_optional_and_blank_is_none() -> None:
    """Backwards compatible: a configuration stored before these fields, or with blanks."""
    issuer = issuer_from_config(checked_config(CONFIG))
    assert (issuer.agente_retencion, issuer.gran_contribuyente) == (None, None)
    stored = checked_config(CONFIG | {"agente_retencion": " ", "gran_contribuyente": ""})
    assert (stored["agente_retencion"], stored["gran_contribuyente"]) == (None, None)
    assert issuer_from_config(stored).legends == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [("agente_retencion", "RES-1"), ("gran_contribuyente", "NAC/2021")],
)
def test_configuration_names_the_malformed_field(field: str, value: str) -> None:
    with pytest.raises(InvalidInput) as error:
        checked_config(CONFIG | {field: value})
    assert list(error.value.fields or {}) == [field]
