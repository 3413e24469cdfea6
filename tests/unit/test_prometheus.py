"""The Prometheus scrape config and alert rules are valid, and the rules fire as their unit tests
(deploy/prometheus/alerts_test.yml) say: a rejected invoice pages, SRI down warns, and so on."""

import shutil
import subprocess

from tests.support import ROOT

PROMETHEUS = ROOT / "deploy/prometheus"
# From Debian's prometheus package, which deploy/local/stack.sh installs.
PROMTOOL = shutil.which("promtool")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL, "promtool is missing: run deploy/local/stack.sh install"
    return subprocess.run(
        [PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )


def test_alert_rules_are_valid() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_scrape_config_is_valid() -> None:
    result = promtool("check", "config", "--syntax-only", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_fire_as_specified() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
