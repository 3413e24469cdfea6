"""Use cases on fakes: captchas and registration."""

from datetime import timedelta

from common.errors import Conflict, InvalidInput
from identity.bootstrap import Identity
from identity.domain.captchas import answer_hash
from identity.domain.events import ActivationRequested, UserRegistered
from identity.domain.users import Status
from identity.use_cases.captchas import captcha_audio, check_captcha, create_captcha
from identity.use_cases.registration import register
from services.identity.tests.unit.fakes import (
    CEDULAS,
    SETTINGS,
    TEST_ANSWER,
    FakeChallenges,
    Fakes,
    form,
    refusal,
    sign_up,
)

ANSWER = "captcha_answer"


async def test_a_captcha_is_an_image_with_its_answer_hashed_until_it_expires(
    svc: Identity, fakes: Fakes
) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    assert captcha.expires_in == 300
    assert captcha.image == "data:image/png;base64," + "iVBORyBmYWtl"
    stored = fakes.captchas.rows[captcha.captcha_id]
    assert stored.answer_hash == answer_hash(captcha.captcha_id, FakeChallenges.IMAGE)
    assert stored.expires_at == fakes.clock() + timedelta(seconds=300)
    # No audio until someone asks for it (the synthesizer costs CPU).
    assert fakes.voice.said == [] and stored.audio_hash is None


def spoken_digits(text: str) -> str:
    words = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
    said = text.removeprefix("El código es: ").rstrip(".").split(", ")
    return "".join(str(words.index(word)) for word in said)


async def test_the_audio_says_spanish_digits_that_solve_the_captcha_too(
    svc: Identity, fakes: Fakes
) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    wav = await captcha_audio(svc, captcha.captcha_id, fakes.clock())
    [text] = fakes.voice.said
    assert wav.startswith(b"RIFF") and text.startswith("El código es: ")
    digits = spoken_digits(text)
    assert len(digits) == 5
    await check_captcha(svc, captcha.captcha_id, digits, fakes.clock())


async def test_a_new_audio_replaces_the_digits_of_the_previous_one(
    svc: Identity, fakes: Fakes
) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    for _ in range(2):
        await captcha_audio(svc, captcha.captcha_id, fakes.clock())
    first, second = (spoken_digits(text) for text in fakes.voice.said)
    stored = fakes.captchas.rows[captcha.captcha_id]
    assert stored.audio_hash == answer_hash(captcha.captcha_id, second)
    if first != second:
        wrong = await refusal(check_captcha(svc, captcha.captcha_id, first, fakes.clock()))
        assert ANSWER in (wrong.fields or {})


