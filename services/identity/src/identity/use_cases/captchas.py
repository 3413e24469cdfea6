"""Captchas guard the sign-up, the activation resend and the password-reset request: single
use, short-lived, their answers stored hashed. The image comes with the captcha; the Spanish
audio only when asked for (it costs a synthesizer run)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from common.errors import Gone, InvalidInput, Unavailable
from identity.domain.captchas import answer_hash, new_audio_code, spoken_code
from identity.ports import IdentityService, VoiceUnavailable


@dataclass(frozen=True)
class NewCaptcha:
    captcha_id: str
    image: str  # data URI (PNG)
    expires_in: int


async def create_captcha(svc: IdentityService, now: datetime) -> NewCaptcha:
    challenge = await svc.challenges.new_challenge()
    ttl = svc.settings.captcha_ttl_seconds
    captcha_id = uuid.uuid4().hex
    await svc.captchas.add(
        captcha_id, answer_hash(captcha_id, challenge.answer), now + timedelta(seconds=ttl)
    )
    return NewCaptcha(captcha_id=captcha_id, image=challenge.image_data_uri(), expires_in=ttl)


async def captcha_audio(svc: IdentityService, captcha_id: str, now: datetime) -> bytes:
    """A WAV saying new digits in Spanish; they solve the captcha too (the image's answer still
    does), and replace the digits of any earlier audio of this captcha."""
    code = new_audio_code()
    most = svc.settings.captcha_audios_per_captcha
    if not await svc.captchas.set_audio_answer(
        captcha_id, answer_hash(captcha_id, code), now, most
    ):
        raise Gone("captcha_unavailable", "Este código ya no está disponible. Genera uno nuevo.")
    try:
        return await svc.voice.speak(spoken_code(code))
    except VoiceUnavailable:
        raise Unavailable(
            "audio_unavailable",
            "No pudimos generar el audio. Intenta nuevamente o escribe el código de la imagen.",
            retry_after=5,
        ) from None


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
