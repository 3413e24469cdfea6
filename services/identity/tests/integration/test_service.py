"""identity as bootstrap builds it (real stores, Argon2, captcha images, key ring) on the real
FerretDB: the start-up steps, then a person's way through the use cases. The app is not
started, so no event reaches Kafka (the running notifier would email it)."""

import json
from collections.abc import AsyncIterator

import pytest

from identity import app
from identity.bootstrap import Identity, bootstrap
from identity.domain.users import Status
from identity.domain.validation import RegistrationForm
from identity.settings import IdentitySettings
from identity.use_cases import activation, captchas, profile, registration, sessions
from services.identity.tests.integration.conftest import TEST_ANSWER
from tests.support import make_cedula, unique_email

PASSWORD = "Chimborazo-6310-Nevado"


@pytest.fixture
async def svc(settings: IdentitySettings) -> AsyncIterator[Identity]:
    service = bootstrap(settings)
    try:
        yield service
    finally:
        await service.runtime.database.close()


async def test_start_up_steps_load_the_key_and_create_the_operator(
    svc: Identity, settings: IdentitySettings
) -> None:
    for step in app.SPEC.startup:
        await step(svc)
    assert svc.keys.jwks()[0]["kty"] == "OKP"
    assert settings.operator_email and settings.operator_password
    tokens = await sessions.login(
        svc, settings.operator_email, settings.operator_password, svc.clock()
    )
    principal = await svc.verifier.verify(tokens.access_token)
    assert principal.roles == ("operator",)
    await app.bootstrap_operator(svc)  # a restart: the same account, no duplicate


async def test_sign_up_activate_log_in_with_argon2(svc: Identity) -> None:
    await app.load_signing_key(svc)
    email = unique_email()
    captcha = await captchas.create_captcha(svc, svc.clock())
    form = RegistrationForm(
        email=email,
        password=PASSWORD,
        password_confirmation=PASSWORD,
        given_names="María José",
        surnames="Pérez Ñáñez",
        id_type="cedula",
        id_number=make_cedula(),
        accept_terms=True,
    )
    user = await registration.register(svc, form, captcha.captcha_id, TEST_ANSWER, svc.clock())
    assert user.password_hash.startswith("$argon2id$")
    stored = await svc.users.by_id(user.user_id)
    assert stored is not None and stored.status is Status.PENDING_ACTIVATION
    # The activation secret leaves only through the outbox; read it from there.
    doc = await svc.runtime.database.raw("users").find_one({"_id": user.user_id})
    token = json.loads(doc["outbox"][1]["payload"])["data"]["token"]
    await activation.activate(svc, token, svc.clock())
    tokens = await sessions.login(svc, email.upper(), PASSWORD, svc.clock())
    principal = await svc.verifier.verify(tokens.access_token)
    await sessions.check_session(svc, principal.session_id)
    assert (await profile.me(svc, principal.user_id)).email == email
    rotated = await sessions.refresh(svc, tokens.refresh_token, svc.clock())
    assert rotated.refresh_token != tokens.refresh_token
