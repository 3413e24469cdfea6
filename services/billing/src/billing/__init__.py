"""billing service: accounts, subscriptions, charges, bill runs and SRI invoices."""
