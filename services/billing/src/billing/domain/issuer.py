"""The issuer's configuration (emisor): establishments, emission points, the point bill runs
use, and the domain ``Issuer`` the invoices carry, checked field by field."""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from stdnum.ec import ruc as ec_ruc

from billing.domain.designations import AGENTE_RETENCION, GRAN_CONTRIBUYENTE
from billing.domain.invoice import Issuer, clean_text
from common.errors import InvalidInput

_THREE_DIGITS = re.compile(r"[0-9]{3}")


def issuer_from_config(config: Mapping[str, Any]) -> Issuer:
    """The domain Issuer for the configured billing point (raises ValueError when invalid)."""
    point = config["billing_point"]
    establishment = _establishment_of(config)
    if establishment is None or point["emission_point"] not in establishment["emission_points"]:
        raise ValueError("billing_point is not one of the configured emission points")
    return Issuer(
        ruc=config["ruc"],
        razon_social=config["razon_social"],
        nombre_comercial=config.get("nombre_comercial"),
        dir_matriz=config["dir_matriz"],
        obligado_contabilidad=config["obligado_contabilidad"],
        environment=2 if config["ambiente"] == "produccion" else 1,
        establishment=point["establishment"],
        emission_point=point["emission_point"],
        dir_establecimiento=establishment["address"],
        contribuyente_especial=config.get("contribuyente_especial"),
        # .get: configurations stored before these fields existed have neither.
        agente_retencion=config.get("agente_retencion"),
        gran_contribuyente=config.get("gran_contribuyente"),
    )


def _establishment_of(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    code = config["billing_point"]["establishment"]
    found: Mapping[str, Any] | None = next(
        (e for e in config["establishments"] if e["code"] == code), None
    )
    return found


def checked_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration to store, once the domain Issuer accepts it (RUC check included):
    what the invoices will carry (control characters out, blanks trimmed)."""
    config = dict(raw) | {
        "establishments": _establishments(raw["establishments"]),
        "contribuyente_especial": _blank_to_none(raw.get("contribuyente_especial")),
        "agente_retencion": _blank_to_none(raw.get("agente_retencion")),
        "gran_contribuyente": _blank_to_none(raw.get("gran_contribuyente")),
    }
    _check_designations(config)
    _check_issuer_fields(config)
    try:
        issuer = issuer_from_config(config)
    except ValueError:
        raise InvalidInput.field("body", "Revise la configuración del emisor.") from None
    return config | {
        "razon_social": issuer.razon_social,
        "dir_matriz": issuer.dir_matriz,
        "nombre_comercial": issuer.nombre_comercial,
    }


def _check_designations(config: Mapping[str, Any]) -> None:
    """The designations' resolution numbers, as the domain Issuer (and the XSD) take them."""
    # The factura XSD's agenteRetencion: the resolution number, up to 8 digits.
    agente = config["agente_retencion"]
    if agente and not AGENTE_RETENCION.fullmatch(agente):
        raise InvalidInput.field(
            "agente_retencion", "El número de resolución tiene de 1 a 8 dígitos."
        )
    gran = config["gran_contribuyente"]
    if gran and not GRAN_CONTRIBUYENTE.fullmatch(gran):
        message = "El número de resolución tiene hasta 40 letras, dígitos o guiones."
        raise InvalidInput.field("gran_contribuyente", message)


def _establishments(establishments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Distinct 3-digit codes, distinct emission points, an address each (the RIDE prints it)."""
    codes = [e["code"] for e in establishments]
    if not codes or len(set(codes)) != len(codes):
        raise InvalidInput.field(
            "establishments", "Indique establecimientos con códigos distintos."
        )
    checked = []
    for establishment in establishments:
        code, points = establishment["code"], list(establishment["emission_points"])
        if not all(_THREE_DIGITS.fullmatch(c) for c in (code, *points)):
            message = "Los códigos de establecimiento y punto de emisión tienen 3 dígitos (001)."
            raise InvalidInput.field("establishments", message)
        if not points or len(set(points)) != len(points):
            message = "Cada establecimiento necesita puntos de emisión distintos."
            raise InvalidInput.field("establishments", message)
        try:
            address = clean_text(establishment["address"], what="establishments")
        except ValueError:
            message = "Debe tener entre 1 y 300 caracteres."
            raise InvalidInput.field("establishments", message) from None
        checked.append({"code": code, "address": address, "emission_points": points})
    return checked


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _text_ok(value: Any, min_length: int = 1) -> bool:
    try:
        clean_text(value, what="text", min_length=min_length)
    except ValueError:
        return False
    return True


def _check_issuer_fields(config: Mapping[str, Any]) -> None:
    """The Issuer's own rules, in its order, each naming the request's field."""
    point = config["billing_point"]
    establishment = _establishment_of(config)
    if establishment is None or point["emission_point"] not in establishment["emission_points"]:
        message = "Debe ser un punto de emisión de un establecimiento."
        raise InvalidInput.field("billing_point", message)
    ruc = config["ruc"]
    if not (isinstance(ruc, str) and re.fullmatch(r"[0-9]{13}", ruc) and ec_ruc.is_valid(ruc)):
        raise InvalidInput.field("ruc", "El RUC no es válido.")
    for name in ("razon_social", "dir_matriz"):
        if not _text_ok(config[name]):
            raise InvalidInput.field(name, "Debe tener entre 1 y 300 caracteres.")
    nombre = config.get("nombre_comercial")
    if nombre is not None and not _text_ok(nombre, min_length=0):
        raise InvalidInput.field("nombre_comercial", "Debe tener hasta 300 caracteres.")
    especial = config.get("contribuyente_especial")
    if especial is not None and not re.fullmatch(r"[A-Za-z0-9]{3,13}", especial):
        message = "Debe tener de 3 a 13 letras o dígitos."
        raise InvalidInput.field("contribuyente_especial", message)
