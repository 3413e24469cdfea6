"""The account area's wrong paths and states in Chromium, through the gateway, by accessible
names: a number that is not a subscriber, a wrong SMS code (attempts left under «CÓDIGO»), the
resend countdown, a verified line without invoices, removing a line, no lines yet, a service
that does not answer («Reintentar»), an invoice pending SRI's authorization, the silent token
refresh, and an expired session that comes back to the same screen after the login.

The states the shared stack cannot be put in without disturbing other tests (a 503 from lines,
an invoice pending at SRI, a RIDE not rendered yet) are answered by Playwright's page.route
in place of the API; everything else is the real stack."""

import random
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.account_support import (
    PASSWORD,
    activated_customer,
    bearer,
    generar,
    log_in,
    new_code,
    new_mobile_subscriber,
    operator,
    shown_number,
    sms_to,
    snap,
    verified_line,
)
from tests.billing_support import mobile_number
from tests.browser_support import chromium, portal
from tests.support import GATEWAY, IDENTITY

expect.set_options(timeout=15_000)
FIRST_INVOICE = "Tu primera factura estará disponible después del corte."
RIDE_NOT_READY = "La factura aún no tiene su RIDE; intenta en unos minutos."


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture
def email(http: httpx.Client) -> str:
    return activated_customer(http)


@pytest.fixture
def page(browser: Browser, email: str) -> Iterator[Page]:
    """A new activated customer, logged in on /cuenta (Mis servicios)."""
    with portal(browser) as context:
        page = context.new_page()
        log_in(page, email)
        expect(page.get_by_role("heading", name="Mis servicios")).to_be_visible()
        yield page


def add_mobile(page: Page, number: str) -> None:
    page.goto("/cuenta#agregar/movil")
    page.get_by_label("Número de teléfono").fill(number)


def test_numbers_lines_will_not_take_are_refused_next_to_the_field(page: Page) -> None:
    add_mobile(page, "12345")
    page.get_by_role("button", name="GENERAR").click()
    field = page.get_by_label("Número de teléfono")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("número"))

    stranger = mobile_number(random.Random())
    add_mobile(page, stranger)
    page.get_by_role("button", name="GENERAR").click()
    message = (
        f"No encontramos un servicio Móvil activo con el número {shown_number(stranger)}. "
        "Revisa el número y el tipo de servicio."
    )
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(field).to_be_focused()
    snap(page, "cuenta-numero-no-suscriptor")


def test_a_wrong_code_shows_the_attempts_left_then_the_right_one_adds_the_line(
    page: Page, http: httpx.Client
) -> None:
    with operator() as op:
        number = new_mobile_subscriber(op)
    add_mobile(page, number)
    before = len(sms_to(http, number))
    generar(page)
    code = new_code(http, number, before)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    box = page.get_by_label("CÓDIGO")
    box.fill(wrong)
    page.get_by_role("button", name="Aceptar").click()
    expect(box).to_have_accessible_description(
        re.compile("Código incorrecto. Te quedan 4 intentos.")
    )
    expect(box).to_have_attribute("aria-invalid", "true")
    snap(page, "cuenta-codigo-incorrecto")

    box.fill(code)
    page.get_by_role("button", name="Aceptar").click()
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"Móvil {shown_number(number)}")
    )
    expect(card.get_by_text("Verificada")).to_be_visible()


def test_resend_waits_for_the_countdown_then_a_pending_line_is_verified_later(
    page: Page, http: httpx.Client
) -> None:
    with operator() as op:
        number = new_mobile_subscriber(op)
    page.clock.install()  # the browser's clock only: lines keeps its own
    add_mobile(page, number)
    before = len(sms_to(http, number))
    generar(page)
    code = new_code(http, number, before)
    resend = page.get_by_role("button", name="Reenviar código")
    expect(resend).to_be_disabled()
    waiting = re.compile(r"Podrás pedir un nuevo código en \d+ segundos")
    expect(resend).to_have_accessible_description(waiting)
    snap(page, "cuenta-reenviar-espera")

    page.clock.fast_forward("01:01")
    expect(resend).to_be_enabled()
    expect(page.get_by_text("Ya puedes pedir un nuevo código.")).to_be_attached()

    # The page's clock ran ahead; lines' did not: it answers 429 with Retry-After.
    resend.click()
    expect(page.get_by_role("alert")).to_contain_text("para pedir un nuevo código")
    expect(resend).to_be_disabled()
    expect(resend).to_have_accessible_description(re.compile(r"en \d+ segundos"))

    # Left pending: «Mis servicios» offers to finish it, and the code sent still works.
    page.get_by_role("link", name="Mis servicios").first.click()
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"Móvil {shown_number(number)}")
    )
    expect(card.get_by_text("Pendiente de verificación")).to_be_visible()
    card.get_by_role("link", name=f"Ingresar código de {shown_number(number)}").click()
    expect(page.get_by_label("Número de teléfono")).to_have_value(shown_number(number))
    page.get_by_label("CÓDIGO").fill(code)
    page.get_by_role("button", name="Aceptar").click()
    expect(card.get_by_text("Verificada")).to_be_visible()


