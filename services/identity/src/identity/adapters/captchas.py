"""Image and audio captchas drawn by the ``captcha`` package (CPU work, off the event loop)."""

import asyncio
import secrets
import threading

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha

from identity.domain.captchas import Challenge

# No look-alikes (0/O, 1/I/L) so people can read what they see.
_IMAGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_IMAGE = ImageCaptcha(width=200, height=70)
_AUDIO = AudioCaptcha()
# Both generators fill caches lazily and are not thread-safe; their work holds the GIL anyway.
_LOCK = threading.Lock()


class CaptchaImages:
    """The captcha generator port: a random image answer and a spoken-digits audio answer."""

    async def new_challenge(self) -> Challenge:
        return await new_challenge()


async def new_challenge() -> Challenge:
    image_answer = "".join(secrets.choice(_IMAGE_ALPHABET) for _ in range(5))
    # The audio alternative speaks digits (the voices the package ships); either answer passes.
    audio_answer = "".join(secrets.choice("0123456789") for _ in range(5))
    return await asyncio.to_thread(_generate, image_answer, audio_answer)


def _generate(image_answer: str, audio_answer: str) -> Challenge:
    with _LOCK:
        image = _IMAGE.generate(image_answer, format="png").getvalue()
        audio = bytes(_AUDIO.generate(audio_answer))
    return Challenge(image_answer, audio_answer, image, audio)
