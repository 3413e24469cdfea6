"""Captchas guard the sign-up: single use, short-lived, their answers stored hashed."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from common.errors import InvalidInput
from identity.domain.captchas import answer_hash
from identity.ports import IdentityService


@dataclass(frozen=True)
class NewCaptcha:
    captcha_id: str
    image: str  # data URI (PNG)
    audio: str  # data URI (WAV)
    expires_in: int


async def create_captcha(svc: IdentityService, now: datetime) -> NewCaptcha:
    challenge = await svc.challenges.new_challenge()
    ttl = svc.settings.captcha_ttl_seconds
    captcha_id = uuid.uuid4().hex
    hashes = [answer_hash(captcha_id, a) for a in (challenge.image_answer, challenge.audio_answer)]
    await svc.captchas.add(captcha_id, hashes, now + timedelta(seconds=ttl))
    image, audio = challenge.data_uris()
    return NewCaptcha(captcha_id=captcha_id, image=image, audio=audio, expires_in=ttl)


async def check_captcha(svc: IdentityService, captcha_id: str, answer: str, now: datetime) -> None:
    """Single use: the captcha is spent whatever the answer; a wrong one needs a new captcha."""
    if not captcha_id or not answer.strip():
        raise InvalidInput.field("captcha_answer", "Escribe el código de la imagen.")
    stored = await svc.captchas.consume(captcha_id, now)
    if stored is None:
        raise InvalidInput.field("captcha_answer", "El código expiró. Genera uno nuevo.")
    # Test mode (docs/api.md): every captcha also takes this answer; refused in production.
    test_answer = svc.settings.captcha_test_answer
    if test_answer and answer.strip().casefold() == test_answer.casefold():
        return
    if answer_hash(captcha_id, answer) not in stored:
        raise InvalidInput.field(
            "captcha_answer", "El código no coincide con la imagen. Intenta con uno nuevo."
        )
