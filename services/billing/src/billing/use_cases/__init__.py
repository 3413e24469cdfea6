"""What the operator, customers, billing's consumers and loops do: one async function per use
case, one module per resource.

They take the service (its parts typed by ``billing.ports``) and plain values, and refuse with
the kinds in ``common.errors``; nothing here knows HTTP or MongoDB.
"""

from billing.use_cases import (
    accounts,
    adjustments,
    bill_runs,
    charges,
    documents,
    invoices,
    invoicing,
    issuer,
    ownership,
    payments,
    plans,
    statements,
    submission,
    subscriptions,
    withholdings,
)

__all__ = [
    "accounts",
    "adjustments",
    "bill_runs",
    "charges",
    "documents",
    "invoices",
    "invoicing",
    "issuer",
    "ownership",
    "payments",
    "plans",
    "statements",
    "submission",
    "subscriptions",
    "withholdings",
]
