"""A rejected factura, rebuilt for its correction (docs/sri.md §9; SRI's sheet §5.10, §5.12).

After DEVUELTA or NO AUTORIZADO for a content error the issuer corrects the document and sends
it again with the **same clave de acceso and secuencial**. The clave embeds fechaEmision, the
issuer's RUC, ambiente, establishment, emission point, secuencial and código numérico, so all of
those stay; what the operator may have fixed since (the issuer's names, address and
designations; the buyer's name, identification, address, email; the account's formaPago) is
read again. The lines, the period and the account statement in ``infoAdicional`` stay as
billed: the correction fixes the data SRI refused, it does not re-bill the period.

Keeping fechaEmision means a correction must reach SRI within its transmission window after
that date (72 h, error 65 otherwise): past it, the only way left to invoice the period is a new
factura with a new number, which this does not do.
"""

from dataclasses import replace

from billing.domain.accounts import Account
from billing.domain.events import InvoiceHolder
from billing.domain.invoice import Invoice, Issuer


def corrected_factura(rejected: Invoice, issuer: Issuer, account: Account) -> Invoice:
    """``rejected`` with the current issuer, buyer and formaPago (validated again on build)."""
    payments = tuple(replace(p, forma_pago=account.payment_method) for p in rejected.payments)
    return replace(rejected, issuer=issuer, buyer=account.holder.buyer(), payments=payments)


def invoice_holder(account: Account) -> InvoiceHolder:
    holder = account.holder
    return InvoiceHolder(holder.name, holder.email, holder.id_type, holder.id_number)
