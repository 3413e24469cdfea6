"""billing's authorized XML, for the services that consume InvoiceIssued (rendering, notifier).

The event names the fiscal record — clave de acceso, SHA-256 and size of its exact bytes — and
does not carry it: a record is ~10 KB, over 100 KB for a large account, and the topic is no
document store (docs/design.md §3). The consumer fetches it from billing's internal
``GET /v1/documents/{access_key}.xml`` through a link it signs itself with the key it shares
with billing (``DOCUMENT_LINK_KEY``, common.links), valid for a minute, and checks the bytes.

What a failure means for the message (common.faults):
- :class:`DocumentUnavailable` — billing unreachable, too slow or answering 5xx: a
  ``TransientError``, waited out without limit and never dead-lettered;
- :class:`DocumentMissing` — 404, no authorized invoice has that clave — and
  :class:`DocumentMismatch` — not the bytes the event names: ``PermanentError``, the DLQ at once;
- :class:`DocumentRefused` — any other answer (403: the services' keys disagree): an ordinary
  failure, retried ``CONSUMER_MAX_ATTEMPTS`` times and then dead-lettered (replayed once the
  configuration is fixed).
"""

import hashlib
import math
import time
from collections.abc import Callable

import httpx

from common.faults import PermanentError, TransientError
from common.links import sign_link

# Long enough for one download (and a clock a little off), short enough to be useless later.
LINK_SECONDS = 60


class DocumentUnavailable(TransientError):
    """billing did not answer in time, or answered 5xx."""


class DocumentMissing(PermanentError):
    """billing has no authorized invoice with that clave de acceso."""


class DocumentMismatch(PermanentError):
    """billing served bytes other than those the event names (digest or size)."""


class DocumentRefused(Exception):
    """billing refused the request (403: a key that is not billing's; another 4xx)."""


def check(xml: bytes, sha256: str, size: int) -> bytes:
    """``xml`` if it is exactly the record of that digest and size; else DocumentMismatch."""
    digest = hashlib.sha256(xml).hexdigest()
    if len(xml) != size or digest != sha256.lower():
        raise DocumentMismatch(
            f"authorized XML of {len(xml)} B, sha256 {digest}: the event names {size} B, {sha256}"
        )
    return xml


class BillingDocuments:
    """An HTTP client of billing's documents (httpx; one connection pool, made on first use)."""

    def __init__(
        self,
        base_url: str,
        key: str,
        timeout_seconds: float,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._key = key
        self._timeout = timeout_seconds
        self._clock = clock
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self._base_url, timeout=self._timeout, transport=self._transport
            )
        return self._client

    def path(self, access_key: str) -> str:
        """The signed link (path and query) to the record of ``access_key``."""
        expires = math.floor(self._clock()) + LINK_SECONDS
        signature = sign_link(self._key, access_key, expires)
        return f"/v1/documents/{access_key}.xml?expires={expires}&signature={signature}"

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        """The authorized XML of ``access_key``, checked against ``sha256`` and ``size``."""
        try:
            response = await self._http().get(self.path(access_key))
        except httpx.TransportError as exc:  # connection refused or lost, timeouts
            raise DocumentUnavailable(f"billing: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status >= 500:
            raise DocumentUnavailable(f"billing answered {status}")
        if status == 404:
            raise DocumentMissing(f"billing has no authorized invoice with clave {access_key}")
        if status != 200:
            raise DocumentRefused(f"billing answered {status}: {response.text[:200]}")
        return check(response.content, sha256, size)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
