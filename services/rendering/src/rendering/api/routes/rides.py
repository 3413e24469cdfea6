"""RIDE downloads through the short-lived signed links billing hands out (no login: the link is
the authorization)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from rendering.api.deps import RenderingDep
from rendering.use_cases import rides

router = APIRouter(prefix="/v1", tags=["rendering"])

PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "El RIDE (PDF/A-3b)."}
}


@router.get("/rides/{access_key}.pdf", response_class=Response, responses=PDF)
async def download_ride(
    svc: RenderingDep,
    access_key: Annotated[str, Path(max_length=64)],
    expires: Annotated[int, Query(ge=0)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """The RIDE of a clave de acceso; 403 if the link was altered or expired (any alteration,
    well-formed or not, is the same 403: the signature decides, not the shape)."""
    stored = await rides.download(svc, access_key, expires, signature, svc.clock())
    return Response(
        content=stored.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{stored.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
