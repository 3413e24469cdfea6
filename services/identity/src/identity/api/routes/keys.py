from typing import Any

from fastapi import APIRouter

from identity.api.deps import IdentityDep

router = APIRouter(tags=["identity"])


@router.get("/.well-known/jwks.json")
@router.get("/v1/.well-known/jwks.json")
async def jwks(svc: IdentityDep) -> dict[str, list[dict[str, Any]]]:
    """The public keys that verify identity's access tokens (other services fetch them)."""
    return {"keys": svc.keys.jwks()}
