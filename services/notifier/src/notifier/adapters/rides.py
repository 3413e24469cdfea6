"""The RIDE's PDF from rendering, through a download link signed like billing's (httpx)."""

import math

import httpx

from common.links import sign_link
from notifier.ports import Clock, RideUnavailable
from notifier.settings import NotifierSettings

# Long enough for one download, short like billing's links.
LINK_SECONDS = 300


class HttpRideSource:
    def __init__(self, settings: NotifierSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self._settings.rendering_url.rstrip("/"),
                timeout=self._settings.ride_fetch_timeout_seconds,
            )
        return self._client

    def url(self, access_key: str) -> str:
        expires = math.floor(self._clock().timestamp()) + LINK_SECONDS
        signature = sign_link(self._settings.ride_link_secret, access_key, expires)
        return f"/v1/rides/{access_key}.pdf?expires={expires}&signature={signature}"

    async def fetch(self, access_key: str) -> bytes:
        try:
            response = await self._http().get(self.url(access_key))
        except (httpx.HTTPError, ValueError) as exc:
            raise RideUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise RideUnavailable(f"rendering answered {response.status_code}")
        return response.content
