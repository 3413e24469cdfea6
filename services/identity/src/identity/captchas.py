"""Image and audio captchas (the ``captcha`` package): single use, short-lived, stored hashed."""

import asyncio
import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha

# No look-alikes (0/O, 1/I/L) so people can read what they see.
_IMAGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_IMAGE = ImageCaptcha(width=200, height=70)
_AUDIO = AudioCaptcha()
# Both generators fill caches lazily and are not thread-safe; their work holds the GIL anyway.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Challenge:
    image_answer: str
    audio_answer: str
    image_png: bytes
    audio_wav: bytes

    def data_uris(self) -> tuple[str, str]:
        return (
            "data:image/png;base64," + base64.b64encode(self.image_png).decode(),
            "data:audio/wav;base64," + base64.b64encode(self.audio_wav).decode(),
        )


def answer_hash(captcha_id: str, answer: str) -> str:
    """Case-insensitive, spaces ignored; salted with the captcha id."""
    normalized = "".join(answer.split()).casefold()
    return hashlib.sha256(f"{captcha_id}:{normalized}".encode()).hexdigest()


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
