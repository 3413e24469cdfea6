"""HttpRideSource: the link it follows is one rendering accepts (common.links), and whatever is
not the PDF is RideUnavailable (the delivery retries)."""

import httpx
import pytest

from common.links import verify_link
from notifier.adapters.rides import HttpRideSource
from notifier.ports import RideUnavailable
from notifier.settings import NotifierSettings

from .fakes import FakeClock

KEY = "clave-de-enlaces-de-prueba"
ACCESS_KEY = "0112202601179001167400120010010000001231234567811"


def source(handler: httpx.MockTransport) -> HttpRideSource:
    settings = NotifierSettings(ride_link_key=KEY, rendering_url="http://rendering:8000/")
    rides = HttpRideSource(settings, FakeClock())
    rides._client = httpx.AsyncClient(base_url="http://rendering:8000", transport=handler)
    return rides


async def test_the_link_is_signed_and_the_pdf_returned() -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=b"%PDF-1.7")

    assert await source(httpx.MockTransport(answer)).fetch(ACCESS_KEY) == b"%PDF-1.7"
    [url] = seen
    assert url.path == f"/v1/rides/{ACCESS_KEY}.pdf"
    expires, signature = int(url.params["expires"]), url.params["signature"]
    now = FakeClock()().timestamp()
    assert verify_link(KEY, ACCESS_KEY, expires, signature, now)
    assert expires - now <= 300


@pytest.mark.parametrize("status", [403, 404, 500])
async def test_anything_but_200_is_unavailable(status: int) -> None:
    rides = source(httpx.MockTransport(lambda _: httpx.Response(status)))
    with pytest.raises(RideUnavailable, match=str(status)):
        await rides.fetch(ACCESS_KEY)


async def test_a_connection_error_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RideUnavailable, match="ConnectError"):
        await source(httpx.MockTransport(refuse)).fetch(ACCESS_KEY)
