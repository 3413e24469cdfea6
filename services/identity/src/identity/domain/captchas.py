"""Captcha challenges and their answers: single use, short-lived, stored hashed."""

import base64
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Challenge:
    """What a generator drew: the answers it expects and the image and audio to show."""

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
