"""The seed guide's whole customer journey in Chromium, through the gateway, by the guide's
labels: sign up (test-mode captcha), activate from Mailpit's email, log in, «Móvil», a demo
subscriber's number, «GENERAR», the SMS code from the simulator, «Aceptar», «Mis servicios»,
«Consultar», «Facturación» → «Ver Factura», a month's RIDE (the PDF and its clave de acceso),
the XML, «Estado de cuenta» (billing's figures), «Cerrar sesión». A screenshot of every step
at 1280 and 360 px (``.local/screenshots/journey-*``)."""

import io
import re
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, Response, expect
from pypdf import PdfReader

from tests.account_support import (
    PASSWORD,
    activation_path,
    bearer,
    long_date,
    masked,
    money,
    month,
    new_code,
    quietest_demo_mobile,
    shown_number,
    sms_to,
    snap,
)
from tests.billing_support import BILLING
from tests.browser_support import chromium, portal
from tests.support import make_cedula, unique_email

expect.set_options(timeout=15_000)
CLAVE = re.compile(r"<claveAcceso>(\d{49})</claveAcceso>")


def sign_up(page: Page, http: httpx.Client, email: str) -> None:
    page.goto("/registro")
    page.get_by_label("Correo Electrónico").fill(email)
    page.get_by_label("Nombres").fill("Lucía")
    page.get_by_label("Apellidos").fill("Guamán Quishpe")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmar Contraseña").fill(PASSWORD)
    page.get_by_label("Número de identificación").fill(make_cedula())
    expect(page.get_by_role("img", name=re.compile("Código de verificación"))).to_be_visible()
    page.get_by_label("Escribe el código de la imagen").fill("prueba-e2e")
    page.get_by_label("He leído y acepto los Términos y Condiciones del Servicio").check()
    snap(page, "journey-registro")
    page.get_by_role("button", name="CONTINUAR").click()
    expect(page.get_by_role("heading", name="¡Ya casi está lista tu cuenta!")).to_be_visible()
    page.goto(activation_path(http, email))
    expect(page.get_by_text("Ya puedes ingresar")).to_be_visible()
    snap(page, "journey-activar")


def log_in(page: Page, email: str) -> None:
    page.goto("/ingresar")
    page.get_by_label("Correo Electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    snap(page, "journey-ingresar")
    page.get_by_role("button", name="INGRESAR").click()
    expect(page.get_by_role("heading", name="Mis servicios")).to_be_visible()
    expect(page.get_by_text("Aún no tienes servicios registrados")).to_be_visible()
    snap(page, "journey-sin-servicios")


def add_line(page: Page, http: httpx.Client, number: str) -> None:
    page.get_by_role("link", name="Agregar servicio").click()
    expect(page.get_by_role("heading", name="Selecciona el tipo de servicio")).to_be_visible()
    snap(page, "journey-tipo-de-servicio")
    page.get_by_role("link", name="Móvil").click()
    expect(page.get_by_role("heading", name="Agregar servicio Móvil")).to_be_visible()
    page.get_by_label("Número de teléfono").fill(number)
    before = len(sms_to(http, number))
    page.get_by_role("button", name="GENERAR").click()
    expect(page.get_by_text(f"por SMS al {masked(number)}")).to_be_visible()
    page.get_by_label("CÓDIGO").fill(new_code(http, number, before))
    snap(page, "journey-codigo")
    page.get_by_role("button", name="Aceptar").click()
    expect(page.get_by_role("heading", name="Mis servicios")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Agregaste la línea")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Móvil {shown_number(number)}")).to_be_visible()
    snap(page, "journey-mis-servicios")


def invoices(page: Page, http: httpx.Client, number: str) -> list[dict[str, str]]:
    """Consultar → Facturación → Ver Factura: the months, newest first, as billing lists them."""
    page.get_by_role("link", name=f"Consultar {shown_number(number)}").click()
    expect(page.get_by_role("heading", name=f"Móvil {shown_number(number)}")).to_be_visible()
    expect(page.get_by_role("heading", name="Última factura")).to_be_visible()
    snap(page, "journey-consultar")
    page.get_by_role("button", name="Facturación").click()
    page.get_by_role("link", name="Ver Factura").click()
    expect(page.get_by_role("heading", name="Ver Factura", exact=True)).to_be_visible()
    rows = http.get(f"{BILLING}/invoices", params={"line": number}, headers=bearer(page)).json()
    assert len(rows) >= 3
    periods = page.get_by_role("list", name="Facturas por mes de corte").get_by_role("heading")
    expect(periods).to_have_text([month(row["period"]) for row in rows])
    snap(page, "journey-facturas")
    return list(rows)


