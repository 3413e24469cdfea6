"""``render-ride``: any SRI factura from outside the project, and a clear refusal (exit 2)."""

import subprocess
import sys
from pathlib import Path

import pytest

from rendering import cli
from services.rendering.tests.unit import facturas as f
from services.rendering.tests.unit import pdf_tools as tools

CLAVE = "1410202601099258741000120021010000047112026101410"


def _script() -> str:
    script = Path(sys.executable).with_name("render-ride")
    if not script.is_file():
        pytest.fail(f"{script} is missing: the console script of services/rendering (uv sync)")
    return str(script)


def test_console_script_renders_a_hand_written_factura_of_another_issuer(tmp_path: Path) -> None:
    out = tmp_path / "ferreteria.pdf"
    done = subprocess.run(
        [_script(), str(f.HAND_WRITTEN), "-o", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    pdf = out.read_bytes()
    flat = tools.flat(tools.text(pdf))
    for expected in (
        "R.U.C.: 0992587410001",
        "No. 002-101-000004711",
        "SUBTOTAL 15% 91.26",
        "SUBTOTAL 5% 35.00",
        "SUBTOTAL 0% 12.75",
        "SUBTOTAL NO OBJETO DE IVA 2.00",
        "SUBTOTAL EXENTO DE IVA 10.00",
        "IVA 15% 13.69",
        "IVA 5% 1.75",
        "VALOR TOTAL 166.45",
    ):
        assert expected in flat, expected
    assert tools.attachments(pdf) == {f"{CLAVE}.xml": [f.HAND_WRITTEN.read_bytes()]}
    assert tools.barcodes(pdf) == [f"CODE-128:{CLAVE}"]


def test_hand_written_factura_is_valid_for_sris_xsd() -> None:
    from billing.adapters.sri_schema import (
        validate_factura,  # SRI's own schema, as billing checks it
    )

    assert validate_factura(f.HAND_WRITTEN.read_bytes()) == []


def test_the_same_factura_inside_sris_answer(tmp_path: Path) -> None:
    source = tmp_path / "autorizacion.xml"
    source.write_bytes(f.soap_answer(f.HAND_WRITTEN.read_bytes()))
    assert cli.main([str(source)]) == 0
    flat = tools.flat(tools.text((tmp_path / "autorizacion.pdf").read_bytes()))
    assert f"FECHA Y HORA DE AUTORIZACIÓN: {f.AUTHORIZED_PRINTED}" in flat


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"<html><body>hola</body></html>",
            "expected an SRI factura, notaCredito or notaDebito or its autorizacion",
        ),
        (b'{"factura": 1}', "not well-formed XML"),
    ],
)
def test_not_a_factura_exits_2_with_a_clear_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "otro.xml"
    source.write_bytes(content)
    done = subprocess.run([_script(), str(source)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("render-ride: error: ")
    assert "not a renderable SRI factura or nota" in done.stderr and message in done.stderr
    assert not (tmp_path / "otro.pdf").exists()


def test_unauthorized_and_unreadable_inputs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "rechazada.xml"
    source.write_bytes(f.soap_answer(f.HAND_WRITTEN.read_bytes(), ("NO AUTORIZADO", None)))
    assert cli.main([str(source), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "NO AUTORIZADO" in capsys.readouterr().err
    assert cli.main([str(tmp_path / "missing.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_unwritable_output_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(f.HAND_WRITTEN), "-o", str(tmp_path / "no" / "such" / "dir.pdf")]) == 1
    assert "cannot write" in capsys.readouterr().err
