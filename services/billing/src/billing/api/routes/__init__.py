"""billing's API (docs/api.md §billing): one module per resource, each route body → use case →
response model. The operator's routes (/admin) are operator-only (``admin_router``, or the
``Operator`` dependency); the reads customers share (invoices, a line's statement) take the
caller as a ``Reader`` and leave what they may see to the use cases. Money travels as decimal
strings both ways, never as JSON numbers. Every route refuses text XML 1.0 cannot carry (422,
``common.http.refuse_non_xml_text``): whatever billing stores may end up in a factura."""

from fastapi import APIRouter, Depends

from billing.api.deps import operator
from common.http import refuse_non_xml_text


def billing_router(tag: str) -> APIRouter:
    """A router of routes under /v1."""
    return APIRouter(prefix="/v1", tags=[tag], dependencies=[Depends(refuse_non_xml_text)])


def admin_router() -> APIRouter:
    """A router of operator-only routes under /v1."""
    return APIRouter(
        prefix="/v1",
        tags=["billing-admin"],
        dependencies=[Depends(operator), Depends(refuse_non_xml_text)],
    )
