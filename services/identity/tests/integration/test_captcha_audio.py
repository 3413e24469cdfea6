"""The Spanish audio captcha with Debian's espeak-ng and the real FerretDB: a valid WAV, said by a
Spanish voice, whose digits solve the captcha."""

import asyncio
import io
import shutil
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from identity.adapters.voice import EspeakVoice
from identity.bootstrap import Identity, bootstrap
from identity.ports import VoiceUnavailable
from identity.settings import IdentitySettings
from identity.use_cases import captchas

DIGIT_WORDS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (deploy/local/stack.sh installs it)",
)


class RecordingVoice(EspeakVoice):
    """espeak-ng itself; keeps what it was asked to say (the test's way to the answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    async def speak(self, text: str) -> bytes:
        self.said.append(text)
        return await super().speak(text)


@pytest.fixture
async def svc(settings: IdentitySettings) -> AsyncIterator[Identity]:
    strict = settings.model_copy(update={"captcha_test_answer": None})
    service = bootstrap(strict, voice=RecordingVoice())
    try:
        yield service
    finally:
        await service.runtime.database.close()


def read_wav(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()


async def test_a_spanish_wav_whose_digits_solve_the_captcha(svc: Identity) -> None:
    captcha = await captchas.create_captcha(svc, datetime.now(UTC))
    audio = await captchas.captcha_audio(svc, captcha.captcha_id, datetime.now(UTC))
    channels, width, rate, frames = read_wav(audio)
    # The header's sizes are the real ones (espeak-ng leaves them unset on a pipe).
    assert (channels, width) == (1, 2) and len(audio) == 44 + frames * 2
    assert 1.5 < frames / rate < 15  # seconds of speech
    voice = svc.voice
    assert isinstance(voice, RecordingVoice)
    [text] = voice.said
    words = text.removeprefix("El código es: ").rstrip(".").split(", ")
    digits = "".join(str(DIGIT_WORDS.index(w)) for w in words)
    await captchas.check_captcha(svc, captcha.captcha_id, digits, datetime.now(UTC))


async def phonemes(voice: str, text: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "espeak-ng", "-v", voice, "-q", "-x", text, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    return out.decode().strip()


async def test_the_configured_voice_is_spanish(settings: IdentitySettings) -> None:
    process = await asyncio.create_subprocess_exec(
        "espeak-ng", "--voices=es", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert f" {settings.captcha_voice} " in out.decode()
    # Spanish phonemes ("kw'atRo", a trilled r), not English ones, for the digit words.
    said = await phonemes(settings.captcha_voice, "cuatro")
    assert said == await phonemes("es", "cuatro") != await phonemes("en", "cuatro")


async def test_a_missing_or_slow_synthesizer_is_reported() -> None:
    with pytest.raises(VoiceUnavailable):
        await EspeakVoice(command="espeak-ng-that-is-not-there").speak("uno")
    with pytest.raises(VoiceUnavailable):
        await EspeakVoice(timeout_seconds=0.001).speak("uno, dos, tres " * 50)
