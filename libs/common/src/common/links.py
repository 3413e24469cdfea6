"""Short-lived signed download links (HMAC-SHA256), shared by the service that hands a link out
(billing) and the one that serves the file (rendering): pure, no I/O.

The signature covers the resource and the expiry, so neither can be changed without the key;
comparison is constant-time.
"""

import hashlib
import hmac


def _message(resource: str, expires: int) -> bytes:
    # A separator no clave de acceso (digits) contains: "12" + "3" never equals "1" + "23".
    return f"{resource}\n{expires}".encode()


def sign_link(key: str | bytes, resource: str, expires: int) -> str:
    """The hex signature of ``resource`` valid until ``expires`` (Unix seconds)."""
    secret = key.encode() if isinstance(key, str) else key
    if not secret:
        raise ValueError("a link key is required (RIDE_LINK_KEY, DOCUMENT_LINK_KEY)")
    return hmac.new(secret, _message(resource, expires), hashlib.sha256).hexdigest()


def verify_link(key: str | bytes, resource: str, expires: int, signature: str, now: float) -> bool:
    """True when ``signature`` is ``resource``'s for ``expires`` and ``now`` is not past it."""
    if not key or now > expires or not signature.isascii():
        return False
    expected = sign_link(key, resource, expires)
    return hmac.compare_digest(expected, signature.lower())
