"""The fiscal record for the platform's services (rendering, notifier), by clave de acceso and a
short-lived signed link (``use_cases/documents.py``). Internal: the gateway and the Ingress do
not route it, and it is left out of the public OpenAPI document (docs/api.md, "Internal")."""

from typing import Annotated

from fastapi import Path, Query, Response

from billing.api.deps import Ctx
from billing.api.routes import billing_router
from billing.use_cases import documents

router = billing_router("billing-internal")


@router.get("/documents/{access_key}.xml", response_class=Response, include_in_schema=False)
async def authorized_xml(
    svc: Ctx,
    access_key: Annotated[str, Path(max_length=64)],
    expires: Annotated[int, Query(ge=0)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """SRI's ``autorizacion`` with the signed comprobante, as stored; 403 if the link was
    altered or expired, 404 if no authorized invoice has that clave."""
    xml = await documents.authorized_xml(svc, access_key, expires, signature, svc.clock())
    return Response(xml, media_type="application/xml", headers={"Cache-Control": "no-store"})
