"""Bootstrap without I/O, the start-up steps (signing key, operator) and the clean-up loop."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from identity import app
from identity.adapters.signing import KeyRing, KeySet, SigningKey
from identity.bootstrap import Identity, bootstrap
from identity.domain.sessions import RefreshToken
from identity.domain.users import Status
from identity.use_cases import operator as operator_use_case
from identity.use_cases.housekeeping import clean_up_expired
from identity.use_cases.operator import bootstrap_operator
from identity.use_cases.sessions import login
from services.identity.tests.unit.fakes import PASSWORD, SETTINGS, Fakes, active_user

OPERATOR = SETTINGS.model_copy(
    update={"operator_email": "Operador@Demo.ec", "operator_password": "Operador-Clave-2026"}
)


def test_bootstrap_connects_to_nothing_and_takes_overrides(fakes: Fakes) -> None:
    svc = bootstrap(SETTINGS)
    assert type(svc.users).__name__ == "UserStore"
    assert svc.runtime.outbox_collections == []  # the spec names them when the app is built
    assert app.build(SETTINGS).state.runtime.outbox_collections == ["users", "sessions"]
    with pytest.raises(RuntimeError, match="start-up"):
        svc.keys.jwks()  # the key ring fills at start-up, not at bootstrap
    faked = bootstrap(SETTINGS, users=fakes.users)
    assert faked.users is fakes.users and faked.policy == SETTINGS.policy()


def test_spec_declares_the_start_up_steps_and_the_loop() -> None:
    assert [s.__name__ for s in app.SPEC.startup] == ["load_signing_key", "bootstrap_operator"]
    assert [s.__name__ for s in app.SPEC.loops] == ["clean_up_expired"]
    topics = {e.topic for e in app.SPEC.publishes}
    assert {"identity.user-registered", "identity.sessions-revoked"} <= topics and len(topics) == 6


async def test_the_signing_key_is_loaded_by_a_start_up_step(fakes: Fakes) -> None:
    key = SigningKey.generate()
    loads: list[SigningKey] = []

    async def from_files() -> KeySet:
        loads.append(key)
        return KeySet(key)

    svc = bootstrap(SETTINGS, **(fakes.parts() | {"keys": KeyRing(from_files)}))
    assert loads == []
    await app.load_signing_key(svc)
    assert svc.keys.jwks() == [key.jwk()] and loads == [key]
    # The verifier checks expiry against the real clock, whatever the fake one says.
    issued = datetime.now(UTC)
    assert await svc.verifier.verify(
        svc.keys.access_token("u1", ["customer"], "s1", timedelta(minutes=1), issued)
    )


async def test_operator_is_created_active(fakes: Fakes) -> None:
    svc = fakes.service(OPERATOR)
    await app.bootstrap_operator(svc)
    [operator] = fakes.users.rows.values()
    assert (operator.email, operator.email_key) == ("Operador@demo.ec", "operador@demo.ec")
    assert operator.roles == ["operator"] and operator.status is Status.ACTIVE
    assert operator.password_hash == "v2$Operador-Clave-2026"
    assert operator.activated_at == operator.created_at == fakes.clock()
    assert operator.id_number is None and fakes.users.outbox == []  # no welcome email


class RecordingLog:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, event: str, **fields: object) -> None:
        self.errors.append(event)

    def info(self, event: str, **fields: object) -> None:
        pass


async def test_a_customer_account_with_the_operator_email_is_not_promoted(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = RecordingLog()
    monkeypatch.setattr(operator_use_case, "log", log)
    svc = fakes.service(OPERATOR)
    user = await active_user(svc, "operador@demo.ec")
    tokens = await login(svc, "operador@demo.ec", PASSWORD, fakes.clock())
    await bootstrap_operator(svc, fakes.clock())
    stored = fakes.users.rows[user.user_id]
    assert stored.roles == ["customer"] and stored.password_hash == "v2$" + PASSWORD
    assert len(fakes.users.rows) == 1
    assert log.errors == ["operator_email_belongs_to_a_customer"]
    await login(svc, "operador@demo.ec", PASSWORD, fakes.clock())  # still the customer's password
    [family, _] = fakes.sessions.families.values()
    assert family.revoked_at is None and tokens.refresh_token


async def test_a_new_operator_password_ends_every_session_of_the_operator(fakes: Fakes) -> None:
    svc = fakes.service(OPERATOR)
    await app.bootstrap_operator(svc)
    await login(svc, "operador@demo.ec", "Operador-Clave-2026", fakes.clock())
    saves = fakes.users.saves
    await bootstrap_operator(svc, fakes.clock())  # a restart, same password: nothing changes
    [family] = fakes.sessions.families.values()
    assert fakes.users.saves == saves and family.revoked_at is None
    changed = OPERATOR.model_copy(update={"operator_password": "Otra-Clave-Operador-2027"})
    now = fakes.clock.advance(minutes=1)
    await bootstrap_operator(fakes.service(changed), now)
    [operator] = fakes.users.rows.values()
    assert operator.password_hash == "v2$Otra-Clave-Operador-2027"
    [family] = fakes.sessions.families.values()
    assert (family.revoked_at, family.revoked_reason) == (now, "operator")


async def test_no_operator_without_settings(svc: Identity, fakes: Fakes) -> None:
    await bootstrap_operator(svc, fakes.clock())
    assert fakes.users.rows == {}


async def test_clean_up_removes_what_expired(svc: Identity, fakes: Fakes) -> None:
    now = fakes.clock()
    await fakes.captchas.add("old", [], now - timedelta(seconds=1))
    await fakes.captchas.add("new", [], now + timedelta(seconds=1))
    await fakes.sessions.add_token(RefreshToken("old", "f", "u", now - timedelta(seconds=1)))
    await fakes.sessions.add_token(RefreshToken("new", "f", "u", now + timedelta(seconds=1)))
    await clean_up_expired(svc, now)
    assert set(fakes.captchas.rows) == {"new"} and set(fakes.sessions.tokens) == {"new"}


async def test_the_clean_up_loop_survives_a_failure(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    second_run = asyncio.Event()

    async def flaky(now: object) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise ConnectionError("database away")
        second_run.set()

    monkeypatch.setattr(app, "CLEAN_UP_EVERY_SECONDS", 0.001)
    monkeypatch.setattr(fakes.captchas, "delete_expired", flaky)
    loop = asyncio.create_task(app.clean_up_expired(fakes.service()))
    await asyncio.wait_for(second_run.wait(), 2)
    loop.cancel()
    assert len(runs) >= 2
