"""Captcha answers: hashed per captcha, case- and space-insensitive; image and audio differ."""

import asyncio

from identity.adapters.captchas import CaptchaImages, new_challenge
from identity.domain.captchas import answer_hash


def test_answer_hash_ignores_case_and_spaces_and_is_salted() -> None:
    assert answer_hash("c1", "K7PX3") == answer_hash("c1", " k7p x3 ")
    assert answer_hash("c1", "K7PX3") != answer_hash("c2", "K7PX3")
    assert answer_hash("c1", "K7PX3") != answer_hash("c1", "K7PX4")
    assert "K7PX3" not in answer_hash("c1", "K7PX3")


async def test_challenge_is_a_png_and_a_wav() -> None:
    challenge = await CaptchaImages().new_challenge()
    image, audio = challenge.data_uris()
    assert image.startswith("data:image/png;base64,") and audio.startswith("data:audio/wav;base64,")
    assert challenge.image_png.startswith(b"\x89PNG") and challenge.audio_wav.startswith(b"RIFF")
    assert len(challenge.image_answer) == 5 and challenge.audio_answer.isdigit()


async def test_concurrent_challenges_all_succeed() -> None:
    challenges = await asyncio.gather(*(new_challenge() for _ in range(6)))
    assert len({c.image_answer + c.audio_answer for c in challenges}) == 6
    assert all(c.audio_wav.startswith(b"RIFF") for c in challenges)
