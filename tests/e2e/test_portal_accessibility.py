"""axe-core on every screen of the portal, at 360 px and 1280 px, in Chromium through the
gateway: no serious or critical violation (WCAG 2.x A/AA and axe's best practices), in the
screen's first state and, for a form, after an empty submit has put its field errors on show.
A screenshot of each state goes to .local/screenshots/a11y-<screen>-<state>-<width>.png.

SCREENS is the one list: an account screen is reached after a real login of a customer holding
a verified demo line, and must show its heading in the main region before it is scanned.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import WIDTHS, axe_violations, chromium, describe, portal, screenshot
from tests.portal_support import LineHolder, demo_line_holder, log_in

INITIAL, ERRORS = "inicial", "errores"


@dataclass(frozen=True)
class Screen:
    name: str
    path: str  # "{line_id}": the holder's verified line
    heading: str  # accessible name (a part of it) of a heading inside the main region
    submit: str | None = None  # the form's button: pressed empty, it shows the field errors
    account: bool = False  # behind the login


SCREENS = (
    Screen("registro", "/registro", "Datos del Registro", submit="CONTINUAR"),
    Screen("ingresar", "/ingresar", "Ingresa a Mi Claro", submit="INGRESAR"),
    Screen("inicio", "/", "Ingresa a Mi Claro"),  # / sends people to the login
    Screen("activar-invalido", "/activar?token=enlace-que-no-existe", "El enlace no es válido"),
    Screen("olvide", "/olvide", "¿Olvidaste tu contraseña?", submit="ENVIAR ENLACE"),
    Screen(
        "restablecer",
        "/restablecer?token=enlace-de-prueba",
        "Restablecer contraseña",
        submit="GUARDAR CONTRASEÑA",
    ),
    Screen("reenviar", "/reenviar", "Reenviar el correo", submit="REENVIAR CORREO"),
    Screen("terminos", "/terminos", "Términos y Condiciones del Servicio"),
    Screen("mis-servicios", "/cuenta#servicios", "Mis servicios", account=True),
    Screen("agregar", "/cuenta#agregar", "Selecciona el tipo de servicio", account=True),
    # The line's own screen ("Consultar") is headed by its number, however it is spaced.
    Screen("linea", "/cuenta#linea/{line_id}", "{number}", account=True),
    Screen("ver-factura", "/cuenta#linea/{line_id}/facturas", "Ver Factura", account=True),
    Screen(
        "estado-de-cuenta",
        "/cuenta#linea/{line_id}/estado-de-cuenta",
        "Estado de cuenta",
        account=True,
    ),
)
CASES = [(s, INITIAL) for s in SCREENS] + [(s, ERRORS) for s in SCREENS if s.submit]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def holder() -> LineHolder:
    return demo_line_holder()


def heading_name(screen: Screen, holder: LineHolder | None) -> str | re.Pattern[str]:
    if screen.heading != "{number}" or holder is None:
        return screen.heading
    # 0991234567 also as "099 123 4567" or "+593 99 123 4567".
    return re.compile(r"\D*".join(holder.number.removeprefix("0")))


def open_screen(page: Page, screen: Screen, holder: LineHolder | None) -> None:
    if holder is not None:
        log_in(page, holder.email, holder.password)
    page.goto(screen.path.format(line_id=holder.line_id if holder else ""))
    page.wait_for_load_state("networkidle")
    name = heading_name(screen, holder)
    expect(page.get_by_role("main").get_by_role("heading", name=name).first).to_be_visible()


def show_field_errors(page: Page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("screen", "state"), CASES, ids=[f"{s.name}-{st}" for s, st in CASES])
def test_no_serious_or_critical_violations(
    browser: Browser, screen: Screen, state: str, width: int, request: pytest.FixtureRequest
) -> None:
    holder = request.getfixturevalue("holder") if screen.account else None
    with portal(browser, width) as context:
        page = context.new_page()
        open_screen(page, screen, holder)
        if state == ERRORS:
            assert screen.submit
            show_field_errors(page, screen.submit)
        screenshot(page, f"a11y-{screen.name}-{state}")
        violations = axe_violations(page)
        assert not violations, f"{screen.name} ({state}, {width} px): {describe(violations)}"
