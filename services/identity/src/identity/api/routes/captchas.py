from fastapi import APIRouter
from pydantic import BaseModel

from identity.api.deps import IdentityDep
from identity.use_cases import captchas

router = APIRouter(prefix="/v1", tags=["identity"])


class CaptchaOut(BaseModel):
    captcha_id: str
    image: str
    audio: str
    expires_in: int


@router.post("/captchas", status_code=201, response_model=CaptchaOut)
async def create_captcha(svc: IdentityDep) -> CaptchaOut:
    captcha = await captchas.create_captcha(svc, svc.clock())
    return CaptchaOut(
        captcha_id=captcha.captcha_id,
        image=captcha.image,
        audio=captcha.audio,
        expires_in=captcha.expires_in,
    )
