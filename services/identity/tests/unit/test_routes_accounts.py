"""Routes on fakes (the app is built but not started): captchas, sign-up, activation, password
reset, JWKS. Paths, statuses and bodies are the API's (docs/api.md §identity)."""

from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from services.identity.tests.unit.fakes import (
    CEDULAS,
    KEY,
    PASSWORD,
    TEST_ANSWER,
    FakeChallenges,
    Fakes,
)

V1 = "/v1"
NEW_PASSWORD = "Pichincha-Rucu-4698"


def body(email: str = "maria@correo.com", **changes: Any) -> dict[str, Any]:
    return {
        "email": email,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "given_names": "María José",
        "surnames": "Pérez Ñáñez",
        "id_type": "cedula",
        "id_number": CEDULAS[0],
        "captcha_id": "",
        "captcha_answer": TEST_ANSWER,
        "accept_terms": True,
    } | changes


def register(client: TestClient, **changes: Any) -> Any:
    captcha = client.post(f"{V1}/captchas").json()["captcha_id"]
    return client.post(f"{V1}/registrations", json=body(captcha_id=captcha) | changes)


def last_token(fakes: Fakes) -> str:
    return str(next(e for e in reversed(fakes.users.outbox) if hasattr(e, "token")).token)


def test_captcha(client: TestClient) -> None:
    response = client.post(f"{V1}/captchas")
    assert response.status_code == 201
    captcha = response.json()
    assert set(captcha) == {"captcha_id", "image", "expires_in"}
    assert captcha["image"].startswith("data:image/png;base64,")
    assert captcha["expires_in"] == 300


def test_sign_up_answers_201_pending(client: TestClient, fakes: Fakes) -> None:
    response = register(client, captcha_answer=FakeChallenges.IMAGE)
    assert response.status_code == 201, response.text
    user_id = response.json()["user_id"]
    assert response.json() == {"user_id": user_id, "status": "pending_activation"}
    assert fakes.users.rows[user_id].email == "maria@correo.com"


def test_duplicates_are_409_naming_the_field(client: TestClient) -> None:
    assert register(client).status_code == 201
    email = register(client, email="MARIA@correo.com", id_number=CEDULAS[1])
    message = (
        "Ya existe una cuenta con este correo electrónico. Inicia sesión o recupera tu contraseña."
    )
    assert email.status_code == 409
    assert email.json() == {
        "error": {"code": "already_registered", "message": message, "fields": {"email": message}}
    }
    id_number = register(client, email="otra@correo.com")
    assert id_number.status_code == 409 and set(id_number.json()["error"]["fields"]) == {
        "id_number"
    }


