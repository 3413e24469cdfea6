"""identity under abuse, over HTTP, as an outside client: a burst of parallel guesses, the
account-existence answers, captchas on every emailing endpoint, the Spanish audio on request.

It runs an identity process of its own (its own port and database, started from this checkout)
next to the stack's, and writes its test user straight into that database: no event reaches
the stack's topics, so nothing is emailed.
"""

import asyncio
import io
import shutil
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from common.database import Database
from identity.adapters.passwords import Argon2Passwords
from identity.adapters.store import UserStore
from tests.identity_support import active_user
from tests.support import MONGODB, ServiceProcess, unique_email

PASSWORD = "Chimborazo-6310-Nevado"
BURST = 200
TEST_ANSWER = "prueba-abuso"


@pytest.fixture(scope="module")
async def identity() -> AsyncIterator[ServiceProcess]:
    # A lock longer than the burst takes (200 checks, two at a time, on a busy machine).
    process = ServiceProcess(
        "identity",
        CAPTCHA_TEST_ANSWER=TEST_ANSWER,
        OPERATOR_EMAIL="",
        OPERATOR_PASSWORD="",
        LOCKOUT_BASE_SECONDS="900",
    )
    await process.start()
    try:
        yield process
    finally:
        await process.stop_and_drop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=120) as http:
        yield http


async def customer(identity: ServiceProcess) -> tuple[str, UserStore, Database]:
    """An active customer written straight into the process's database (no events)."""
    database = Database(MONGODB, identity.database, max_pool_size=1)
    user = active_user(unique_email("abuso"), await Argon2Passwords().hash(PASSWORD))
    users = UserStore(database)
    await users.add(user)
    return user.user_id, users, database


async def test_a_burst_of_guesses_is_checked_at_most_five_times(
    identity: ServiceProcess, client: httpx.AsyncClient
) -> None:
    user_id, users, database = await customer(identity)
    user = await users.by_id(user_id)
    assert user is not None
    login = f"{identity.url}/sessions"
    answers = await asyncio.gather(
        *(
            client.post(login, json={"email": user.email, "password": f"mala-{n}-xyz"})
            for n in range(BURST)
        )
    )
    unknown = await client.post(login, json={"email": unique_email(), "password": PASSWORD})
    right = await client.post(login, json={"email": user.email, "password": PASSWORD})
    stored = await users.by_id(user_id)
    await database.close()
    assert stored is not None
    # Every attempt is counted before its password is checked: the count is how many were.
    print(f"\n{stored.failed_logins} of {BURST} parallel wrong logins were checked (HTTP)")
    assert stored.failed_logins == 5 and stored.is_locked(datetime.now(UTC))
    # Wrong, locked, unknown: one answer (status and body), no Retry-After to tell them apart.
    assert {(a.status_code, a.text) for a in [*answers, right]} == {
        (unknown.status_code, unknown.text)
    }
    assert unknown.status_code == 401 and "Retry-After" not in right.headers


async def test_resend_and_reset_need_a_captcha(
    identity: ServiceProcess, client: httpx.AsyncClient
) -> None:
    for path in ("activations/resend", "password-resets"):
        bare = await client.post(f"{identity.url}/{path}", json={"email": unique_email()})
        assert bare.status_code == 422, bare.text
        # The captcha is what is missing (its id and answer are both required), not the email.
        missing = set(bare.json()["error"]["fields"])
        assert "captcha_answer" in missing and "email" not in missing, missing
        captcha = (await client.post(f"{identity.url}/captchas")).json()["captcha_id"]
        body = {"email": unique_email(), "captcha_id": captcha, "captcha_answer": TEST_ANSWER}
        solved = await client.post(f"{identity.url}/{path}", json=body)
        assert solved.status_code == 202, solved.text


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_the_captcha_is_an_image_and_its_audio_comes_on_request(
    identity: ServiceProcess, client: httpx.AsyncClient
) -> None:
    created = await client.post(f"{identity.url}/captchas")
    assert created.status_code == 201 and set(created.json()) == {
        "captcha_id",
        "image",
        "expires_in",
    }
    captcha = created.json()["captcha_id"]
    audio = await client.post(f"{identity.url}/captchas/{captcha}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert wav.getnchannels() == 1 and wav.getnframes() / wav.getframerate() > 1.5
    wrong = {"email": unique_email(), "captcha_id": captcha, "captcha_answer": "x"}
    spent = await client.post(f"{identity.url}/password-resets", json=wrong)
    assert spent.status_code == 422
    gone = await client.post(f"{identity.url}/captchas/{captcha}/audio")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "captcha_unavailable"
