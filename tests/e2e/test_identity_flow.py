"""Sign-up → activation email → activation → login → /me, through the gateway, on the real
stack (Kafka, FerretDB, Mailpit, identity, notifier, nginx)."""

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from tests.support import (
    CAPTCHA_TEST_ANSWER,
    GATEWAY,
    IDENTITY,
    ROOT,
    link_token,
    mails_to,
    new_captcha,
    register,
    registration,
    stack,
    unique_email,
    wait_for_mail,
    with_captcha,
)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(f"{IDENTITY}/sessions", json={"email": email, "password": password})


async def active_user(client: httpx.AsyncClient) -> tuple[str, str]:
    """A registered and activated user: (email, password)."""
    email = unique_email()
    body = registration(email)
    assert (await register(client, body)).status_code == 201
    [mail] = await wait_for_mail(client, email)
    activation = await client.post(
        f"{IDENTITY}/activations", json={"token": link_token(mail, "/activar")}
    )
    assert activation.status_code == 200, activation.text
    return email, body["password"]


async def test_captcha_has_a_png_image_and_a_wav_audio_on_request(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{IDENTITY}/captchas")
    assert response.status_code == 201
    body = response.json()
    image = base64.b64decode(body["image"].removeprefix("data:image/png;base64,"))
    assert image.startswith(b"\x89PNG") and "audio" not in body
    audio = await client.post(f"{IDENTITY}/captchas/{body['captcha_id']}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content.startswith(b"RIFF")


async def test_sign_up_activate_login_me(client: httpx.AsyncClient) -> None:
    email = unique_email()
    body = registration(email)
    correlation = uuid.uuid4().hex
    response = await register(client, body, **{"X-Correlation-ID": correlation})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending_activation"
    user_id = response.json()["user_id"]

    [mail] = await wait_for_mail(client, email)
    assert mail["Subject"].startswith("Bienvenido")
    assert "Activar Cuenta" in mail["HTML"] and "María José" in mail["Text"]
    assert body["password"] not in mail["Text"] + mail["HTML"]
    token = link_token(mail, f"{GATEWAY}/activar")

    early = await login(client, email, body["password"])
    assert early.status_code == 403 and early.json()["error"]["code"] == "account_not_active"

    assert (await client.post(f"{IDENTITY}/activations", json={"token": token})).status_code == 200
    again = await client.post(f"{IDENTITY}/activations", json={"token": token})
    assert again.status_code == 410
    unknown = await client.post(f"{IDENTITY}/activations", json={"token": "x" * 43})
    assert unknown.status_code == 404

    session = await login(client, email.upper(), body["password"])
    assert session.status_code == 200, session.text
    tokens = session.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = await client.get(
        f"{IDENTITY}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() | {"user_id": user_id} == {
        "user_id": user_id,
        "email": email,
        "given_names": "María José",
        "surnames": "Pérez Ñáñez",
        "id_type": "cedula",
        "id_number": body["id_number"],
        "roles": ["customer"],
        "status": "active",
    }

    await assert_access_token_verifies(client, tokens, user_id)
    await assert_observed(client, correlation)


async def assert_access_token_verifies(
    client: httpx.AsyncClient, tokens: dict[str, Any], user_id: str
) -> None:
    """The access token verifies against the published JWKS, as other services will do it: by
    the key its ``kid`` names (the JWKS may hold a next and a previous key too)."""
    jwks = (await client.get(f"{IDENTITY}/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    [key] = [k for k in jwks["keys"] if k["kid"] == kid]
    claims = jwt.decode(
        tokens["access_token"],
        jwt.PyJWK(key).key,
        algorithms=["EdDSA"],
        audience="selfcare",
        issuer="identity",
    )
    assert claims["sub"] == user_id and claims["roles"] == ["customer"]
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"]


async def assert_observed(client: httpx.AsyncClient, correlation: str) -> None:
    # The request's correlation id travelled through Kafka into the notifier's logs.
    log = (ROOT / ".local/logs/notifier.log").read_text()
    assert correlation in log

    # Latency histograms by route template and status (/metrics is not exposed by the gateway).
    metrics = (await client.get("http://127.0.0.1:8101/metrics")).text
    assert (
        'http_request_duration_seconds_count{method="POST",route="/v1/registrations",status="201"}'
        in metrics
    )
    assert (await client.get(f"{GATEWAY}/api/identity/metrics")).status_code == 404


async def test_duplicate_email_in_other_case_is_409(client: httpx.AsyncClient) -> None:
    email = unique_email()
    assert (await register(client, registration(email))).status_code == 201
    duplicate = await register(client, registration(email.upper()))
    assert duplicate.status_code == 409
    assert "email" in duplicate.json()["error"]["fields"]


async def test_duplicate_id_number_is_409(client: httpx.AsyncClient) -> None:
    first = registration(unique_email())
    assert (await register(client, first)).status_code == 201
    again = await register(client, registration(unique_email(), id_number=first["id_number"]))
    assert again.status_code == 409
    assert "id_number" in again.json()["error"]["fields"]


async def test_bad_cedula_check_digit_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await register(client, registration(unique_email(), id_number="1714307104"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["id_number"].startswith("El número de cédula no es válido")


@pytest.mark.parametrize("password", ["corta", "1234567890", "Clave-{id}"])
async def test_weak_password_is_422(client: httpx.AsyncClient, password: str) -> None:
    body = registration(unique_email())
    weak = password.format(id=body["id_number"])
    response = await register(client, {**body, "password": weak, "password_confirmation": weak})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"password"}


async def test_captcha_is_single_use_and_checked(client: httpx.AsyncClient) -> None:
    captcha = await new_captcha(client)
    wrong = await register(
        client, registration(unique_email(), captcha_id=captcha, captcha_answer="ZZZZZ")
    )
    assert wrong.status_code == 422 and "captcha_answer" in wrong.json()["error"]["fields"]
    reused = await register(
        client, registration(unique_email(), captcha_id=captcha, captcha_answer=CAPTCHA_TEST_ANSWER)
    )
    assert reused.status_code == 422 and "captcha_answer" in reused.json()["error"]["fields"]


async def test_malformed_body_gets_spanish_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{IDENTITY}/registrations",
        content=b"{no es json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "Revisa los datos ingresados."


async def test_wrong_password_and_unknown_email_get_the_same_401(client: httpx.AsyncClient) -> None:
    email, _ = await active_user(client)
    wrong = await login(client, email, "no-es-la-clave-123")
    unknown = await login(client, unique_email(), "no-es-la-clave-123")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_five_wrong_passwords_lock_temporarily(client: httpx.AsyncClient) -> None:
    email, password = await active_user(client)
    statuses = [(await login(client, email, f"equivocada-{n}-xyz")).status_code for n in range(5)]
    assert statuses == [401] * 5
    # Locked: even the right password gets the answer of an unknown email (no enumeration)...
    locked = await login(client, email, password)
    unknown = await login(client, unique_email(), password)
    assert (locked.status_code, locked.json()) == (unknown.status_code, unknown.json())
    assert locked.status_code == 401 and "Retry-After" not in locked.headers
    await asyncio.sleep(30.5)  # the stack's first lock (LOCKOUT_BASE_SECONDS)
    # ...and works again after it.
    assert (await login(client, email, password)).status_code == 200


async def test_refresh_rotation_and_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    email, password = await active_user(client)
    first = (await login(client, email, password)).json()
    refresh = f"{IDENTITY}/sessions/refresh"
    second = await client.post(refresh, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    # The old token again: reuse. The family dies, including the token just issued.
    reuse = await client.post(refresh, json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    dead = await client.post(refresh, json={"refresh_token": rotated["refresh_token"]})
    assert dead.status_code == 401
    me = await client.get(
        f"{IDENTITY}/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401
    # Another login starts a fresh family.
    assert (await login(client, email, password)).status_code == 200


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    email, password = await active_user(client)
    tokens = (await login(client, email, password)).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.delete(f"{IDENTITY}/sessions/current", headers=auth)).status_code == 204
    assert (await client.get(f"{IDENTITY}/me", headers=auth)).status_code == 401
    refreshed = await client.post(
        f"{IDENTITY}/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_me_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{IDENTITY}/me")).status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
    assert (await client.get(f"{IDENTITY}/me", headers=forged)).status_code == 401


async def test_resend_never_reveals_accounts_and_respects_cooldown(
    client: httpx.AsyncClient,
) -> None:
    email = unique_email()
    assert (await register(client, registration(email))).status_code == 201
    await wait_for_mail(client, email)
    resend = f"{IDENTITY}/activations/resend"
    assert (await client.post(resend, json={"email": email})).status_code == 422  # no captcha
    assert (await client.post(resend, json=await with_captcha(client, email))).status_code == 202
    other = await with_captcha(client, unique_email())
    assert (await client.post(resend, json=other)).status_code == 202
    await asyncio.sleep(2)
    assert len(await mails_to(client, email)) == 1  # within the 60 s cooldown: no new email


async def test_password_reset_by_email_link(client: httpx.AsyncClient) -> None:
    email, password = await active_user(client)
    old_session = (await login(client, email, password)).json()
    resets = f"{IDENTITY}/password-resets"
    assert (await client.post(resets, json={"email": email})).status_code == 422  # no captcha
    assert (await client.post(resets, json=await with_captcha(client, email))).status_code == 202
    other = await with_captcha(client, unique_email())
    assert (await client.post(resets, json=other)).status_code == 202
    mails = await wait_for_mail(client, email, count=2)
    reset_mail = next(m for m in mails if "/restablecer?token=" in m["Text"])
    token = link_token(reset_mail, "/restablecer")
    new_password = "Pichincha-Rucu-4698"
    mismatch = await client.post(
        f"{resets}/confirm",
        json={"token": token, "password": new_password, "password_confirmation": "otra"},
    )
    assert mismatch.status_code == 422
    done = await client.post(
        f"{resets}/confirm",
        json={"token": token, "password": new_password, "password_confirmation": new_password},
    )
    assert done.status_code == 200, done.text
    assert (await login(client, email, password)).status_code == 401
    assert (await login(client, email, new_password)).status_code == 200
    stale = await client.post(
        f"{IDENTITY}/sessions/refresh", json={"refresh_token": old_session["refresh_token"]}
    )
    assert stale.status_code == 401
    used = await client.post(
        f"{resets}/confirm",
        json={"token": token, "password": new_password, "password_confirmation": new_password},
    )
    assert used.status_code == 410


async def test_operator_is_bootstrapped(client: httpx.AsyncClient) -> None:
    import os

    email = os.environ.get("OPERATOR_EMAIL", "operador@demo.ec")
    password = (
        os.environ.get("OPERATOR_PASSWORD")
        or (ROOT / ".local/operator-password").read_text().strip()
    )
    session = await login(client, email, password)
    assert session.status_code == 200, session.text
    me = await client.get(
        f"{IDENTITY}/me", headers={"Authorization": f"Bearer {session.json()['access_token']}"}
    )
    assert me.json()["roles"] == ["operator"]


async def test_email_sent_once_when_smtp_comes_back(client: httpx.AsyncClient) -> None:
    email = unique_email()
    stack("stop", "mailpit")
    try:
        assert (await register(client, registration(email))).status_code == 201
        await asyncio.sleep(4)  # the notifier tries, fails, and schedules retries
    finally:
        stack("start", "mailpit")
    [mail] = await wait_for_mail(client, email, timeout=60)
    assert "/activar?token=" in mail["Text"]
    await asyncio.sleep(3)  # a second copy would have had time to arrive
    assert len(await mails_to(client, email)) == 1


async def test_concurrent_refreshes_with_one_token_rotate_once(client: httpx.AsyncClient) -> None:
    email, password = await active_user(client)
    token = (await login(client, email, password)).json()["refresh_token"]
    answers = await asyncio.gather(
        *(
            client.post(f"{IDENTITY}/sessions/refresh", json={"refresh_token": token})
            for _ in range(5)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401, 401]
