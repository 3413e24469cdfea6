"""The Estado de cuenta (non-fiscal) from the statement a factura carries in infoAdicional.

The factura has no place for a previous balance or an amount due (docs/sri.md §8); billing
summarises the account statement in campoAdicional entries (``bill.statement_info``: Cuenta,
Periodo, Saldo anterior, Pagos recibidos, Ajustes, Total a pagar, Fecha maxima de pago). Names
are matched without case or accents, with the spellings other issuers use, so the section appears
whenever the data is there and never otherwise.
"""

import unicodedata
from collections.abc import Iterable

from rendering.domain.ride import Field

# (printed label, names it is found under), in the order the section prints them.
ENTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cuenta", ("cuenta", "numero de cuenta")),
    ("Periodo", ("periodo", "periodo facturado")),
    ("Saldo anterior", ("saldo anterior",)),
    ("Pagos recibidos", ("pagos recibidos", "pagos", "pagos del periodo")),
    ("Ajustes", ("ajustes",)),
    ("Saldo a pagar", ("total a pagar", "saldo a pagar", "valor a pagar", "saldo total")),
    ("Fecha máxima de pago", ("fecha maxima de pago", "fecha limite de pago", "fecha de pago")),
)
# Without one of these there is no statement, only context (an account number alone is not one).
_STATEMENT = frozenset({"Saldo anterior", "Pagos recibidos", "Saldo a pagar"})


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace(":", " ").split())


def statement(info: Iterable[Field]) -> tuple[Field, ...]:
    """The Estado de cuenta entries found in ``info``; empty when it carries no statement."""
    by_key: dict[str, str] = {}
    for field in info:
        by_key.setdefault(_key(field.name), field.value)
    found = []
    for label, names in ENTRIES:
        value = next((by_key[n] for n in names if n in by_key), None)
        if value is not None:
            found.append(Field(label, value))
    if not _STATEMENT.intersection(f.name for f in found):
        return ()
    return tuple(found)
