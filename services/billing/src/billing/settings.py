"""billing's configuration, from the environment."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from common.settings import ServiceSettings

# docs/sri.md §5: the offline web services. "sandbox" is deploy/local's SRI sandbox.
SRI_HOSTS = {
    "pruebas": "https://celcer.sri.gob.ec",
    "produccion": "https://cel.sri.gob.ec",
    "sandbox": "http://127.0.0.1:8106",
}
_RECEPTION = "/comprobantes-electronicos-ws/RecepcionComprobantesOffline"
_AUTHORIZATION = "/comprobantes-electronicos-ws/AutorizacionComprobantesOffline"


class BillingSettings(ServiceSettings):
    service_name: str = "billing"
    http_port: int = 8103
    identity_jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"

    # Signing certificate: a PKCS#12 file and its password, never in the database or in git.
    signing_p12_path: str | None = None
    signing_p12_password: SecretStr = SecretStr("")
    # Signatures are RSA-SHA1, as SRI's technical sheet requires (docs/sri.md §4): no setting.
    factura_version: Literal["1.1.0", "2.1.0"] = "1.1.0"

    # Which SRI: the environment's real hosts, or explicit URLs (the local sandbox).
    sri_endpoints: Literal["pruebas", "produccion", "sandbox"] = "sandbox"
    sri_host: str | None = None
    sri_timeout_seconds: float = 10.0
    sri_concurrency: int = 8
    # Unanswered calls (timeout, 5xx, also a submission's): exponential backoff from base to
    # max; SRI or the network is down, so try again within minutes.
    sri_retry_base_seconds: float = 2.0
    sri_retry_max_seconds: float = 300.0
    # SRI's guidance on polling (docs/sri.md §5, §9; domain/sri_polling.py): wait this long
    # after RECIBIDA before the first authorization query (the sheet gives no figure)...
    sri_first_query_delay_seconds: float = 3.0
    # ...then back off on undecided answers (EN PROCESO, nothing listed) from the retry base up
    # to this: SRI may take up to 24 hours to decide.
    sri_poll_max_seconds: float = 86400.0
    # A RECIBIDA key Autorización has never listed for this long is sent again (SRI answers 43
    # if it had it after all). Never after 43, 70 or EN PROCESO: SRI has the key.
    sri_resend_after_seconds: float = 86400.0
    # SRI takes a comprobante up to this many hours after its issue date (docs/sri.md §9 "When
    # to transmit"; error 65 after): a bill run's issue_date must still be inside it.
    sri_transmission_window_hours: int = Field(default=72, ge=1)

    bill_run_batch_size: int = 200
    # Accounts a run may fail to invoice (each recorded with its reason) before the whole run
    # fails: that many rarely means bad accounts, rather a bad plan, issuer or certificate.
    bill_run_max_failed_accounts: int = 100
    # Processes that sign bill-run pages (0: a thread of the service process instead).
    signing_processes: int = 1
    submit_batch_size: int = 50
    # Days between the cut-off (issue date) and the due date; also the pago's plazo.
    payment_term_days: int = 15

    # Late-payment interest and reconnection fees (docs/sri.md §9): a nota de débito against the
    # factura (POST /v1/admin/invoices/{id}/debit-notes), or a line of the next factura (a
    # one-off charge, POST /v1/admin/accounts/{id}/charges; debit notes are then refused).
    late_fees_as: Literal["debit_note", "next_invoice"] = "debit_note"

    # RIDE download links (rendering verifies them): the key shared with rendering, a secret
    # (.local/secrets/ride-link.key locally, the Secret ride-link on Kubernetes); how long a
    # link lives; where rendering is reached, through the gateway (a path: same host).
    ride_link_key: SecretStr = SecretStr("")
    ride_link_seconds: int = 300
    rendering_public_url: str = "/api/rendering"

    # The links rendering and notifier sign to fetch an invoice's authorized XML from billing's
    # internal GET /v1/documents/{access_key}.xml (InvoiceIssued names the document, it does not
    # carry it): the key shared with them, a secret of its own (.local/secrets/document-link.key
    # locally, the Secret document-link on Kubernetes), never RIDE_LINK_KEY, whose links
    # customers hold.
    document_link_key: SecretStr = SecretStr("")

    # Test only (tests/e2e/test_billing_kills.py): "point:n,..." makes the process SIGKILL
    # itself the n-th time it reaches a named point (adapters/crash_points.py). Refused in
    # production.
    crash_points: str = ""
    # Test only: false starts a process that consumes no topic (a fault test's own billing,
    # restarted many times, has no use for the stack's line and RIDE events and should not wait
    # for consumer groups to settle at every start). Refused in production.
    consume_events: bool = True

    @property
    def ride_link_secret(self) -> str:
        return self.ride_link_key.get_secret_value()

    @property
    def document_link_secret(self) -> str:
        return self.document_link_key.get_secret_value()

    @model_validator(mode="after")
    def _production_needs_certificate(self) -> "BillingSettings":
        if self.app_env == "production" and not self.signing_p12_path:
            raise ValueError("SIGNING_P12_PATH is required when APP_ENV=production")
        if self.app_env == "production" and len(self.ride_link_secret) < 32:
            # Without it no RIDE link can be signed (common.links refuses an empty key).
            raise ValueError("RIDE_LINK_KEY must be set (32 characters or more) in production")
        if self.app_env == "production" and len(self.document_link_secret) < 32:
            raise ValueError("DOCUMENT_LINK_KEY must be set (32 characters or more) in production")
        if self.app_env == "production" and self.crash_points:
            raise ValueError("CRASH_POINTS is for fault tests only: refused in production")
        if self.app_env == "production" and not self.consume_events:
            raise ValueError("CONSUME_EVENTS=false is for fault tests only: refused in production")
        return self

    def sri_urls(self) -> tuple[str, str]:
        host = (self.sri_host or SRI_HOSTS[self.sri_endpoints]).rstrip("/")
        return host + _RECEPTION, host + _AUTHORIZATION
