from fastapi import APIRouter
from pydantic import BaseModel, Field

from identity.api.deps import IdentityDep
from identity.api.schemas import EmailWithCaptchaIn, StatusOut
from identity.use_cases import activation

router = APIRouter(prefix="/v1", tags=["identity"])


class TokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


@router.post("/activations")
async def activate(body: TokenIn, svc: IdentityDep) -> StatusOut:
    await activation.activate(svc, body.token, svc.clock())
    return StatusOut(status="active")


@router.post("/activations/resend", status_code=202)
async def resend_activation(body: EmailWithCaptchaIn, svc: IdentityDep) -> StatusOut:
    """Always 202, whether or not the account exists (no account enumeration)."""
    await activation.resend_activation(
        svc, body.email, body.captcha_id, body.captcha_answer, svc.clock()
    )
    return StatusOut(status="accepted")
