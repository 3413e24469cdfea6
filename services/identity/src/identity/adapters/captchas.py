"""Captcha images drawn by the ``captcha`` package (CPU work, off the event loop)."""

import asyncio
import secrets
import threading

from captcha.image import ImageCaptcha

from identity.domain.captchas import Challenge

# No look-alikes (0/O, 1/I/L) so people can read what they see.
_IMAGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_IMAGE = ImageCaptcha(width=200, height=70)
# The generator fills its font cache lazily and is not thread-safe; its work holds the GIL anyway.
_LOCK = threading.Lock()


class CaptchaImages:
    """The captcha generator port: a random answer and its image (no audio: that is drawn only
    on request, by ``voice.EspeakVoice``)."""

    async def new_challenge(self) -> Challenge:
        answer = "".join(secrets.choice(_IMAGE_ALPHABET) for _ in range(5))
        return await asyncio.to_thread(_generate, answer)


def _generate(answer: str) -> Challenge:
    with _LOCK:
        image = _IMAGE.generate(answer, format="png").getvalue()
    return Challenge(answer, image)
