"""The issuer never invoices itself: a factura whose buyer is the issuer's own taxpayer is not a
sale (docs/sri.md §9, issue 12 item 10).

A taxpayer is the first ten digits of its RUC (the cédula of a natural person, the entity
number of a company or public body); the last three number its establishments. So an account
holding the issuer's RUC, another establishment of it, or the cédula behind a natural person's
RUC is the issuer.
"""

from common.errors import InvalidInput

MESSAGE = (
    "Es la identificación del propio emisor: un contribuyente no se factura a sí mismo. "
    "Usa la identificación del cliente."
)


def is_issuer(id_type: str, id_number: str, issuer_ruc: str) -> bool:
    return id_type in ("cedula", "ruc") and id_number[:10] == issuer_ruc[:10]


def refuse_issuer(id_type: str, id_number: str, issuer_ruc: str | None) -> None:
    """InvalidInput on ``id_number`` when it names the issuer (``issuer_ruc``, if configured)."""
    if issuer_ruc is not None and is_issuer(id_type, id_number, issuer_ruc):
        raise InvalidInput.field("id_number", MESSAGE)
