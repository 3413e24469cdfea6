"""PDF/A-3b validation of rendered RIDEs by veraPDF (0 failed rules), not only the declaration.

The checker is deploy/local/verapdf/ (veraPDF's validation-model library and a few lines of
Java), built into .local/verapdf/ by ``deploy/local/stack.sh`` (``make up`` / ``make test``).
Skipped only while it has not been built. One JVM validates every file; a plain, non-PDF/A
WeasyPrint PDF goes with them to prove the checker does reject.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from weasyprint import HTML

from rendering.adapters.pdf import render_ride
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import notes as n

ROOT = Path(__file__).resolve().parents[4]
CHECKER = ROOT / ".local" / "verapdf"
JAR = CHECKER / "target" / "verapdf-check.jar"
CLASSPATH = CHECKER / "classpath.txt"


def _classpath() -> str:
    if not (JAR.is_file() and CLASSPATH.is_file()):
        pytest.skip(f"the veraPDF checker is not built ({JAR}): deploy/local/stack.sh install")
    if shutil.which("java") is None:
        pytest.skip("java is missing: apt-get install openjdk-17-jre-headless (stack.sh does)")
    jars = CLASSPATH.read_text().strip().split(":")
    if not all(Path(j).is_file() for j in jars):
        pytest.skip("a veraPDF jar left ~/.m2: deploy/local/stack.sh install resolves it again")
    return ":".join([str(JAR), *jars])


def test_rendered_rides_pass_verapdf_for_pdf_a_3b(tmp_path: Path) -> None:
    classpath = _classpath()
    rides = {
        "one-rate.pdf": render_ride(f.authorized(f.one_rate())),
        "several-rates-ice.pdf": render_ride(f.authorized(f.with_ice())),
        "sixty-lines.pdf": render_ride(f.authorized(f.many_lines())),
        "other-issuer.pdf": render_ride(f.HAND_WRITTEN.read_bytes()),
        "credit-note.pdf": render_ride(n.authorized(n.credit_note()), "04"),
        "debit-note.pdf": render_ride(n.authorized(n.debit_note()), "05"),
        "control-not-pdfa.pdf": HTML(string="<p>sin PDF/A</p>").write_pdf(),
    }
    for name, pdf in rides.items():
        (tmp_path / name).write_bytes(pdf)
    done = subprocess.run(
        ["java", "-cp", classpath, "local.selfcare.verapdf.Main", "--flavour", "3b"]
        + [str(tmp_path / name) for name in rides],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = done.stdout + done.stderr
    verdicts = dict(re.findall(r"/([\w-]+\.pdf): PDF/A-3B (.+)", done.stdout))
    for name in rides:
        expected = "NOT compliant" if name.startswith("control") else "compliant, failed rules: 0"
        assert verdicts.get(name, "").startswith(expected), report
    assert done.returncode == 1, report  # the control, and only it, fails
