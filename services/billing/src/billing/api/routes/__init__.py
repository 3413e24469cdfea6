"""billing's operator API (docs/api.md §billing, /admin): one module per resource, each route
body → use case → response model. Every route is operator-only (``admin_router``); money travels
as decimal strings both ways, never as JSON numbers."""

from fastapi import APIRouter, Depends

from billing.api.deps import operator


def admin_router() -> APIRouter:
    """A router of operator-only routes under /v1."""
    return APIRouter(prefix="/v1", tags=["billing-admin"], dependencies=[Depends(operator)])
