"""A charge's detalle: its kind's code and prefix, what was used (cantidad, unidadMedida) when
the factura can carry it exactly, and the line and period it belongs to (detail_lines.py)."""

from decimal import Decimal
from typing import TYPE_CHECKING

from billing.domain import detail_lines, tax_catalog
from billing.domain.invoice import InvoiceLine
from billing.domain.periods import BillingPeriod

if TYPE_CHECKING:  # bill.py imports this module
    from billing.domain.bill import Charge


def line(charge: "Charge", period: BillingPeriod) -> InvoiceLine:
    """The charge's detalle on the factura of ``period``; its precioTotalSinImpuesto is the
    charge's amount (Charge checks that the quantity gives an exact unit price)."""
    kind = detail_lines.KINDS[charge.kind]
    quantity = charge.quantity or Decimal(1)
    price = detail_lines.unit_price(charge.amount, quantity)
    if price is None:  # Charge refuses such a quantity; a stored one is billed as one unit
        quantity, price = Decimal(1), charge.amount
    return InvoiceLine(
        code=kind.code,
        description=detail_lines.description(charge.kind, charge.description),
        quantity=quantity,
        unit_price=price,
        # The charge's own IVA (a third-party service keeps its own), at the rate in force on
        # the period's last day: a general-rate code stored before a change bills at the
        # general rate then (tax catalog).
        tax_code=tax_catalog.resolve("IVA", charge.tax_code, period.end).code,
        info=detail_lines.line_details(
            charge.number, period.start, period.end, charge.unit if charge.quantity else None
        ),
    )
