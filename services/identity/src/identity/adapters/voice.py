"""Spanish speech for the audio captcha: Debian's ``espeak-ng`` in a subprocess (never on the
event loop), with a timeout, and at most a few at a time."""

import asyncio
import secrets
import struct

from identity.ports import VoiceUnavailable

# A little variation per request (pitch and speed), so no two recordings of a digit match sample
# for sample. espeak-ng is deterministic otherwise: the portal's browser test finds the pitch and
# speed of a recording by saying its text again (tests/e2e/test_portal_signup.py).
PITCHES = range(35, 65)
SPEEDS = range(130, 150)


def espeak_args(voice: str, pitch: int, speed: int, text: str) -> list[str]:
    """espeak-ng's arguments for ``text`` said by ``voice`` as a WAV on stdout."""
    return ["-v", voice, "-p", str(pitch), "-s", str(speed), "-g", "6", "--stdout", text]


class EspeakVoice:
    """The captcha voice port."""

    def __init__(
        self,
        voice: str = "es-419",
        timeout_seconds: float = 5.0,
        concurrency: int = 2,
        command: str = "espeak-ng",
    ) -> None:
        self._voice = voice
        self._timeout = timeout_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._command = command

    async def speak(self, text: str) -> bytes:
        """A WAV file (16-bit mono PCM) of ``text``; raises VoiceUnavailable."""
        pitch, speed = secrets.choice(PITCHES), secrets.choice(SPEEDS)
        args = espeak_args(self._voice, pitch, speed, text)
        async with self._slots:
            try:
                process = await asyncio.create_subprocess_exec(
                    self._command,
                    *args,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
            except OSError as error:
                raise VoiceUnavailable(f"{self._command}: {error}") from error
            try:
                out, err = await asyncio.wait_for(process.communicate(), self._timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise VoiceUnavailable(f"{self._command} took over {self._timeout} s") from None
        if process.returncode != 0 or not out.startswith(b"RIFF"):
            raise VoiceUnavailable(f"{self._command} failed: {err.decode(errors='replace')[:200]}")
        return sized_wav(out)


def sized_wav(wav: bytes) -> bytes:
    """espeak-ng writes to a pipe, so it cannot go back to fill in the sizes of its WAV header
    (it leaves 0x7fffffff-ish values there): fill them in."""
    data = wav.find(b"data", 12)
    if data < 0:
        raise VoiceUnavailable("espeak-ng wrote no data chunk")
    fixed = bytearray(wav)
    fixed[4:8] = struct.pack("<I", len(wav) - 8)
    fixed[data + 4 : data + 8] = struct.pack("<I", len(wav) - data - 8)
    return bytes(fixed)
