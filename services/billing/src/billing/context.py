"""Kept for the invoice side until merged: the service object is ``billing.bootstrap.Billing``."""

from billing.bootstrap import Billing

__all__ = ["Billing"]
