"""Sign-up and activation in Chromium through the gateway, by the seed guide's labels: the wrong
paths (each Spanish message under its own field: the element the field's aria-describedby names,
the field aria-invalid), a sign-up with the keyboard alone, and the Spanish audio captcha, whose
WAV is heard (its digits typed) instead of the test answer.

Screenshots: .local/screenshots/registro-*-<width>.png and activar-*-<width>.png.
"""

import io
import re
import subprocess
import uuid
import wave
from collections.abc import Iterator
from datetime import timedelta
from itertools import product
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pymongo import MongoClient

from identity.adapters.voice import PITCHES, SPEEDS, espeak_args, sized_wav
from identity.domain.captchas import AUDIO_DIGITS, answer_hash, spoken_code
from identity.domain.tokens import hash_secret
from identity.settings import IdentitySettings
from tests.browser_support import (
    DESKTOP,
    WIDTHS,
    axe_violations,
    chromium,
    describe,
    portal,
    screenshot,
)
from tests.portal_support import PASSWORD, run_async
from tests.support import (
    CAPTCHA_TEST_ANSWER,
    MONGODB,
    link_token,
    make_cedula,
    register,
    registration,
    unique_email,
    wait_for_mail,
)

AUDIO = re.compile(r"/captchas/([0-9a-f]+)/audio$")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    with portal(browser, request.param) as context:
        yield context.new_page()


# ---- the form, by its labels


def identification(page: Page) -> Locator:
    """The number box of the "Cédula/Pasaporte" group (its type is the select next to it)."""
    group = page.get_by_role("group", name="Cédula/Pasaporte")
    return group.get_by_label("Número de identificación")


def open_registration(page: Page) -> None:
    page.goto("/registro")
    expect(page.get_by_role("heading", name="Datos del Registro")).to_be_visible()
    # The captcha's image: its answer box is emptied whenever a new one arrives.
    expect(page.get_by_role("img", name=re.compile("Código de verificación"))).to_be_visible()


def fill_registration(
    page: Page,
    email: str,
    cedula: str = "",
    confirmation: str = PASSWORD,
    captcha: str = CAPTCHA_TEST_ANSWER,
) -> None:
    page.get_by_label("Correo Electrónico", exact=True).fill(email)
    page.get_by_label("Nombres", exact=True).fill("María José")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_label("Apellidos", exact=True).fill("Pérez Ñáñez")
    page.get_by_label("Confirmar Contraseña", exact=True).fill(confirmation)
    identification(page).fill(cedula or make_cedula())
    page.get_by_label("Escribe el código de la imagen", exact=True).fill(captcha)
    page.get_by_role("checkbox", name=re.compile("He leído y acepto")).check()


def continue_(page: Page) -> None:
    page.get_by_role("button", name="CONTINUAR").click()


def expect_error_at(field: Locator, message: str) -> None:
    """The message is the text of an element the field's aria-describedby names, and the field
    says it is invalid."""
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    errors = [field.page.locator(f"[id='{name}']") for name in described]
    [shown] = [e for e in errors if e.inner_text().strip() == message]
    expect(shown).to_be_visible()


def expect_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def expect_signed_up(page: Page, email: str) -> None:
    done = page.get_by_role("heading", name="¡Ya casi está lista tu cuenta!")
    expect(done).to_be_visible()
    expect(done).to_be_focused()
    expect(page.get_by_text(email)).to_be_visible()


# ---- the wrong paths


def test_an_invalid_cedula_is_refused_at_its_field(page: Page) -> None:
    open_registration(page)
    valid = make_cedula()
    wrong_check_digit = valid[:9] + str((int(valid[9]) + 1) % 10)
    fill_registration(page, unique_email("web"), cedula=wrong_check_digit)
    continue_(page)
    message = "El número de cédula no es válido. Revisa los 10 dígitos."
    expect_error_at(identification(page), message)
    expect(page.get_by_role("alert")).to_contain_text("Revisa los datos ingresados.")
    screenshot(page, "registro-cedula-invalida")
    expect_accessible(page)


def test_passwords_that_differ_are_refused_at_the_confirmation(page: Page) -> None:
    open_registration(page)
    fill_registration(page, unique_email("web"), confirmation=PASSWORD + "x")
    continue_(page)
    confirmation = page.get_by_label("Confirmar Contraseña", exact=True)
    expect_error_at(confirmation, "Las contraseñas no coinciden.")
    expect(confirmation).to_be_focused()
    password = page.get_by_label("Contraseña", exact=True)
    expect(password).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, "registro-contrasenas-distintas")
    expect_accessible(page)


