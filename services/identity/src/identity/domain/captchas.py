"""Captcha challenges and their answers: single use, short-lived, stored hashed.

The image shows letters and digits; its audio alternative, drawn only when a person asks for it,
speaks digits in Spanish, with an answer of its own (stored hashed like the image's): either
answer solves the captcha.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass

AUDIO_DIGITS = 5
_DIGIT_WORDS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")


@dataclass(frozen=True)
class Challenge:
    """What the image generator drew: the answer it expects and the image to show."""

    answer: str
    image_png: bytes

    def image_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.image_png).decode()


def answer_hash(captcha_id: str, answer: str) -> str:
    """Case-insensitive, spaces ignored; salted with the captcha id."""
    normalized = "".join(answer.split()).casefold()
    return hashlib.sha256(f"{captcha_id}:{normalized}".encode()).hexdigest()


def new_audio_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(AUDIO_DIGITS))


def spoken_code(code: str) -> str:
    """What the voice says: the digits as Spanish words, one by one (a synthesizer would read
    "40517" as one number)."""
    return "El código es: " + ", ".join(_DIGIT_WORDS[int(d)] for d in code) + "."
