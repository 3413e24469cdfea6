"""Hostile text in a factura stays text, and the renderer never fetches anything but its assets.

A local TCP listener stands where the hostile markup points: after rendering, a connection
attempt would be waiting in its backlog. None may be.
"""

import socket
from collections.abc import Iterator

import pytest
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from billing.domain.invoice import Buyer
from rendering.adapters.assets import ASSETS, AssetRefused, PackageAssetFetcher
from rendering.adapters.pdf import RideRenderer, render_ride
from rendering.domain.parse import read_ride
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import pdf_tools as tools


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def _port(server: socket.socket) -> int:
    port: int = server.getsockname()[1]
    return port


def test_the_listener_would_see_a_request(listener: socket.socket) -> None:
    # The witness works: a real connection is counted.
    with socket.create_connection(("127.0.0.1", _port(listener)), timeout=2):
        pass
    assert _connections(listener) == 1


def test_hostile_holder_name_shows_as_text_and_fetches_nothing(listener: socket.socket) -> None:
    image = f"<img src=http://127.0.0.1:{_port(listener)}/x>"
    link = "<link rel=stylesheet href=file:///etc/passwd>"
    buyer = Buyer(
        "06",
        "HOSTIL123",
        f"{image} {link}",
        f"<style>@import url(http://127.0.0.1:{_port(listener)}/y)</style>",
    )
    line = f.line("PLAN", "10.00", description=f"<script>alert(1)</script>{image}")
    xml = f.authorized(f.invoice(line, buyer=buyer))
    html = RideRenderer().html(read_ride(xml))
    assert "&lt;img src=http://127.0.0.1:" in html and "<img src=http" not in html
    assert "&lt;link rel=stylesheet" in html and "<link rel=stylesheet" not in html
    pdf = render_ride(xml)
    flat = tools.flat(tools.text(pdf))
    assert image in flat
    assert link in flat
    assert "<script>alert(1)</script>" in flat
    assert f"@import url(http://127.0.0.1:{_port(listener)}/y)" in flat
    assert _connections(listener) == 0


def test_the_fetcher_serves_the_packaged_assets() -> None:
    fetcher = PackageAssetFetcher()
    body, media_type = fetcher.read("ride:fonts/DejaVuSansCondensed.ttf")
    assert media_type == "font/ttf" and body[:4] == b"\x00\x01\x00\x00"
    assert fetcher.read("ride:assets/logo.svg")[1] == "image/svg+xml"
    assert fetcher.read("ride:templates/ride.css")[1] == "text/css"
    assert fetcher.read("data:image/svg+xml;base64,PHN2Zy8+") == (b"<svg/>", "image/svg+xml")
    assert set(ASSETS) >= {"fonts/DejaVuSansCondensed-Bold.ttf", "assets/logo.svg"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/x",
        "https://127.0.0.1:{port}/x",
        "HTTP://127.0.0.1:{port}/x",
        "//127.0.0.1:{port}/x",
        "ftp://127.0.0.1:{port}/x",
        "file:///etc/passwd",
        "file:{package}/fonts/DejaVuSansCondensed.ttf",
        "/etc/passwd",
        "ride:../../../../etc/passwd",
        "ride:fonts/../../../../../etc/passwd",
        "ride:/etc/passwd",
        "ride:fonts/missing.ttf",
        "ride:templates/ride.html",  # not an asset: the template is rendered, never fetched
        "ride:",
        "data:text/plain;base64,@@@",
        "data:no-comma",
    ],
)
def test_the_fetcher_refuses_everything_else(listener: socket.socket, url: str) -> None:
    from rendering.adapters.assets import PACKAGE

    url = url.format(port=_port(listener), package=PACKAGE)
    with pytest.raises(AssetRefused):
        PackageAssetFetcher().fetch(url)
    assert _connections(listener) == 0


def test_a_document_that_asks_for_more_is_stopped(listener: socket.socket) -> None:
    # Should a template ever name an outside URL, rendering stops instead of fetching it.
    page = f'<img src="http://127.0.0.1:{_port(listener)}/x">'
    with pytest.raises(FatalURLFetchingError):
        HTML(string=page, url_fetcher=PackageAssetFetcher()).write_pdf()
    assert _connections(listener) == 0
