"""Render the RIDE of an authorized invoice or note (once per clave), and serve it through a
signed link."""

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

    The XML is fetched from billing only when there is something to render (the fetch's
    failures pass through: billing down is waited out, other bytes than the event names or a
    clave billing does not know end in :func:`give_up`).

    A replay finds the record and does nothing, unless the record is a failure whose cause was
    not the XML (:func:`give_up`): then it renders again and the new outcome replaces it. A
    crash between storing the PDF and writing the record leaves the PDF: the next attempt
    announces that one instead of rendering again, so there is never a second PDF nor a second
    RideRendered.
    """
    existing = await svc.rides.by_key(request.access_key)
    if existing is not None and existing.settled:
        log.info("ride_already_done", access_key=request.access_key, status=existing.status)
        return existing
    stored = await svc.storage.get(request.access_key)
    if stored is not None:
        pdf = stored.content
    else:
        xml = await svc.documents.authorized_xml(
            request.access_key, request.authorized_xml_sha256, request.authorized_xml_size
        )
        try:
            pdf = await svc.renderer.render(xml, request.doc_type)
        except RideError as error:
            await _record(svc, Ride.failed(request, str(error), svc.clock()), existing)
            raise RenderingRefused(str(error)) from error
        await svc.storage.put(request.access_key, request.number, pdf)
    ride = Ride.rendered(request, pdf, svc.clock())
    if not await _record(svc, ride, existing):
        log.info("ride_recorded_meanwhile", access_key=request.access_key)
    return ride


async def give_up(svc: RenderingService, request: RideRequest, error: str) -> Ride:
    """Every attempt to render ``request`` failed (the runtime is giving its message up):
    record the RIDE as failed — retryable, the cause was not the XML — and announce RideFailed.

    A clave already settled (rendered, or refused by :func:`render`, which recorded it) is left
    as it is. A replay that fails again replaces the earlier failure and announces it again.
    """
    existing = await svc.rides.by_key(request.access_key)
    if existing is not None and existing.settled:
        return existing
    ride = Ride.failed(request, error, svc.clock(), retryable=True)
    if await _record(svc, ride, existing):
        log.warning("ride_failed", access_key=request.access_key, error=error)
    return ride


async def _record(svc: RenderingService, ride: Ride, replacing: Ride | None) -> bool:
    """The first record of a clave, or the new outcome of one that failed retryably; False if
    another attempt recorded it meanwhile."""
    if replacing is None:
        return await svc.rides.add(ride)
    return await svc.rides.replace_retryable(ride)


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
