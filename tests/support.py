"""Helpers for tests that talk to the running local stack (``make up`` / ``make test``)."""

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.database import Database
from tests.stack_env import kafka_admin_env

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = os.environ.get(
    "GATEWAY_URL", f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"
)
MAILPIT = os.environ.get("MAILPIT_URL", "http://127.0.0.1:8025")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
CAPTCHA_TEST_ANSWER = os.environ.get("CAPTCHA_TEST_ANSWER", "prueba-e2e")
IDENTITY = f"{GATEWAY}/api/identity/v1"


def free_port() -> int:
    """A port nothing listens on (connections to it are refused until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def forward(port: int, target: tuple[str, int]) -> AsyncIterator[None]:
    """Listen on ``port`` and pipe every connection to ``target``: a dependency that was
    refusing connections on ``port`` "comes back"."""

    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        await asyncio.gather(
            pipe(reader, upstream_writer), pipe(upstream_reader, writer), return_exceptions=True
        )

    server = await asyncio.start_server(session, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


def make_cedula(rng: random.Random | None = None) -> str:
    """A random valid Ecuadorian cédula (province 01–24, third digit < 6, modulo-10 check)."""
    rng = rng or random.Random()
    digits = f"{rng.randint(1, 24):02d}{rng.randint(0, 5)}{rng.randint(0, 999999):06d}"
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return digits + str((10 - total % 10) % 10)


def unique_email(prefix: str = "cliente") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@pruebas.ec"


def registration(email: str, **changes: Any) -> dict[str, Any]:
    body = {
        "email": email,
        "password": "Chimborazo-6310-Nevado",
        "password_confirmation": "Chimborazo-6310-Nevado",
        "given_names": "María José",
        "surnames": "Pérez Ñáñez",
        "id_type": "cedula",
        "id_number": make_cedula(),
        "captcha_answer": CAPTCHA_TEST_ANSWER,
        "accept_terms": True,
    }
    body.update(changes)
    return body


async def new_captcha(client: httpx.AsyncClient) -> str:
    response = await client.post(f"{IDENTITY}/captchas")
    assert response.status_code == 201, response.text
    return str(response.json()["captcha_id"])


async def with_captcha(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """The body of a request that emails a link (resend, reset): the email and a solved captcha
    (test mode)."""
    captcha = await new_captcha(client)
    return {"email": email, "captcha_id": captcha, "captcha_answer": CAPTCHA_TEST_ANSWER}


async def register(
    client: httpx.AsyncClient, body: dict[str, Any], **headers: str
) -> httpx.Response:
    body = {**body, "captcha_id": body.get("captcha_id") or await new_captcha(client)}
    return await client.post(f"{IDENTITY}/registrations", json=body, headers=headers)


async def mails_to(client: httpx.AsyncClient, address: str) -> list[dict[str, Any]]:
    response = await client.get(f"{MAILPIT}/api/v1/search", params={"query": f'to:"{address}"'})
    response.raise_for_status()
    return list(response.json().get("messages", []))


async def wait_for_mail(
    client: httpx.AsyncClient, address: str, count: int = 1, timeout: float = 30.0
) -> list[dict[str, Any]]:
    """Messages to ``address`` once at least ``count`` have arrived (full bodies)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await mails_to(client, address)
        if len(found) >= count:
            bodies = [await client.get(f"{MAILPIT}/api/v1/message/{m['ID']}") for m in found]
            return [b.json() for b in bodies]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{count} email(s) to {address} expected, {len(found)} arrived")
        await asyncio.sleep(0.2)


def link_token(message: dict[str, Any], path: str) -> str:
    match = re.search(rf"{re.escape(path)}\?token=([A-Za-z0-9_\-]+)", message["Text"])
    assert match, f"no {path} link in: {message['Text'][:500]}"
    return match.group(1)


def stack(*args: str) -> None:
    """Drive the local stack (e.g. stop/start Mailpit for fault tests)."""
    subprocess.run([str(ROOT / "deploy/local/stack.sh"), *args], check=True, cwd=ROOT)


# Access tokens shaped like identity's (EdDSA, iss/aud/roles), signed with a key of the tests'
# own; a service under test verifies them with ``TokenVerifier(access_key_for)``.
_TEST_KEY = Ed25519PrivateKey.generate()
_TEST_KID = "test-key"


def access_token_for(
    roles: list[str],
    key: Ed25519PrivateKey | None = None,
    ttl_seconds: int = 300,
    subject: str | None = None,
    session_id: str | None = None,
    issued_at: int | None = None,
) -> str:
    """``key``: sign with another key instead (a forged token); ``subject``: the user id
    (random by default); ``session_id``: the ``sid`` claim; ``issued_at``: epoch seconds."""
    now = issued_at or int(time.time())
    claims: dict[str, Any] = {
        "iss": "identity",
        "aud": "selfcare",
        "sub": subject or uuid.uuid4().hex,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl_seconds,
        "roles": roles,
    }
    if session_id is not None:
        claims["sid"] = session_id
    return jwt.encode(claims, key or _TEST_KEY, algorithm="EdDSA", headers={"kid": _TEST_KID})


async def access_key_for(kid: str) -> Any:
    return _TEST_KEY.public_key() if kid == _TEST_KID else None


class ServiceProcess:
    """``python -m <service>`` on its own port and database (settings of its own): killable
    without touching the stack."""

    def __init__(self, service: str, **env: str) -> None:
        self.service = service
        self.port = free_port()
        self.database = f"{service}_test_{uuid.uuid4().hex[:10]}"
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = ROOT / f".local/logs/{self.database}.log"
        # The stack's Kafka login and FerretDB pool (one connection, as stack.sh runs services)
        # also when no conftest set them: a bench starting the process.
        self.env = {
            "MONGODB_MAX_POOL_SIZE": "1",
            **os.environ,
            **kafka_admin_env(),
            "HTTP_PORT": str(self.port),
            "MONGODB_URL": MONGODB,
            "MONGODB_DATABASE": self.database,
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "APP_ENV": "test",
            "OUTBOX_SWEEP_SECONDS": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.service], env=self.env, stdout=out, stderr=out, cwd=ROOT
            )

    async def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        assert self.process is not None
        ready = f"http://127.0.0.1:{self.port}/readyz"
        async with httpx.AsyncClient() as client:
            for _ in range(int(timeout * 10)):
                try:
                    if (await client.get(ready)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.service} did not become ready; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop_and_drop(self) -> None:
        """Stop it and drop its database (a test's own process leaves nothing behind)."""
        self.stop()
        database = Database(MONGODB, self.database)
        try:
            await database.client.drop_database(self.database)
        finally:
            await database.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
