"""Routes on fakes: login (lockout, Retry-After), refresh, logout and /me."""

from typing import Any

import jwt
from fastapi.testclient import TestClient

from identity.domain.events import SessionsRevoked
from services.identity.tests.unit.fakes import PASSWORD, Fakes, active_user, sign_up

EMAIL = "ana@correo.com"
SESSIONS = "/v1/sessions"
BAD_CREDENTIALS = {
    "code": "invalid_credentials",
    "message": "Correo electrónico o contraseña incorrectos. Después de varios intentos "
    "fallidos, espera unos minutos antes de intentarlo nuevamente.",
}
INVALID_SESSION = {
    "error": {
        "code": "unauthorized",
        "message": "Tu sesión no es válida o expiró. Inicia sesión nuevamente.",
    }
}


def login(client: TestClient, password: str = PASSWORD, email: str = EMAIL) -> Any:
    return client.post(SESSIONS, json={"email": email, "password": password})


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_login_me_and_the_jwks(client: TestClient, fakes: Fakes) -> None:
    user = await active_user(fakes.service())
    response = login(client, email="ANA@correo.com")
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 900)
    me = client.get("/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json() == {
        "user_id": user.user_id,
        "email": EMAIL,
        "given_names": "Ana María",
        "surnames": "Quispe Ñáñez",
        "id_type": "cedula",
        "id_number": "1714307103",
        "roles": ["customer"],
        "status": "active",
    }
    # The access token verifies against the published JWKS, as other services do it.
    jwks = client.get("/.well-known/jwks.json").json()
    claims = jwt.decode(
        tokens["access_token"],
        jwt.PyJWK(jwks["keys"][0]).key,
        algorithms=["EdDSA"],
        audience="selfcare",
        issuer="identity",
    )
    assert claims["sub"] == user.user_id and claims["exp"] - claims["iat"] == 900


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: TestClient, fakes: Fakes
) -> None:
    await active_user(fakes.service())
    wrong, unknown = login(client, "no-es-la-clave-123"), login(client, email="nadie@correo.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == BAD_CREDENTIALS


async def test_a_pending_account_cannot_log_in(client: TestClient, fakes: Fakes) -> None:
    await sign_up(fakes.service())
    early = login(client)
    assert early.status_code == 403 and early.json()["error"]["code"] == "account_not_active"


async def test_six_wrong_passwords_lock_temporarily(client: TestClient, fakes: Fakes) -> None:
    await active_user(fakes.service())
    assert [login(client, f"equivocada-{n}-xyz").status_code for n in range(5)] == [401] * 5
    unknown = login(client, email="nadie@correo.com")
    locked = login(client, "equivocada-6-xyz")
    # The same answer as an unknown email: no 429, no Retry-After, nothing about the account.
    assert (locked.status_code, locked.json()) == (unknown.status_code, unknown.json())
    assert "Retry-After" not in locked.headers
    fakes.clock.advance(seconds=20)
    still = login(client)  # even the right password waits for the lock to end...
    assert (still.status_code, still.json()) == (401, {"error": BAD_CREDENTIALS})
    fakes.clock.advance(seconds=10)
    assert login(client).status_code == 200  # ...and works again after it


async def test_refresh_rotation_and_reuse_revokes_the_family(
    client: TestClient, fakes: Fakes
) -> None:
    await active_user(fakes.service())
    first = login(client).json()
    refresh = f"{SESSIONS}/refresh"
    second = client.post(refresh, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"] and rotated["expires_in"] == 900
    reuse = client.post(refresh, json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json() == INVALID_SESSION
    assert reuse.headers["WWW-Authenticate"] == "Bearer"
    dead = client.post(refresh, json={"refresh_token": rotated["refresh_token"]})
    assert dead.status_code == 401
    assert client.get("/v1/me", headers=bearer(rotated)).status_code == 401
    assert login(client).status_code == 200
    assert client.post(refresh, json={"refresh_token": ""}).status_code == 422


async def test_logout_ends_the_session(client: TestClient, fakes: Fakes) -> None:
    await active_user(fakes.service())
    tokens = login(client).json()
    logout = client.delete(f"{SESSIONS}/current", headers=bearer(tokens))
    assert logout.status_code == 204 and logout.content == b""
    [family] = fakes.sessions.families.values()
    assert fakes.sessions.published == [
        SessionsRevoked(family.user_id, (family.family_id,), None, "logout")
    ]
    me = client.get("/v1/me", headers=bearer(tokens))
    assert me.status_code == 401 and me.json() == INVALID_SESSION
    refreshed = client.post(f"{SESSIONS}/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.delete(f"{SESSIONS}/current", headers=bearer(tokens)).status_code == 401


def test_me_needs_a_valid_token(client: TestClient) -> None:
    missing = client.get("/v1/me")
    assert missing.status_code == 401
    assert missing.json()["error"] == {
        "code": "unauthorized",
        "message": "Necesitas iniciar sesión.",
    }
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
    response = client.get("/v1/me", headers=forged)
    assert response.status_code == 401 and response.json() == INVALID_SESSION
