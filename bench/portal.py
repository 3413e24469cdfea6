"""Benchmark (not a test): Lighthouse-style figures for the portal, from Chromium's own
Performance API, through the gateway (Debian's headless Chromium, as the browser tests).

    make up && PYTHONPATH=. uv run python bench/portal.py --runs 3

Two pages: the login page (/ingresar) and the invoice list (/cuenta#linea/<id>/facturas) of a
new customer holding a verified demo line (tests/portal_support.py), logged in through
/ingresar. Each is loaded cold (a fresh browser context: empty cache; the invoice list gets the
session the login page stored in another context, so its cache is empty too) and then warm (the
same context, reloaded). Figures, medians of ``--runs``:
- FCP: first-contentful-paint (``performance.getEntriesByType('paint')``);
- transferred: the navigation's and every resource's ``transferSize`` (headers and bodies as
  they came over the wire, gzipped when the gateway compressed them; 0 when the cache answered);
- bodies: their ``encodedBodySize``; requests: how many entries;
- API: for the invoice list, when the last ``/api/`` answer had arrived (ms since navigation).
Goals (issue 10): ≤ 100 KB transferred for the login page (gzip), FCP ≤ 500 ms locally.
"""

import argparse
import json
import statistics
from collections.abc import Callable

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser_support import DESKTOP, chromium, portal
from tests.portal_support import LineHolder, demo_line_holder, log_in
from tests.support import GATEWAY

GOAL_LOGIN_KB, GOAL_FCP_MS = 100, 500
FIGURES = """() => {
  const [nav] = performance.getEntriesByType('navigation');
  const entries = [nav, ...performance.getEntriesByType('resource')];
  const fcp = performance.getEntriesByType('paint')
    .find((entry) => entry.name === 'first-contentful-paint');
  const api = entries.filter((entry) => new URL(entry.name).pathname.startsWith('/api/'));
  const sum = (key) => entries.reduce((total, entry) => total + entry[key], 0);
  return {
    fcp: fcp ? fcp.startTime : null,
    transferred: sum('transferSize'),
    bodies: sum('encodedBodySize'),
    requests: entries.length,
    api: api.length ? Math.max(...api.map((entry) => entry.responseEnd)) : null,
  };
}"""
Figures = dict[str, float | None]


def settled(page: Page) -> Figures:
    """The page's figures once the network is quiet (its scripts' API calls done)."""
    page.wait_for_load_state("networkidle")
    figures: Figures = page.evaluate(FIGURES)
    return figures


def cold_and_warm(context: BrowserContext, path: str) -> tuple[Page, Figures, Figures]:
    page = context.new_page()
    page.goto(path)
    cold = settled(page)
    page.reload()
    return page, cold, settled(page)


def login_page(browser: Browser) -> tuple[Figures, Figures]:
    with portal(browser, DESKTOP) as context:
        _, cold, warm = cold_and_warm(context, "/ingresar")
        return cold, warm


def session_of(browser: Browser, holder: LineHolder) -> dict[str, str]:
    """What the portal keeps in sessionStorage after a login through /ingresar."""
    with portal(browser, DESKTOP) as context:
        page = context.new_page()
        log_in(page, holder.email, holder.password)
        stored: dict[str, str] = page.evaluate(
            "() => Object.fromEntries(Object.entries(sessionStorage))"
        )
        return stored


def invoice_list(browser: Browser, holder: LineHolder) -> tuple[Figures, Figures] | None:
    """Cold and warm figures, or None while the page has no "Ver Factura" screen."""
    session = json.dumps(session_of(browser, holder))
    with portal(browser, DESKTOP) as context:
        # A fresh login's session in a fresh (cache-less) context, before the page's scripts run.
        context.add_init_script(
            f"try {{ if (!sessionStorage.length) for (const [k, v] of Object.entries({session}))"
            " sessionStorage.setItem(k, v); } catch (e) {}"
        )
        page, cold, warm = cold_and_warm(context, f"/cuenta#linea/{holder.line_id}/facturas")
        if "/cuenta" not in page.url:
            raise SystemExit(f"the login's session did not open the account page: {page.url}")
        heading = page.get_by_role("main").get_by_role("heading", name="Ver Factura")
        return (cold, warm) if heading.count() else None


def medians(runs: list[Figures]) -> Figures:
    def median(key: str) -> float | None:
        values = [value for run in runs if (value := run[key]) is not None]
        return statistics.median(values) if values else None

    return {key: median(key) for key in ("fcp", "transferred", "bodies", "requests", "api")}


def measure(
    runs: int, once: Callable[[], tuple[Figures, Figures] | None]
) -> tuple[Figures, Figures] | None:
    """The medians of ``runs`` cold and warm loads; None when a load says the page is missing."""
    loads = []
    for _ in range(runs):
        if (found := once()) is None:
            return None
        loads.append(found)
    return medians([cold for cold, _ in loads]), medians([warm for _, warm in loads])


def show(name: str, load: str, figures: Figures) -> None:
    def shown(key: str, scale: float = 1, digits: int = 0) -> str:
        value = figures[key]
        return "" if value is None else f"{value / scale:.{digits}f}"

    print(
        f"{name:<13} {load:<5} {shown('fcp'):>7} {shown('transferred', 1024, 1):>15} "
        f"{shown('bodies', 1024, 1):>10} {shown('requests'):>9} {shown('api'):>7}"
    )


def verdict(label: str, value: float | None, goal: float, unit: str) -> None:
    met = value is not None and value <= goal
    shown = "n/a" if value is None else f"{value:.1f} {unit}"
    print(f"  {label}: {shown} (goal ≤ {goal} {unit}): {'met' if met else 'NOT MET'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    holder = demo_line_holder()
    print(f"portal at {GATEWAY}, Chromium {DESKTOP} px, medians of {args.runs} runs")
    print(f"{'page':<13} {'load':<5} {'FCP ms':>7} {'transferred KB':>15} {'bodies KB':>10} "
          f"{'requests':>9} {'API ms':>7}")  # fmt: skip
    results: dict[str, Figures] = {}
    with chromium() as browser:
        for name, once in (
            ("login", lambda: login_page(browser)),
            ("invoice list", lambda: invoice_list(browser, holder)),
        ):
            if (found := measure(args.runs, once)) is None:
                print(f"{name}: not available")
                continue
            for load, figures in zip(("cold", "warm"), found, strict=True):
                show(name, load, figures)
                results[f"{name} {load}"] = figures
    print("goals:")
    sent = results["login cold"]["transferred"]
    verdict("login cold, transferred", None if sent is None else sent / 1024, GOAL_LOGIN_KB, "KB")
    for name, figures in results.items():
        verdict(f"{name}, FCP", figures["fcp"], GOAL_FCP_MS, "ms")


if __name__ == "__main__":
    main()
