"""Build and sign a factura: the CPU-bound step of a bill run (XML, c14n, digests, RSA)."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from billing.settings import BillingSettings
from billing.signing import SigningCredentials, load_pkcs12, sign_factura

ECUADOR = timezone(timedelta(hours=-5))  # no daylight saving time in Ecuador
_DIGEST_OF = {"rsa-sha1": "sha1", "rsa-sha256": "sha256"}


class SignerUnavailable(RuntimeError):
    """No usable signing certificate is configured."""


@dataclass(frozen=True)
class Signer:
    credentials: SigningCredentials
    version: str = "1.1.0"
    signature: str = "rsa-sha1"

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> "Signer":
        if not settings.signing_p12_path:
            raise SignerUnavailable("SIGNING_P12_PATH is not set")
        path = Path(settings.signing_p12_path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SignerUnavailable(f"cannot read {path}: {error.strerror}") from None
        password = settings.signing_p12_password.get_secret_value().encode()
        return cls(
            load_pkcs12(data, password), settings.factura_version, settings.signature_algorithm
        )

    def sign(self, invoice: Invoice, now: datetime | None = None) -> bytes:
        signing_time = (now or datetime.now(ECUADOR)).astimezone(ECUADOR).replace(microsecond=0)
        return sign_factura(
            to_xml(invoice, self.version),
            self.credentials,
            signing_time=signing_time,
            digest=_DIGEST_OF[self.signature],
            signature=self.signature,
        )

    @property
    def expires_at(self) -> datetime:
        return self.credentials.not_valid_after
