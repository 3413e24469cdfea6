"""Adding a line with the keyboard alone (Tab, Shift+Tab, Enter, Space, and typing into the
fields; no mouse, no Escape), from «Mis servicios» to the verified line's screen: every control
on the way is reachable, operable and shows where the focus is."""

import re

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.account_support import (
    SUBSCRIPTION_ARRIVES,
    activated_customer,
    log_in,
    new_code,
    new_mobile_subscriber,
    operator,
    shown_number,
    sms_to,
    snap,
    until,
)
from tests.browser_support import chromium, portal

expect.set_options(timeout=15_000)


def focused(control: Locator) -> bool:
    return bool(control.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, control: Locator, key: str = "Tab") -> None:
    """Tab (or Shift+Tab) until ``control`` has the focus, which must show (a visible outline)."""
    for _ in range(30):
        page.keyboard.press(key)
        if focused(control):
            break
    else:
        raise AssertionError(f"{key} never reached {control}")
    style, width = control.evaluate(
        "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert style != "none" and width != "0px", (style, width)


def generar(page: Page, http: httpx.Client, number: str) -> str:
    """GENERAR by keyboard until lines knows the new subscription; the SMS code."""
    button = page.get_by_role("button", name="GENERAR")
    before = len(sms_to(http, number))

    def sent() -> bool:
        # On GENERAR, or on the number field the refusal moved the focus to: Enter submits.
        page.keyboard.press("Enter")
        sent_text = page.get_by_text("Te enviamos un código de verificación por SMS")
        expect(sent_text.or_(page.get_by_text("No encontramos un servicio"))).to_be_visible()
        return sent_text.is_visible()

    tab_to(page, button)
    until(sent, "lines to learn the subscription", SUBSCRIPTION_ARRIVES)
    return new_code(http, number, before)


def test_a_line_is_added_with_the_keyboard_alone() -> None:
    with httpx.Client(timeout=30) as http, operator() as op:
        number = new_mobile_subscriber(op)
        email = activated_customer(http)
        with chromium() as browser, portal(browser) as context:
            page = context.new_page()
            log_in(page, email)
            expect(page.get_by_role("heading", name="Mis servicios")).to_be_focused()

            tab_to(page, page.get_by_role("link", name="Agregar servicio"))
            page.keyboard.press("Enter")
            expect(
                page.get_by_role("heading", name="Selecciona el tipo de servicio")
            ).to_be_focused()
            tab_to(page, page.get_by_role("link", name="Internet"))
            tab_to(page, page.get_by_role("link", name="Móvil"), "Shift+Tab")
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="Agregar servicio Móvil")).to_be_focused()

            tab_to(page, page.get_by_label("Número de teléfono"))
            page.keyboard.type(number)
            code = generar(page, http, number)
            expect(page.get_by_label("CÓDIGO")).to_be_focused()
            page.keyboard.type(code)
            tab_to(page, page.get_by_role("button", name="Aceptar"))
            snap(page, "teclado-codigo")
            page.keyboard.press("Space")

            expect(page.get_by_role("heading", name="Mis servicios")).to_be_focused()
            consult = page.get_by_role("link", name=f"Consultar {shown_number(number)}")
            tab_to(page, consult)
            page.keyboard.press("Enter")
            expect(
                page.get_by_role("heading", name=f"Móvil {shown_number(number)}")
            ).to_be_focused()
            line = page.get_by_role("region", name=f"Móvil {shown_number(number)}")
            expect(line.get_by_text("Verificada")).to_be_visible()

            billing = page.get_by_role("button", name="Facturación")
            tab_to(page, billing)
            page.keyboard.press("Space")
            expect(billing).to_have_attribute("aria-expanded", "true")
            expect(page.get_by_role("link", name="Ver Factura")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page).to_have_url(re.compile(r"#linea/[^/]+/facturas$"))
            expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_focused()
            snap(page, "teclado-linea")
