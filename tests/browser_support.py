"""The portal in a real browser: Debian's headless Chromium driven by Playwright (no browser
download: ``executable_path``), axe-core injected into a page for the accessibility scan, and
screenshots under ``.local/screenshots/`` (git-ignored) for people to look at.

Browser tests are synchronous (Playwright's sync API runs its own loop) and select elements by
their accessible names, the seed guide's labels, never by CSS classes.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support import GATEWAY, ROOT

CHROMIUM = "/usr/bin/chromium"
# stack.sh install_axe fetches this version from the npm registry.
AXE = ROOT / ".local/axe-core/4.14.1/axe.min.js"
SCREENSHOTS = ROOT / ".local/screenshots"
PHONE, DESKTOP = 360, 1280
WIDTHS = (PHONE, DESKTOP)
# What the scan must never find (axe's impacts: minor, moderate, serious, critical).
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # --no-sandbox: the tests may run as root (CI machines), where Chromium refuses its sandbox.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def portal(browser: Browser, width: int = DESKTOP) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies, no storage) on the gateway, in Spanish (Ecuador)."""
    height = 780 if width <= PHONE else 900
    context = browser.new_context(
        base_url=GATEWAY,
        viewport={"width": width, "height": height},
        locale="es-EC",
        timezone_id="America/Guayaquil",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def axe_violations(page: Page, impacts: frozenset[str] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now, of the given impacts."""
    # Evaluated through the DevTools protocol: the portal's CSP (script-src 'self') refuses a
    # script tag, and the scan must see the page under its real CSP.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa', 'best-practice']},
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable report for an assertion message: rule, impact and the offending elements."""
    return json.dumps(
        [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in violations
        ],
        ensure_ascii=False,
        indent=1,
    )


def screenshot(page: Page, name: str) -> Path:
    """Saves the whole page as ``.local/screenshots/<name>-<width>.png``."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    path = SCREENSHOTS / f"{slug}-{width}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
