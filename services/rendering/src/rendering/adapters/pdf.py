"""RIDE → PDF/A-3b: a Jinja2 HTML template and CSS laid out by WeasyPrint on A4, in Spanish.

The authorized XML is embedded as the PDF's associated file (relationship Source), byte for
byte: the PDF is the printed representation, the XML the fiscal document it comes from.

A ``RideRenderer`` parses its template, stylesheet and fonts once and renders any number of
documents; ``render_ride`` uses one per process. Autoescaping is on for every value, and the
URL fetcher serves only the package's assets (``assets.PackageAssetFetcher``), so a factura's
text can never make the renderer fetch anything.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from rendering.adapters.assets import PACKAGE, PackageAssetFetcher, asset_url
from rendering.adapters.barcode import code128_data_uri
from rendering.domain.documents import read_document
from rendering.domain.ride import Ride

PDF_VARIANT = "pdf/a-3b"
TEMPLATE = "ride.html"
STYLESHEET = "templates/ride.css"
LOGO = "assets/logo.svg"
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Two decimals, point as separator, as the XML writes amounts: 1234.5 → "1234.50"."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def detail(value: Decimal) -> str:
    """cantidad / precioUnitario: up to 6 decimals as written, at least 2: "2.500000" → "2.50"."""
    text = f"{value:f}"
    if "." not in text:
        return f"{text}.00"
    whole, fraction = text.split(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def plain(value: Decimal) -> str:
    """A count such as a plazo: "15.00" → "15", "7.5" → "7.5"."""
    return f"{value.normalize():f}"


def cell(value: str | Decimal) -> str:
    return money(value) if isinstance(value, Decimal) else value


def _moment(ride: Ride) -> datetime:
    """The attachment's date: the issue date (fixed per document, so output is reproducible)."""
    try:
        return datetime.strptime(ride.issue_date, "%d/%m/%Y")
    except ValueError:
        return datetime(2000, 1, 1)


class RideRenderer:
    """Template, stylesheet and fonts loaded once; ``render`` is then one WeasyPrint layout."""

    def __init__(self) -> None:
        self.fetcher = PackageAssetFetcher()
        self.font_config = FontConfiguration()
        # WeasyPrint's image cache, kept across documents: the logo is parsed once per worker.
        self.image_cache: dict[str, object] = {}
        environment = Environment(
            loader=FileSystemLoader(PACKAGE / "templates"),
            autoescape=True,  # every value from the XML is text, never markup
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters.update(money=money, detail=detail, plain=plain, cell=cell)
        self.template = environment.get_template(TEMPLATE)
        self.stylesheet = CSS(
            url=asset_url(STYLESHEET), url_fetcher=self.fetcher, font_config=self.font_config
        )

    def html(self, ride: Ride) -> str:
        return self.template.render(
            ride=ride,
            logo_url=asset_url(LOGO),
            barcode_url=code128_data_uri(ride.access_key),
        )

    def pdf(self, ride: Ride, xml: bytes) -> bytes:
        """The PDF/A-3b of ``ride`` with ``xml`` (its source, unchanged) embedded."""
        moment = _moment(ride)
        attachment = Attachment(
            string=xml,
            name=f"{ride.access_key}.xml",
            description=f"{ride.name} {ride.number}: comprobante electrónico (XML del SRI)",
            relationship="Source",
            created=moment,
            modified=moment,
        )
        document = HTML(string=self.html(ride), url_fetcher=self.fetcher)
        pdf: bytes = document.write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            pdf_variant=PDF_VARIANT,
            attachments=[attachment],
            cache=self.image_cache,
        )
        return pdf

    def render(self, xml: bytes, doc_type: str | None = "01") -> bytes:
        """The RIDE of an SRI factura XML, or of the comprobante of ``doc_type`` (04 a nota de
        crédito, 05 de débito; None: any of them). See ``documents.read_document``."""
        return self.pdf(read_document(xml, doc_type), xml)


@cache
def default_renderer() -> RideRenderer:
    return RideRenderer()


def render_ride(xml: bytes, doc_type: str | None = "01") -> bytes:
    """PDF/A-3b bytes of the RIDE of ``xml``; raises ``RideError`` for what is no factura (or
    no comprobante of ``doc_type``)."""
    return default_renderer().render(xml, doc_type)
