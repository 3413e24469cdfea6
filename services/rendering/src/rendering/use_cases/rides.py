"""Render the RIDE of an authorized invoice (once per clave), and serve it through a signed link."""

from datetime import datetime

from common.errors import Forbidden, NotFound
from common.links import verify_link
from common.logging import get_logger
from rendering.domain.ride import RideError
from rendering.domain.rides import Ride, RideRequest, StoredPdf
from rendering.ports import RenderingService

log = get_logger(__name__)


class RenderingRefused(Exception):
    """The XML is no printable factura: recorded as failed, RideFailed on its way."""


async def render(svc: RenderingService, request: RideRequest) -> Ride:
    """The RIDE of ``request``, made at most once per clave de acceso.

    A replay finds the record and does nothing. A crash between storing the PDF and writing the
    record leaves the PDF: the next attempt announces that one instead of rendering again, so
    there is never a second PDF nor a second RideRendered.
    """
    existing = await svc.rides.by_key(request.access_key)
    if existing is not None:
        log.info("ride_already_done", access_key=request.access_key, status=existing.status)
        return existing
    stored = await svc.storage.get(request.access_key)
    if stored is not None:
        pdf = stored.content
    else:
        try:
            pdf = await svc.renderer.render(request.authorized_xml)
        except RideError as error:
            await svc.rides.add(Ride.failed(request, str(error), svc.clock()))
            raise RenderingRefused(str(error)) from error
        await svc.storage.put(request.access_key, request.number, pdf)
    ride = Ride.rendered(request, pdf, svc.clock())
    if not await svc.rides.add(ride):
        log.info("ride_recorded_meanwhile", access_key=request.access_key)
    return ride


async def download(
    svc: RenderingService, access_key: str, expires: int, signature: str, now: datetime
) -> StoredPdf:
    """The stored PDF, if the link is intact and not expired (checked before any lookup)."""
    if not verify_link(
        svc.settings.ride_link_secret, access_key, expires, signature, now.timestamp()
    ):
        raise Forbidden("link_invalid", "El enlace de descarga no es válido o ya caducó.")
    stored = await svc.storage.get(access_key)
    if stored is None:
        raise NotFound("No encontramos ese RIDE.", code="ride_not_found")
    return stored