def test_a_wrong_captcha_is_refused_and_replaced(page: Page) -> None:
    open_registration(page)
    image = page.get_by_role("img", name=re.compile("Código de verificación"))
    first = image.get_attribute("src")
    fill_registration(page, unique_email("web"), captcha="NO-ES-ESTE")
    continue_(page)
    answer = page.get_by_label("Escribe el código de la imagen", exact=True)
    expect_error_at(answer, "El código no coincide con la imagen. Intenta con uno nuevo.")
    expect(image).not_to_have_attribute("src", first or "")  # a new captcha to solve
    expect(answer).to_have_value("")
    screenshot(page, "registro-captcha-incorrecto")
    expect_accessible(page)


def test_an_unknown_activation_link_says_so(page: Page) -> None:
    page.goto("/activar?token=" + uuid.uuid4().hex)
    said = page.get_by_role("heading", name=re.compile("El enlace no es válido"))
    expect(said).to_be_visible()
    expect(said).to_be_focused()
    expect(page.get_by_role("link", name="Iniciar sesión")).to_be_visible()
    screenshot(page, "activar-enlace-invalido")
    expect_accessible(page)


def age_sign_up(token: str, hours: int = 25) -> None:
    """The sign-up of ``token`` as if it were ``hours`` old: its link expired (24 h) and the
    one-a-minute resend cooldown long gone. Straight in identity's database."""
    client: MongoClient[dict[str, Any]] = MongoClient(MONGODB)
    try:
        users = client["identity"]["users"]
        user = users.find_one({"activation_tokens.token_hash": hash_secret(token)})
        assert user is not None
        shift = timedelta(hours=hours)
        tokens = [
            t | {"issued_at": t["issued_at"] - shift, "expires_at": t["expires_at"] - shift}
            for t in user["activation_tokens"]
        ]
        sent = [t - shift for t in user["activation_sent_at"]]
        users.update_one(
            {"_id": user["_id"]},
            {"$set": {"activation_tokens": tokens, "activation_sent_at": sent}},
        )
    finally:
        client.close()


async def signed_up(email: str, mails: int = 1) -> str:
    """Sign-up through the API; the token of the ``mails``-th activation email."""
    async with httpx.AsyncClient(timeout=30) as client:
        if mails == 1:
            assert (await register(client, registration(email))).status_code == 201
        newest, *_ = await wait_for_mail(client, email, mails)
        return link_token(newest, "/activar")


def test_an_expired_activation_link_offers_a_new_one(page: Page) -> None:
    email = unique_email("web")
    token = run_async(signed_up(email))
    age_sign_up(token)
    page.goto(f"/activar?token={token}")
    said = page.get_by_role("heading", name="El enlace expiró. Solicita uno nuevo.")
    expect(said).to_be_visible()
    expect(said).to_be_focused()
    expect(page.get_by_role("img", name=re.compile("Código de verificación"))).to_be_visible()
    page.get_by_role("button", name="REENVIAR ENLACE").click()
    field = page.get_by_label("Correo Electrónico", exact=True)
    expect_error_at(field, "Este campo es obligatorio.")
    answer = page.get_by_label("Escribe el código de la imagen", exact=True)
    expect_error_at(answer, "Escribe el código de la imagen.")
    screenshot(page, "activar-enlace-expirado")
    expect_accessible(page)

    field.fill(email)
    answer.fill(CAPTCHA_TEST_ANSWER)
    page.get_by_role("button", name="REENVIAR ENLACE").click()
    expect(page.get_by_role("heading", name="Revisa tu correo")).to_be_focused()
    fresh = run_async(signed_up(email, mails=2))
    assert fresh != token
    page.goto(f"/activar?token={fresh}")
    expect(page.get_by_role("heading", name="¡Tu cuenta está activa!")).to_be_visible()


# ---- the keyboard alone


def tab_to(page: Page, target: Locator, key: str = "Tab", most: int = 40) -> None:
    """Presses ``key`` until ``target`` has the focus, which must show (a focus ring)."""
    for _ in range(most):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            ring = target.evaluate(
                "el => { const s = getComputedStyle(el);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"
            )
            assert ring, f"{target} has the focus but no visible focus ring"
            return
    raise AssertionError(f"{key} × {most} never reached {target}")


