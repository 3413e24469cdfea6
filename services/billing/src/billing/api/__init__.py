"""billing HTTP API: operator data (admin) and invoices/bill runs."""
