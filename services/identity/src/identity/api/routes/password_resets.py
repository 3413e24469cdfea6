from fastapi import APIRouter
from pydantic import BaseModel, Field

from identity.api.deps import IdentityDep
from identity.api.schemas import EmailWithCaptchaIn, StatusOut
from identity.use_cases import password_reset

router = APIRouter(prefix="/v1", tags=["identity"])


class ResetConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
    password_confirmation: str = Field(max_length=1024)


@router.post("/password-resets", status_code=202)
async def request_password_reset(body: EmailWithCaptchaIn, svc: IdentityDep) -> StatusOut:
    """Always 202, whether or not the account exists."""
    await password_reset.request_password_reset(
        svc, body.email, body.captcha_id, body.captcha_answer, svc.clock()
    )
    return StatusOut(status="accepted")


@router.post("/password-resets/confirm")
async def confirm_password_reset(body: ResetConfirmIn, svc: IdentityDep) -> StatusOut:
    await password_reset.confirm_password_reset(
        svc, body.token, body.password, body.password_confirmation, svc.clock()
    )
    return StatusOut(status="password_changed")
