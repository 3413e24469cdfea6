"""What the operator does with billing, one async function per use case, one module per resource.

They take the service (its parts typed by ``billing.ports``) and plain values, and refuse with
the kinds in ``common.errors``; nothing here knows HTTP or MongoDB.
"""

from billing.use_cases import (
    accounts,
    adjustments,
    charges,
    issuer,
    payments,
    plans,
    statements,
    subscriptions,
)

__all__ = [
    "accounts",
    "adjustments",
    "charges",
    "issuer",
    "payments",
    "plans",
    "statements",
    "subscriptions",
]
