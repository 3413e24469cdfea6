from fastapi import APIRouter
from pydantic import BaseModel

from identity.api.deps import CurrentUser, IdentityDep
from identity.use_cases import profile

router = APIRouter(prefix="/v1", tags=["identity"])


class MeOut(BaseModel):
    user_id: str
    email: str
    given_names: str
    surnames: str
    id_type: str | None
    id_number: str | None
    roles: list[str]
    status: str


@router.get("/me", response_model=MeOut)
async def me(principal: CurrentUser, svc: IdentityDep) -> MeOut:
    user = await profile.me(svc, principal.user_id)
    return MeOut(
        user_id=user.user_id,
        email=user.email,
        given_names=user.given_names,
        surnames=user.surnames,
        id_type=user.id_type,
        id_number=user.id_number,
        roles=user.roles,
        status=user.status.value,
    )