def test_bad_input_is_422_field_by_field(client: TestClient) -> None:
    response = register(client, id_number="1714307104")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("validation_error", "Revisa los datos ingresados.")
    assert error["fields"]["id_number"].startswith("El número de cédula no es válido")
    wrong = register(client, captcha_answer="ZZZZZ")
    assert wrong.status_code == 422 and set(wrong.json()["error"]["fields"]) == {"captcha_answer"}
    malformed = client.post(
        f"{V1}/registrations",
        content=b"{no es json",
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    assert malformed.json()["error"]["message"] == "Revisa los datos ingresados."


def test_activation(client: TestClient, fakes: Fakes) -> None:
    register(client)
    token = last_token(fakes)
    activate = f"{V1}/activations"
    assert client.post(activate, json={"token": token}).json() == {"status": "active"}
    again = client.post(activate, json={"token": token})
    assert again.status_code == 410
    assert again.json() == {"error": {"code": "token_used", "message": "Este enlace ya fue usado."}}
    unknown = client.post(activate, json={"token": "x" * 43})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "token_not_found"
    assert client.post(activate, json={"token": ""}).status_code == 422


def test_an_expired_activation_link_is_410(client: TestClient, fakes: Fakes) -> None:
    register(client)
    fakes.clock.advance(hours=24)
    expired = client.post(f"{V1}/activations", json={"token": last_token(fakes)})
    assert expired.status_code == 410
    assert expired.json()["error"] == {
        "code": "token_expired",
        "message": "El enlace expiró. Solicita uno nuevo.",
    }


def with_captcha(client: TestClient, email: str, answer: str = TEST_ANSWER) -> dict[str, str]:
    captcha = client.post(f"{V1}/captchas").json()["captcha_id"]
    return {"email": email, "captcha_id": captcha, "captcha_answer": answer}


@pytest.mark.parametrize("email", ["maria@correo.com", "nadie@correo.com"])
def test_resend_is_always_202(client: TestClient, email: str) -> None:
    register(client)
    response = client.post(f"{V1}/activations/resend", json=with_captcha(client, email))
    assert response.status_code == 202 and response.json() == {"status": "accepted"}


@pytest.mark.parametrize("path", ["/activations/resend", "/password-resets"])
def test_resend_and_reset_need_a_solved_captcha(
    client: TestClient, fakes: Fakes, path: str
) -> None:
    register(client)
    sent = len(fakes.users.outbox)
    for request, fields in (
        # Both captcha fields are required (the OpenAPI says so).
        ({"email": "maria@correo.com"}, {"captcha_id", "captcha_answer"}),
        (with_captcha(client, "maria@correo.com", answer="ZZZZZ"), {"captcha_answer"}),
        (with_captcha(client, "nadie@correo.com", answer="ZZZZZ"), {"captcha_answer"}),
    ):
        refused = client.post(f"{V1}{path}", json=request)
        assert refused.status_code == 422
        assert set(refused.json()["error"]["fields"]) == fields
    assert len(fakes.users.outbox) == sent  # nothing emailed


def test_the_audio_is_a_wav_on_request(client: TestClient, fakes: Fakes) -> None:
    captcha = client.post(f"{V1}/captchas").json()["captcha_id"]
    audio = client.post(f"{V1}/captchas/{captcha}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.headers["cache-control"] == "no-store"
    assert audio.content.startswith(b"RIFF") and len(fakes.voice.said) == 1
    unknown = client.post(f"{V1}/captchas/{'0' * 32}/audio")
    assert unknown.status_code == 410
    assert unknown.json()["error"]["code"] == "captcha_unavailable"
    assert client.post(f"{V1}/captchas/no-hex!/audio").status_code == 422


def test_password_reset(client: TestClient, fakes: Fakes) -> None:
    register(client)
    client.post(f"{V1}/activations", json={"token": last_token(fakes)})
    resets = f"{V1}/password-resets"
    for email in ("maria@correo.com", "nadie@correo.com"):
        response = client.post(resets, json=with_captcha(client, email))
        assert response.status_code == 202 and response.json() == {"status": "accepted"}
    token = last_token(fakes)
    confirm = {"token": token, "password": NEW_PASSWORD, "password_confirmation": "otra"}
    mismatch = client.post(f"{resets}/confirm", json=confirm)
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["fields"] == {
        "password_confirmation": "Las contraseñas no coinciden."
    }
    confirm["password_confirmation"] = NEW_PASSWORD
    done = client.post(f"{resets}/confirm", json=confirm)
    assert done.status_code == 200 and done.json() == {"status": "password_changed"}
    assert client.post(f"{resets}/confirm", json=confirm).status_code == 410
    unknown = client.post(f"{resets}/confirm", json=confirm | {"token": "nope"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("path", ["/.well-known/jwks.json", "/v1/.well-known/jwks.json"])
def test_jwks_publishes_the_signing_key(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key == KEY.jwk()
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert isinstance(jwt.PyJWK(key).key, type(KEY.public_key))


def test_the_openapi_marks_the_request_fields_required(client: TestClient) -> None:
    """Found by tests/e2e/test_api_contract.py: every field of these bodies was published as
    optional, so schema-valid requests were refused with 422."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    registration = schemas["RegistrationIn"]
    assert set(registration["required"]) == set(registration["properties"])
    assert registration["properties"]["accept_terms"]["const"] is True
    assert registration["properties"]["id_type"]["enum"] == ["cedula", "passport"]
    assert set(schemas["ResetConfirmIn"]["required"]) == {
        "token",
        "password",
        "password_confirmation",
    }
    assert set(schemas["EmailWithCaptchaIn"]["required"]) == {
        "email",
        "captcha_id",
        "captcha_answer",
    }


def test_a_missing_field_is_named_in_spanish(client: TestClient) -> None:
    refused = client.post(f"{V1}/registrations", json={"email": "maria@correo.com"})
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert fields["surnames"] == "Este campo es obligatorio." and "email" not in fields
