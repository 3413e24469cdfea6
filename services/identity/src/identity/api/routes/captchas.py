from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from identity.api.deps import IdentityDep
from identity.use_cases import captchas

router = APIRouter(prefix="/v1", tags=["identity"])

CaptchaId = Annotated[str, Path(min_length=1, max_length=64, pattern="^[0-9a-f]+$")]


class CaptchaOut(BaseModel):
    captcha_id: str
    image: str
    expires_in: int


@router.post("/captchas", status_code=201, response_model=CaptchaOut)
async def create_captcha(svc: IdentityDep) -> CaptchaOut:
    captcha = await captchas.create_captcha(svc, svc.clock())
    return CaptchaOut(
        captcha_id=captcha.captcha_id, image=captcha.image, expires_in=captcha.expires_in
    )


@router.post(
    "/captchas/{captcha_id}/audio",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}, "description": "The digits, said in Spanish"}},
)
async def captcha_audio(captcha_id: CaptchaId, svc: IdentityDep) -> Response:
    """A POST: each audio draws new digits (and replaces the previous audio's)."""
    wav = await captchas.captcha_audio(svc, captcha_id, svc.clock())
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})