def test_a_sign_up_with_the_keyboard_alone(page: Page) -> None:
    open_registration(page)
    email = unique_email("teclado")
    password = page.get_by_label("Contraseña", exact=True)
    steps = [
        (page.get_by_label("Correo Electrónico", exact=True), email),
        (page.get_by_label("Nombres", exact=True), "María José"),
        (password, PASSWORD),
        (page.get_by_label("Confirmar Contraseña", exact=True), PASSWORD),
    ]
    for field, text in steps:  # the surnames are passed over...
        tab_to(page, field)
        page.keyboard.type(text)
    # ...and filled going back (Shift+Tab).
    surnames = page.get_by_label("Apellidos", exact=True)
    tab_to(page, surnames, "Shift+Tab")
    page.keyboard.type("Pérez Ñáñez")
    expect(surnames).to_have_value("Pérez Ñáñez")
    # "Mostrar" shows the password and hides it again (Space on a button).
    tab_to(page, page.get_by_role("button", name="Mostrar contraseña"), "Shift+Tab")
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "text")
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "password")
    tab_to(page, identification(page))
    page.keyboard.type(make_cedula())
    tab_to(page, page.get_by_label("Escribe el código de la imagen", exact=True))
    page.keyboard.type(CAPTCHA_TEST_ANSWER)
    terms = page.get_by_role("checkbox", name=re.compile("He leído y acepto"))
    tab_to(page, terms)
    page.keyboard.press("Space")
    expect(terms).to_be_checked()
    tab_to(page, page.get_by_role("button", name="CONTINUAR"))
    page.keyboard.press("Enter")
    expect_signed_up(page, email)
    screenshot(page, "registro-teclado-enviado")


# ---- the Spanish audio captcha


def wav_facts(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()


def spoken_digits(captcha_id: str) -> str:
    """The digits of the captcha's audio. identity keeps only their salted hash; five digits
    are 10⁵ guesses."""
    client: MongoClient[dict[str, Any]] = MongoClient(MONGODB)
    try:
        stored = client["identity"]["captchas"].find_one({"_id": captcha_id})
    finally:
        client.close()
    assert stored is not None and stored["audio_hash"], stored
    for number in range(10**AUDIO_DIGITS):
        digits = f"{number:0{AUDIO_DIGITS}d}"
        if answer_hash(captcha_id, digits) == stored["audio_hash"]:
            return digits
    raise AssertionError("no digits match the audio's answer")


def said_by(voice: str, text: str, wav: bytes) -> bool:
    """Whether espeak-ng's ``voice`` saying ``text`` gives exactly ``wav`` at one of the pitches
    and speeds identity picks from (espeak-ng is deterministic). The speed sets the length, so
    the speeds are tried from the closest length at a middle pitch."""

    def say(pitch: int, speed: int) -> bytes:
        args = espeak_args(voice, pitch, speed, text)
        return sized_wav(subprocess.run(["espeak-ng", *args], capture_output=True).stdout)

    middle = PITCHES[len(PITCHES) // 2]
    speeds = sorted(SPEEDS, key=lambda speed: abs(len(say(middle, speed)) - len(wav)))
    return any(say(pitch, speed) == wav for speed, pitch in product(speeds, PITCHES))


def spanish_voices() -> str:
    listed = subprocess.run(["espeak-ng", "--voices=es"], capture_output=True, text=True)
    return listed.stdout


def test_the_audio_captcha_speaks_spanish_digits_that_pass(browser: Browser) -> None:
    with portal(browser, DESKTOP) as context:
        page = context.new_page()
        open_registration(page)
        with page.expect_response(
            lambda r: r.request.method == "POST" and AUDIO.search(r.url) is not None
        ) as heard:
            page.get_by_role("button", name="Escuchar código").click()
        response = heard.value
        assert response.status == 200 and response.headers["content-type"] == "audio/wav"
        audio = response.body()
        channels, width, rate, frames = wav_facts(audio)
        assert (channels, width) == (1, 2) and rate >= 16_000 and frames > 0
        assert len(audio) == 44 + frames * width  # the header's sizes are the real ones
        assert 1.5 < frames / rate < 15  # seconds: five digits and "El código es"
        playing = page.get_by_role("status").filter(has_text="Reproduciendo el código")
        expect(playing).to_be_attached()

        match = AUDIO.search(response.url)
        assert match
        digits = spoken_digits(match.group(1))
        voice = IdentitySettings().captcha_voice
        assert f" {voice} " in spanish_voices()
        assert said_by(voice, spoken_code(digits), audio), f"not {voice} saying {digits}"

        email = unique_email("audio")
        fill_registration(page, email, captcha=digits)
        continue_(page)
        expect_signed_up(page, email)
        screenshot(page, "registro-audio-enviado")