def open_ride(page: Page, invoice: dict[str, str]) -> Response:
    """«Ver Factura» of a month: the page follows billing's 302 to the signed RIDE link and
    shows the PDF in the page."""
    label = month(invoice["period"])
    with page.expect_response(lambda r: "/api/rendering/v1/rides/" in r.url) as answer:
        page.get_by_role("button", name=f"Ver Factura de {label}").click()
    expect(page.get_by_role("heading", name=f"Factura en formato RIDE: {label}")).to_be_visible()
    expect(page.get_by_title(f"RIDE de la factura {invoice['number']}")).to_be_visible()
    page.wait_for_timeout(3000)  # only for the screenshot: the PDF viewer draws the page
    snap(page, "journey-ride")
    return answer.value


def embedded_clave(pdf: bytes) -> str:
    """The clave de acceso of the authorized XML the RIDE carries (PDF/A-3 attachment)."""
    [xml] = [b"".join(x) for x in PdfReader(io.BytesIO(pdf)).attachments.values()]
    found = CLAVE.search(xml.decode())
    assert found, xml[:300]
    return found.group(1)


def download(page: Page, control: Locator, tmp: Path) -> bytes:
    with page.expect_download() as started:
        control.click()
    target = tmp / started.value.suggested_filename
    started.value.save_as(target)
    return target.read_bytes()


def statement(page: Page, http: httpx.Client, number: str, invoice: dict[str, str]) -> None:
    """«Estado de cuenta», top right: billing's statement of the month just opened."""
    page.get_by_role("link", name="Estado de cuenta").click()
    expect(page.get_by_role("heading", name="Estado de cuenta")).to_be_visible()
    expect(page.get_by_label("Mes de corte")).to_have_value(invoice["period"])
    params = {"line": number, "period": invoice["period"]}
    figures = http.get(f"{BILLING}/statement", params=params, headers=bearer(page)).json()
    shown = {
        "Saldo anterior": money(figures["previous_balance"]),
        "Pagos": money(figures["payments"]),
        "Consumos del mes": money(figures["charges"]),
        "Ajustes": money(figures["adjustments"]),
        "Saldo a pagar": money(figures["balance_due"]),
        "Fecha máxima de pago": long_date(figures["due_date"]),
    }
    summary = page.get_by_role("table", name=f"Resumen de {month(invoice['period'])}")
    for term, value in shown.items():
        row = summary.get_by_role("row", name=re.compile(f"^{term}"))
        expect(row.get_by_role("cell")).to_have_text(value)
    snap(page, "journey-estado-de-cuenta")


def test_the_whole_journey_from_sign_up_to_the_statement(tmp_path: Path) -> None:
    email = unique_email("viaje")
    with httpx.Client(timeout=30) as http, chromium() as browser, portal(browser) as context:
        number = quietest_demo_mobile(http)
        page = context.new_page()
        sign_up(page, http, email)
        log_in(page, email)
        add_line(page, http, number)
        # The session lives in this tab's sessionStorage; nothing is left in localStorage.
        assert page.evaluate("() => localStorage.length") == 0
        assert page.evaluate("() => sessionStorage.getItem('refresh_token')")
        rows = invoices(page, http, number)
        newest = rows[0]
        detail = http.get(f"{BILLING}/invoices/{newest['invoice_id']}", headers=bearer(page))
        access_key = detail.json()["access_key"]
        ride = open_ride(page, newest)
        assert ride.status == 200
        assert ride.headers["content-type"] == "application/pdf"
        # The PDF the page shows (its blob: «Descargar PDF»): the RIDE of that invoice.
        pdf = download(page, page.get_by_role("link", name="Descargar PDF"), tmp_path)
        assert pdf.startswith(b"%PDF")
        assert embedded_clave(pdf) == access_key
        assert (
            access_key.encode() in pdf
            or access_key in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        )
        xml = download(page, page.get_by_role("button", name="Descargar XML"), tmp_path).decode()
        found = CLAVE.search(xml)
        assert found and found.group(1) == access_key

        statement(page, http, number, newest)

        page.get_by_role("button", name="Cerrar sesión").click()
        expect(page.get_by_text("Cerraste tu sesión.")).to_be_visible()
        snap(page, "journey-sesion-cerrada")
        page.goto("/cuenta")
        expect(page).to_have_url(re.compile(r"/ingresar"))
        expect(page.get_by_role("heading", name="Ingresa a Mi Claro")).to_be_visible()
