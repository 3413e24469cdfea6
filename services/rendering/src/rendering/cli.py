"""``render-ride authorized.xml -o out.pdf``: the RIDE of any SRI factura, nota de crédito or
nota de débito, from the command line.

Accepts what ``read_document`` accepts (SRI's autorizacion, with or without the SOAP answer
around it; a signed or unsigned factura 1.1.0 or 2.1.0, notaCredito 1.1.0, notaDebito 1.0.0).
Exit status: 0 done, 2 the input is not a comprobante that can be rendered (or cannot be
read), 1 the PDF could not be written.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rendering.domain.ride import RideError

USAGE_ERROR = 2
WRITE_ERROR = 1


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="render-ride",
        description="Render the RIDE (PDF/A-3b, with the XML embedded) of an SRI factura or nota.",
    )
    parser.add_argument("xml", type=Path, help="the factura XML or SRI's autorizacion record")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="where to write the PDF (default: the input's name with .pdf)",
    )
    return parser.parse_args(argv)


def _fail(message: str, status: int) -> int:
    print(f"render-ride: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    source: Path = args.xml
    target: Path = args.output or source.with_suffix(".pdf")
    try:
        xml = source.read_bytes()
    except OSError as error:
        return _fail(f"cannot read {source}: {error.strerror or error}", USAGE_ERROR)
    # Imported here: WeasyPrint and its fonts load in ~0.5 s, not worth paying for --help.
    from rendering.adapters.pdf import render_ride

    try:
        pdf = render_ride(xml, doc_type=None)  # any comprobante the RIDE prints
    except RideError as error:
        return _fail(f"{source}: not a renderable SRI factura or nota: {error}", USAGE_ERROR)
    try:
        target.write_bytes(pdf)
    except OSError as error:
        return _fail(f"cannot write {target}: {error.strerror or error}", WRITE_ERROR)
    print(f"{target}: RIDE written ({len(pdf)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
