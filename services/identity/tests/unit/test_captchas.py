"""Captcha answers: hashed per captcha, case- and space-insensitive; images; the Spanish words the
audio says."""

import asyncio

from identity.adapters.captchas import CaptchaImages
from identity.domain.captchas import answer_hash, new_audio_code, spoken_code


def test_answer_hash_ignores_case_and_spaces_and_is_salted() -> None:
    assert answer_hash("c1", "K7PX3") == answer_hash("c1", " k7p x3 ")
    assert answer_hash("c1", "K7PX3") != answer_hash("c2", "K7PX3")
    assert answer_hash("c1", "K7PX3") != answer_hash("c1", "K7PX4")
    assert "K7PX3" not in answer_hash("c1", "K7PX3")


async def test_challenge_is_a_png() -> None:
    challenge = await CaptchaImages().new_challenge()
    assert challenge.image_data_uri().startswith("data:image/png;base64,")
    assert challenge.image_png.startswith(b"\x89PNG") and len(challenge.answer) == 5


async def test_concurrent_challenges_all_succeed() -> None:
    challenges = await asyncio.gather(*(CaptchaImages().new_challenge() for _ in range(6)))
    assert len({c.answer for c in challenges}) == 6


def test_the_audio_says_each_digit_as_a_spanish_word() -> None:
    assert spoken_code("40517") == "El código es: cuatro, cero, cinco, uno, siete."
    assert spoken_code("98263") == "El código es: nueve, ocho, dos, seis, tres."
    codes = {new_audio_code() for _ in range(20)}
    assert all(len(c) == 5 and c.isdigit() for c in codes) and len(codes) > 1
