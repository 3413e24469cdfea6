"""The issuer (emisor) configuration."""

from collections.abc import Mapping
from typing import Any

from billing.domain.issuer import checked_config
from billing.ports import Accounting
from common.errors import NotFound


async def get(svc: Accounting) -> dict[str, Any]:
    config = await svc.issuer.get()
    if config is None:
        raise NotFound("El emisor aún no está configurado.")
    return config


async def configure(svc: Accounting, config: Mapping[str, Any]) -> dict[str, Any]:
    """Store the configuration once the domain Issuer accepts it; returns what was stored."""
    checked = checked_config(config)
    await svc.issuer.put(checked)
    return checked