def test_a_new_customer_has_no_lines_and_a_silent_service_offers_to_retry(page: Page) -> None:
    page.route("**/api/lines/v1/lines", lambda route: route.fulfill(
        status=503, json={"error": {"code": "service_unavailable", "message": "No disponible."}},
        headers={"Retry-After": "30"}))  # fmt: skip
    page.goto("/cuenta#servicios")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("No pudimos conectar")
    snap(page, "cuenta-servicio-no-disponible")
    page.unroute("**/api/lines/v1/lines")
    page.get_by_role("button", name="Reintentar").click()
    expect(page.get_by_text("Aún no tienes servicios registrados")).to_be_visible()
    snap(page, "cuenta-sin-servicios")


def test_a_line_without_invoices_then_pending_sri_then_removed(
    page: Page, http: httpx.Client
) -> None:
    with operator() as op:
        number = new_mobile_subscriber(op)
    line_id = verified_line(http, bearer(page), number)

    page.goto(f"/cuenta#linea/{line_id}")
    expect(page.get_by_text(FIRST_INVOICE)).to_be_visible()
    page.get_by_role("button", name="Facturación").click()
    page.get_by_role("link", name="Ver Factura").click()
    expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_visible()
    expect(page.get_by_text(FIRST_INVOICE)).to_be_visible()
    snap(page, "cuenta-sin-facturas")
    page.get_by_role("link", name="Estado de cuenta").click()
    expect(page.get_by_text(FIRST_INVOICE)).to_be_visible()

    # An invoice SRI has not authorized yet, and one whose RIDE is not rendered yet.
    rows = [
        {"invoice_id": "1790011674001-001-001-000000902", "period": "2026-11",
         "number": "001-001-000000902", "total": "1234.5", "status": "pending"},
        {"invoice_id": "1790011674001-001-001-000000901", "period": "2026-10",
         "number": "001-001-000000901", "total": "17.25", "status": "authorized"},
    ]  # fmt: skip
    page.route("**/api/billing/v1/invoices?line=*", lambda route: route.fulfill(json=rows))
    not_ready = {"code": "ride_not_ready", "message": RIDE_NOT_READY}
    page.route(
        "**/api/billing/v1/invoices/*/ride",
        lambda route: route.fulfill(status=409, json={"error": not_ready}),
    )
    page.goto(f"/cuenta#linea/{line_id}/facturas")
    pending = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Noviembre 2026")
    )
    expect(pending).to_contain_text("$ 1.234,50")
    expect(pending).to_contain_text("Pendiente de autorización del SRI")
    expect(pending.get_by_role("button")).to_have_count(0)
    page.get_by_role("button", name="Ver Factura de Octubre 2026").click()
    expect(page.get_by_role("alert")).to_contain_text("La factura aún no tiene su RIDE")
    expect(page.get_by_role("button", name="Reintentar")).to_be_visible()
    snap(page, "cuenta-factura-pendiente")
    page.unroute("**/api/billing/v1/invoices?line=*")
    page.unroute("**/api/billing/v1/invoices/*/ride")

    page.goto("/cuenta#servicios")
    remove = page.get_by_role("button", name=f"Eliminar {shown_number(number)}")
    remove.click()
    dialog = page.get_by_role("dialog", name="¿Eliminar esta línea?")
    expect(dialog).to_be_visible()
    snap(page, "cuenta-eliminar-confirmacion")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_hidden()
    expect(remove).to_be_visible()
    remove.click()
    dialog.get_by_role("button", name="Eliminar").click()
    expect(page.get_by_role("status").filter(has_text="Eliminaste la línea")).to_be_visible()
    expect(page.get_by_text("Aún no tienes servicios registrados")).to_be_visible()


def test_the_session_refreshes_silently_and_an_expired_one_comes_back_after_login(
    page: Page, http: httpx.Client, email: str
) -> None:
    with operator() as op:
        number = new_mobile_subscriber(op)
    line_id = verified_line(http, bearer(page), number)
    screen = f"/cuenta#linea/{line_id}/facturas"
    page.goto(screen)
    expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_visible()

    # The access token is a minute from expiring: the page refreshes it without asking anyone.
    first = bearer(page)
    page.evaluate("() => sessionStorage.setItem('expires_at', String(Date.now() + 30000))")
    with page.expect_response("**/api/identity/v1/sessions/refresh") as refreshed:
        page.reload()
    assert refreshed.value.status == 200
    expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_visible()
    assert bearer(page) != first

    # The session is revoked elsewhere (a logout on another device): the next load finds it
    # ended, goes to the login, and the login comes back to this very screen.
    logout = http.delete(f"{IDENTITY}/sessions/current", headers=bearer(page))
    assert logout.status_code == 204, logout.text
    page.reload()
    expect(page).to_have_url(re.compile(r"/ingresar\?volver="))
    expect(page.get_by_text("Tu sesión expiró. Inicia sesión nuevamente.")).to_be_visible()
    snap(page, "cuenta-sesion-expirada")
    page.get_by_label("Correo Electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="INGRESAR").click()
    expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_visible()
    assert page.url.endswith(screen)


def test_the_login_goes_back_only_to_a_path_of_the_portal(page: Page, email: str) -> None:
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_text("Cerraste tu sesión.")).to_be_visible()
    log_in(page, email, "/ingresar?volver=//ejemplo.com/cuenta")
    expect(page.get_by_role("heading", name="Mis servicios")).to_be_visible()
    assert page.url.startswith(GATEWAY) and page.url.endswith("/cuenta")