async def test_audio_only_for_a_live_captcha_and_a_few_times(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    for _ in range(SETTINGS.captcha_audios_per_captcha):
        await captcha_audio(svc, captcha.captcha_id, fakes.clock())
    spent = await refusal(captcha_audio(svc, captcha.captcha_id, fakes.clock()))
    assert (spent.status, spent.code) == (410, "captcha_unavailable")
    unknown = await refusal(captcha_audio(svc, "f00d", fakes.clock()))
    assert unknown.status == 410
    used = await create_captcha(svc, fakes.clock())
    await check_captcha(svc, used.captcha_id, FakeChallenges.IMAGE, fakes.clock())
    assert (await refusal(captcha_audio(svc, used.captcha_id, fakes.clock()))).status == 410
    late = await create_captcha(svc, fakes.clock())
    gone = captcha_audio(svc, late.captcha_id, fakes.clock.advance(seconds=300))
    assert (await refusal(gone)).status == 410


async def test_a_broken_synthesizer_is_a_503(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    fakes.voice.broken = True
    refused = await refusal(captcha_audio(svc, captcha.captcha_id, fakes.clock()))
    assert (refused.status, refused.code) == (503, "audio_unavailable")


async def test_the_image_answer_passes_once(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    answer = FakeChallenges.IMAGE.lower()
    await check_captcha(svc, captcha.captcha_id, answer, fakes.clock())
    again = await refusal(check_captcha(svc, captcha.captcha_id, answer, fakes.clock()))
    assert again.fields == {ANSWER: "El código expiró. Genera uno nuevo."}


async def test_a_wrong_answer_spends_the_captcha(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    wrong = await refusal(check_captcha(svc, captcha.captcha_id, "ZZZZZ", fakes.clock()))
    assert isinstance(wrong, InvalidInput) and wrong.status == 422
    assert wrong.fields == {ANSWER: "El código no coincide con la imagen. Intenta con uno nuevo."}
    right = await refusal(
        check_captcha(svc, captcha.captcha_id, FakeChallenges.IMAGE, fakes.clock())
    )
    assert right.fields == {ANSWER: "El código expiró. Genera uno nuevo."}


async def test_an_expired_or_missing_captcha(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    later = fakes.clock.advance(seconds=300)
    expired = await refusal(check_captcha(svc, captcha.captcha_id, FakeChallenges.IMAGE, later))
    assert expired.fields == {ANSWER: "El código expiró. Genera uno nuevo."}
    for captcha_id, answer in [("", "x"), (captcha.captcha_id, "  ")]:
        empty = await refusal(check_captcha(svc, captcha_id, answer, later))
        assert empty.fields == {ANSWER: "Escribe el código de la imagen."}


async def test_the_test_answer_opens_any_captcha_when_configured(fakes: Fakes) -> None:
    captcha = await create_captcha(fakes.service(), fakes.clock())
    await check_captcha(fakes.service(), captcha.captcha_id, TEST_ANSWER.upper(), fakes.clock())
    strict = fakes.service(SETTINGS.model_copy(update={"captcha_test_answer": None}))
    captcha = await create_captcha(strict, fakes.clock())
    refused = await refusal(check_captcha(strict, captcha.captcha_id, TEST_ANSWER, fakes.clock()))
    assert ANSWER in (refused.fields or {})


async def test_register_adds_a_pending_user_and_asks_for_the_activation_email(
    svc: Identity, fakes: Fakes
) -> None:
    user, token = await sign_up(svc, "Ana@Correo.com")
    assert user.status is Status.PENDING_ACTIVATION and user.version == 1
    stored = fakes.users.rows[user.user_id]
    assert (stored.email, stored.email_key) == ("Ana@correo.com", "ana@correo.com")
    assert stored.password_hash == "v2$Cotopaxi-Nevado-5897"  # hashed by the port
    registered, activation = fakes.users.outbox
    assert isinstance(registered, UserRegistered) and registered.user_id == user.user_id
    assert isinstance(activation, ActivationRequested) and activation.token == token
    assert activation.link == f"http://portal.test/activar?token={token}"
    assert stored.terms_accepted_at == fakes.clock()


async def test_invalid_form_is_refused_field_by_field_before_the_captcha(
    svc: Identity, fakes: Fakes
) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    bad = form(id_number="1714307104", password_confirmation="otra", accept_terms=False)
    refused = await refusal(register(svc, bad, captcha.captcha_id, "x", fakes.clock()))
    assert refused.status == 422 and refused.code == "validation_error"
    assert set(refused.fields or {}) == {"id_number", "password_confirmation", "accept_terms"}
    assert not fakes.captchas.rows[captcha.captcha_id].used  # still usable
    assert fakes.users.rows == {}


async def test_a_wrong_captcha_registers_nobody(svc: Identity, fakes: Fakes) -> None:
    captcha = await create_captcha(svc, fakes.clock())
    refused = await refusal(register(svc, form(), captcha.captcha_id, "ZZZZZ", fakes.clock()))
    assert ANSWER in (refused.fields or {}) and fakes.users.rows == {}


async def test_duplicate_email_in_other_case_is_409(svc: Identity) -> None:
    await sign_up(svc, "ana@correo.com")
    refused = await refusal(sign_up(svc, "ANA@correo.com", id_number=CEDULAS[1]))
    message = (
        "Ya existe una cuenta con este correo electrónico. Inicia sesión o recupera tu contraseña."
    )
    assert isinstance(refused, Conflict) and refused.code == "already_registered"
    assert (refused.message, refused.fields) == (message, {"email": message})


async def test_duplicate_id_number_is_409(svc: Identity) -> None:
    await sign_up(svc, "ana@correo.com")
    refused = await refusal(sign_up(svc, "otra@correo.com"))
    message = "Ya existe una cuenta con este número de identificación."
    assert refused.status == 409 and refused.code == "already_registered"
    assert (refused.message, refused.fields) == (message, {"id_number": message})
