"""Idempotency keys: a request sent again with its key gets the first answer, and nothing
happens twice. The store finds the first request under the key; whether the new one asks for the
same is decided here (and by each aggregate's ``same_request``)."""

from dataclasses import replace

from billing.domain.bill import Charge
from common.errors import Conflict


class IdempotencyConflict(Conflict):
    """The idempotency key was already used with a different request."""

    def __init__(self) -> None:
        message = "Esta clave de idempotencia ya se usó con datos diferentes."
        super().__init__("idempotency_conflict", message, {"idempotency_key": message})


def same_charge(first: Charge, again: Charge) -> bool:
    """Everything but the (new) id is equal (the key is the account's, so is the account)."""
    return replace(again, charge_id=first.charge_id) == first
