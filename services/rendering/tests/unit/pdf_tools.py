"""Read a RIDE back as a person or a machine would: its text (poppler's pdftotext), its barcode
(pdftoppm at 300 dpi, then zbarimg), its attachments and XMP metadata (pypdf).

A test that needs a missing binary is skipped with the package to install; deploy/local/stack.sh
installs both (poppler-utils, zbar-tools), so CI runs them.
"""

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdfdetach": "poppler-utils",
    "zbarimg": "zbar-tools",
}


def need(*binaries: str) -> None:
    for binary in binaries:
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is missing: apt-get install {PACKAGES[binary]} (stack.sh does)")


def _with_file(pdf: bytes, command: list[str]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ride.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            [*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
            capture_output=True,
            check=True,
            cwd=tmp,
        )
    return out.stdout.decode()


def text(pdf: bytes, page: int | None = None) -> str:
    """``pdftotext -layout`` of the whole PDF or of one page (1-based)."""
    need("pdftotext")
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    return _with_file(pdf, ["pdftotext", "-layout", *pages])


def flat(value: str) -> str:
    """Whitespace collapsed: a value is found whatever the columns around it."""
    return " ".join(value.split())


def pages(pdf: bytes) -> int:
    return len(_reader(pdf).pages)


def barcodes(pdf: bytes, page: int = 1) -> list[str]:
    """Every barcode zbarimg finds on ``page`` rasterised at 300 dpi, as ``TYPE:data``."""
    need("pdftoppm", "zbarimg")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "ride.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-gray",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        out = subprocess.run(
            ["zbarimg", "-q", str(Path(tmp) / "page.png")], capture_output=True, check=False
        )
    return out.stdout.decode().split()


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(_reader(pdf).attachments)


def detached(pdf: bytes) -> dict[str, bytes]:
    """The embedded files as poppler's pdfdetach saves them (an independent reader)."""
    need("pdfdetach")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "ride.pdf"
        source.write_bytes(pdf)
        out = Path(tmp) / "out"
        out.mkdir()
        subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(source)], check=True)
        return {p.name: p.read_bytes() for p in out.iterdir()}


def xmp(pdf: bytes) -> str:
    metadata = catalog(pdf)["/Metadata"].get_object()
    data: bytes = metadata.get_data()
    return data.decode()


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def catalog(pdf: bytes) -> Any:
    return _reader(pdf).trailer["/Root"]


def catalog_af(pdf: bytes) -> list[Any]:
    """The catalog's associated files (PDF/A-3 ``/AF``), each file specification resolved once
    (WeasyPrint lists the same specification twice)."""
    refs = {ref.idnum: ref for ref in catalog(pdf).get("/AF", [])}
    return [ref.get_object() for ref in refs.values()]


def fonts(pdf: bytes) -> set[str]:
    """The BaseFont of every font the pages use."""
    found = set()
    for page in _reader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            found.add(str(font.get_object()["/BaseFont"]))
    return found


def font_files(pdf: bytes) -> list[bool]:
    """For every font the pages use, whether its descendant's descriptor embeds the font file."""
    embedded = []
    for page in _reader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            descriptor = descendants[0].get_object()["/FontDescriptor"].get_object()
            embedded.append(any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    return embedded


def pdfaid(metadata: str) -> tuple[str | None, str | None]:
    """(part, conformance) of the XMP's pdfaid, as attributes or as elements."""
    found = []
    for name in ("part", "conformance"):
        match = re.search(rf'pdfaid:{name}(?:="([^"]*)"|>([^<]*)<)', metadata)
        found.append(next((g for g in match.groups() if g is not None), None) if match else None)
    return found[0], found[1]
