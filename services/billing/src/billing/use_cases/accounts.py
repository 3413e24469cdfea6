"""Customer accounts: create (idempotent with a key), correct the holder's data, find by
identification, get."""

import uuid
from dataclasses import dataclass

from billing.domain import inputs
from billing.domain.accounts import Account, Holder, IdType
from billing.domain.idempotency import IdempotencyConflict
from billing.domain.own_ruc import refuse_issuer
from billing.ports import Accounting
from common.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class HolderInput:
    id_type: IdType
    id_number: str
    name: str
    address: str
    email: str
    phone: str = ""


async def create(
    svc: Accounting,
    holder: HolderInput,
    cycle_day: int,
    payment_method: str,
    idempotency_key: str | None = None,
) -> Account:
    """A new account; the same request again with its key gets the first account."""
    try:
        checked = Holder(
            holder.id_type,
            holder.id_number,
            holder.name,
            holder.address,
            holder.email,
            holder.phone,
        )
        issuer = await svc.issuer.issuer()
        refuse_issuer(checked.id_type, checked.id_number, issuer.ruc if issuer else None)
    except InvalidInput as error:
        raise error.renamed("holder.") from None
    account = Account(uuid.uuid4().hex, checked, cycle_day, payment_method)
    key = inputs.idempotency_key(idempotency_key) if idempotency_key is not None else None
    stored = await svc.accounts.add(account, key)
    if not stored.same_request(account):
        raise IdempotencyConflict()
    return stored


async def correct(
    svc: Accounting, account_id: str, holder: HolderInput | None, payment_method: str | None
) -> Account:
    """Correct the holder's data or the formaPago (e.g. what made SRI refuse a factura; the
    factura is then retried: use_cases/corrections.py). Same identification only."""
    account = await get(svc, account_id)
    new_holder = account.holder
    if holder is not None:
        try:
            new_holder = Holder(
                holder.id_type,
                holder.id_number,
                holder.name,
                holder.address,
                holder.email,
                holder.phone,
            )
        except InvalidInput as error:
            raise error.renamed("holder.") from None
    changed = account.with_details(new_holder, payment_method or account.payment_method)
    if not await svc.accounts.save_details(changed):
        raise account_not_found()
    return changed


async def find(svc: Accounting, id_number: str) -> list[Account]:
    # Passports are stored upper-case (the domain normalises them); cédula/RUC are digits.
    return await svc.accounts.by_id_number(id_number.strip().upper())


async def get(svc: Accounting, account_id: str) -> Account:
    account = await svc.accounts.get(account_id)
    if account is None:
        raise account_not_found()
    return account


def account_not_found() -> NotFound:
    return NotFound("No existe una cuenta con ese identificador.")
