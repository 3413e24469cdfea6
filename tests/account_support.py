"""Helpers for the browser tests of the account area (/cuenta): synchronous, since Playwright's
sync API and these tests share one thread with no asyncio loop. Customers through identity's
API and Mailpit, the SMS codes the SMSC simulator received, subscribers the operator creates,
the portal's login page, and money written as the portal writes it."""

import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Page, expect

from tests.billing_support import BILLING, holder, mobile_number, operator_password
from tests.browser_support import DESKTOP, PHONE, screenshot
from tests.lines_support import LINES, PLANS, SMSC, code_in, e164
from tests.support import IDENTITY, MAILPIT, link_token, registration, unique_email

T = TypeVar("T")
PASSWORD = str(registration("x@pruebas.ec")["password"])
# deploy/local/demo_data.py: the demo accounts' mobiles, each with three months of invoices.
DEMO_MOBILES = ("0991234567", "0987654321", "0987654322", "0991112233")
NOT_A_SUBSCRIBER = "No encontramos un servicio"
# lines learns a new subscription from billing's event, usually at once; on a loaded machine
# its consumer has taken more than 30 s.
SUBSCRIPTION_ARRIVES = 120.0


def until(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll ``check()`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return found


# ---- customers


def activation_path(http: httpx.Client, email: str) -> str:
    """The /activar?token=… link of the email Mailpit received for ``email``."""

    def message() -> dict[str, Any] | None:
        found = http.get(f"{MAILPIT}/api/v1/search", params={"query": f'to:"{email}"'})
        found.raise_for_status()
        rows = found.json().get("messages", [])
        return http.get(f"{MAILPIT}/api/v1/message/{rows[0]['ID']}").json() if rows else None

    mail = until(message, f"the activation email to {email}")
    return f"/activar?token={link_token(mail, '/activar')}"


def activated_customer(http: httpx.Client) -> str:
    """A new customer signed up through the API (test-mode captcha) and activated: the email;
    the password is ``PASSWORD``."""
    email = unique_email("portal")
    captcha = http.post(f"{IDENTITY}/captchas")
    assert captcha.status_code == 201, captcha.text
    body = registration(email, captcha_id=captcha.json()["captcha_id"])
    created = http.post(f"{IDENTITY}/registrations", json=body)
    assert created.status_code == 201, created.text
    token = activation_path(http, email).split("token=", 1)[1]
    activated = http.post(f"{IDENTITY}/activations", json={"token": token})
    assert activated.status_code == 200, activated.text
    return email


def log_in(page: Page, email: str, path: str = "/ingresar") -> None:
    """The login page's form, as a person fills it."""
    page.goto(path)
    page.get_by_label("Correo Electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="INGRESAR").click()


def session_token(page: Page) -> str:
    """The access token the portal keeps in this tab's sessionStorage."""
    return str(page.evaluate("() => sessionStorage.getItem('access_token')"))


def bearer(page: Page) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(page)}"}


# ---- subscribers and SMS


@contextmanager
def operator() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        login = http.post(
            f"{IDENTITY}/sessions",
            json={
                "email": os.environ.get("OPERATOR_EMAIL", "operador@demo.ec"),
                "password": operator_password(),
            },
        )
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield http


def new_mobile_subscriber(http: httpx.Client) -> str:
    """A new account with one active mobile subscription and no invoice yet: its number as a
    person types it (0 9x xxx xxxx)."""
    rng = random.Random()
    plan = PLANS["movil"]
    assert http.put(f"{BILLING}/admin/plans/{plan['code']}", json=plan).status_code == 200
    number = mobile_number(rng)
    account = {"holder": holder(rng, phone=""), "cycle_day": rng.randint(2, 28),
               "payment_method": "20"}  # fmt: skip
    created = http.post(f"{BILLING}/admin/accounts", json=account)
    assert created.status_code == 201, created.text
    sub = {"number": number, "service_type": "movil", "plan_code": plan["code"],
           "start_date": "2026-01-01"}  # fmt: skip
    added = http.post(
        f"{BILLING}/admin/accounts/{created.json()['account_id']}/subscriptions", json=sub
    )
    assert added.status_code == 201, added.text
    return number


def sms_to(http: httpx.Client, number: str) -> list[dict[str, Any]]:
    """What the SMSC simulator received for ``number`` (as typed), newest first."""
    found = http.get(f"{SMSC}/api/messages", params={"to": e164(number)})
    found.raise_for_status()
    return list(found.json())


def new_code(http: httpx.Client, number: str, before: int) -> str:
    """The code of the SMS to ``number`` after the ``before`` it had already received."""

    def arrived() -> list[dict[str, Any]] | None:
        messages = sms_to(http, number)
        return messages if len(messages) > before else None

    return code_in(until(arrived, f"the SMS to {number}")[0])


def quietest_demo_mobile(http: httpx.Client) -> str:
    """The demo mobile that received the fewest SMS today (UTC): lines sends at most 10 a day to
    one number, and every run of the journey sends one."""
    today = datetime.now(UTC).date().isoformat()

    def sent_today(number: str) -> int:
        return sum(str(m.get("received_at", "")).startswith(today) for m in sms_to(http, number))

    return min(DEMO_MOBILES, key=sent_today)


def generar(page: Page) -> None:
    """«GENERAR» until lines knows the subscription (billing's event arrives a moment after the
    operator creates it; until then the API says it is not a subscriber)."""
    field = page.get_by_label("Número de teléfono")
    sent = page.get_by_text("Te enviamos un código de verificación por SMS")

    def pressed() -> bool:
        page.get_by_role("button", name="GENERAR").click()
        expect(sent.or_(page.get_by_text(NOT_A_SUBSCRIBER))).to_be_visible()
        if sent.is_visible():
            return True
        expect(field).to_have_accessible_description(re.compile(NOT_A_SUBSCRIBER))
        return False

    until(pressed, "lines to learn the subscription", SUBSCRIPTION_ARRIVES)


# ---- what the portal shows


def shown_number(national: str) -> str:
    """A mobile as the portal writes it: 099 123 4567."""
    digits = "".join(c for c in national if c.isdigit())
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def masked(national: str) -> str:
    """Where lines says the code went: 09•••••567."""
    digits = "".join(c for c in national if c.isdigit())
    return f"{digits[:2]}{'•' * (len(digits) - 5)}{digits[-3:]}"


def money(value: str) -> str:
    """A decimal string as the portal writes it (es-EC): "1234.5" → "$ 1.234,50"."""
    negative = value.startswith("-")
    whole, _, cents = value.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{'-' if negative else ''}$ {grouped},{cents:0<2}"


MONTHS = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre")  # fmt: skip


def month(label: str) -> str:
    """A period as the portal writes it: "2026-11" → "Noviembre 2026"."""
    year, number = label.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def long_date(value: str) -> str:
    """A date as the portal writes it: "2026-12-16" → "16 de diciembre de 2026"."""
    year, number, day = value.split("-")
    return f"{int(day)} de {MONTHS[int(number) - 1].lower()} de {year}"


def snap(page: Page, step: str) -> None:
    """Screenshots of the screen as it is at 1280 and at 360 px (``journey-<step>-<width>.png``)."""
    size = page.viewport_size or {"width": DESKTOP, "height": 900}
    for width in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": 900 if width == DESKTOP else 780})
        screenshot(page, step)
    page.set_viewport_size(size)


def verified_line(http: httpx.Client, headers: dict[str, str], number: str) -> str:
    """GENERAR and Aceptar through lines' API (no browser): the verified line's id."""
    before = len(sms_to(http, number))

    def created() -> httpx.Response | None:
        answer = http.post(f"{LINES}/lines", json={"service_type": "movil", "number": number},
                           headers=headers)  # fmt: skip
        not_yet = answer.status_code == 422 and answer.json()["error"]["code"] == "not_a_subscriber"
        return None if not_yet else answer

    answer = until(created, "lines to learn the subscription", SUBSCRIPTION_ARRIVES)
    assert answer.status_code == 201, answer.text
    line_id = str(answer.json()["line_id"])
    code = {"code": new_code(http, number, before)}
    verified = http.post(f"{LINES}/lines/{line_id}/verification", json=code, headers=headers)
    assert verified.status_code == 200, verified.text
    return line_id
