"""billing's business metrics (prometheus-client); alert rules in deploy/prometheus watch them."""

from prometheus_client import Counter, Gauge, Histogram

INVOICES_CREATED = Counter(
    "billing_invoices_created_total", "Invoices signed and stored by bill runs."
)
INVOICE_OUTCOMES = Counter(
    "billing_invoice_outcomes_total",
    "Invoices reaching a final SRI state (authorized, not_authorized, returned).",
    ["state"],
)
INVOICES_REJECTED = Counter(
    "billing_invoices_rejected_total",
    "Invoices SRI refused (DEVUELTA or NO AUTORIZADO), by SRI message identifier. Page on any.",
    ["identifier"],
)
SRI_CALLS = Counter(
    "billing_sri_calls_total",
    "Calls to SRI's web services by operation and outcome.",
    ["operation", "outcome"],
)
SRI_LATENCY = Histogram(
    "billing_sri_call_seconds",
    "Latency of SRI web-service calls.",
    ["operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BILL_RUN_ACCOUNTS = Counter(
    "billing_bill_run_accounts_total", "Accounts processed by bill runs.", ["bill_run_id"]
)
# docs/design.md §7 SLO (authorized within 24 h of the cut-off): the alerts read this.
OPEN_BILL_RUN_AGE = Gauge(
    "billing_bill_run_open_cutoff_age_seconds",
    "Seconds since the cut-off of the oldest bill run not yet completed (0: none open).",
)
OPEN_INVOICES = Gauge(
    "billing_invoices_pending_sri", "Invoices not yet in a final SRI state (last scan)."
)
SIGNING_CERT_EXPIRY = Gauge(
    "billing_signing_certificate_expiry_timestamp_seconds",
    "When the signing certificate expires (alert well before).",
)
# Notas de crédito (04) and débito (05), moved by a second submitter loop over the notes.
NOTE_OUTCOMES = Counter(
    "billing_note_outcomes_total",
    "Notas de crédito / débito reaching a final SRI state, by codDoc and state.",
    ["doc_type", "state"],
)
OPEN_NOTES = Gauge(
    "billing_notes_pending_sri", "Notas de crédito / débito not yet in a final SRI state."
)
SRI_LATE_SUBMISSIONS = Counter(
    "billing_sri_late_submissions_total",
    "Invoices sent to SRI after their transmission window closed (SRI answers 65). Page on any.",
)
