"""The clave de acceso as a Code 128 barcode (docs/sri.md §6), as an inline SVG data URI.

python-barcode does the encoding (code sets, the switch to set C for digit pairs, the checksum);
the SVG is written here: one path of bars in a viewBox measured in modules, with the quiet zone
Code 128 requires, no text (the 49 digits are printed under it as text) and no DOCTYPE, so the
PDF gets crisp vector bars at any size.
"""

import base64
from itertools import groupby

from barcode import Code128

QUIET_ZONE = 10  # modules on each side, as the Code 128 specification requires
HEIGHT = 60  # modules; CSS sets the printed size


def code128_modules(data: str) -> str:
    """The bars and spaces of ``data`` in Code 128, as a string of 1 (bar) and 0 (space)."""
    modules: str = Code128(data).build()[0]
    return modules


def code128_svg(data: str) -> bytes:
    modules = code128_modules(data)
    width = len(modules) + 2 * QUIET_ZONE
    bars = []
    x = QUIET_ZONE
    for bit, run in groupby(modules):
        size = len(list(run))
        if bit == "1":
            bars.append(f"M{x} 0h{size}v{HEIGHT}h-{size}z")
        x += size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" '
        f'width="{width}" height="{HEIGHT}" preserveAspectRatio="none" '
        'shape-rendering="crispEdges">'
        f'<rect width="{width}" height="{HEIGHT}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    ).encode()


def code128_data_uri(data: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(code128_svg(data)).decode()
