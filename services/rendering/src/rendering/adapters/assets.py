"""The renderer's URL fetcher: it serves the package's own assets and nothing else.

WeasyPrint fetches every URL a document names (stylesheets, fonts, images) through its fetcher;
the default one follows ``http:``, ``https:``, ``ftp:`` and ``file:``. A factura's text comes from
outside, so even though the template escapes it, this fetcher refuses every URL that is not one of
the files listed at import under ``fonts/``, ``assets/`` and ``templates/`` (``ride:<path>``), or
an inline ``data:`` URI (no I/O: the barcode). A refusal raises before any request or file read,
and stops the rendering: a document that asks for anything else is a bug, never a fallback.
"""

import base64
import binascii
from pathlib import Path
from urllib.parse import unquote_to_bytes

from weasyprint.urls import URLFetcher, URLFetcherResponse

PACKAGE = Path(__file__).resolve().parents[1]
SCHEME = "ride:"
_TYPES = {".ttf": "font/ttf", ".svg": "image/svg+xml", ".css": "text/css", ".png": "image/png"}
_FOLDERS = ("fonts", "assets", "templates")


class AssetRefused(ValueError):
    """A URL the renderer does not serve: the network, the file system, an unknown asset."""


def _listed() -> dict[str, tuple[Path, str]]:
    """``ride:`` name → (file, media type) for every servable file of the package."""
    found: dict[str, tuple[Path, str]] = {}
    for folder in _FOLDERS:
        for path in sorted((PACKAGE / folder).iterdir()):
            media_type = _TYPES.get(path.suffix)
            if path.is_file() and media_type:
                found[f"{folder}/{path.name}"] = (path, media_type)
    return found


ASSETS = _listed()


def asset_url(name: str) -> str:
    if name not in ASSETS:
        raise AssetRefused(f"no packaged asset {name!r}")
    return f"{SCHEME}{name}"


def _data(url: str) -> tuple[bytes, str]:
    header, comma, payload = url.removeprefix("data:").partition(",")
    if not comma:
        raise AssetRefused("malformed data: URI")
    media_type = header.split(";", 1)[0] or "text/plain"
    raw = unquote_to_bytes(payload)
    if header.endswith(";base64"):
        try:
            raw = base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise AssetRefused("data: URI with invalid base64") from None
    return raw, media_type


class PackageAssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serves ``ride:<folder>/<file>`` from memory and inline ``data:``; refuses everything else."""

    def __init__(self) -> None:
        # fail_on_errors: a refusal stops the rendering instead of becoming a warning.
        super().__init__(fail_on_errors=True)
        self._cache: dict[str, bytes] = {}

    def read(self, url: str) -> tuple[bytes, str]:
        """The bytes and media type behind ``url``; ``AssetRefused`` for anything not ours."""
        if url.startswith("data:"):
            return _data(url)
        if not url.startswith(SCHEME):
            raise AssetRefused(f"the renderer fetches only its packaged assets, not {url[:80]!r}")
        name = url.removeprefix(SCHEME)
        listed = ASSETS.get(name)
        if listed is None:
            raise AssetRefused(f"no packaged asset {name[:80]!r}")
        path, media_type = listed
        if name not in self._cache:
            self._cache[name] = path.read_bytes()
        return self._cache[name], media_type

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        body, media_type = self.read(url)
        return URLFetcherResponse(url, body, {"Content-Type": media_type})
