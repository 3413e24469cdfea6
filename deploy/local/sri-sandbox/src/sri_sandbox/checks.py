"""Content checks of a received factura: clave de acceso (58), totals (52), issue date (65).

Each returns the messages SRI would give; the XML is already XSD-valid, so required elements and
numeric formats are present (``Decimal`` parses them exactly, never floats).
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from sri_sandbox import messages
from sri_sandbox.messages import Message

ECUADOR = ZoneInfo("America/Guayaquil")
# SRI takes a comprobante up to this many hours after its fechaEmision (docs/sri.md §9 "When to
# transmit"; SRI_SANDBOX_TRANSMISSION_WINDOW_HOURS); later, or dated in the future: error 65.
DEFAULT_WINDOW_HOURS = 72
AMBIENTES = {"1": "PRUEBAS", "2": "PRODUCCIÓN"}
_FECHA = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")


@dataclass(frozen=True)
class Fields:
    """The infoTributaria / infoFactura fields a clave de acceso must agree with."""

    clave: str
    ambiente: str
    ruc: str
    cod_doc: str
    estab: str
    pto_emi: str
    secuencial: str
    tipo_emision: str
    fecha_emision: str

    @classmethod
    def of(cls, root: etree._Element) -> "Fields":
        def text(path: str) -> str:
            return (root.findtext(path) or "").strip()

        return cls(
            clave=text("infoTributaria/claveAcceso"),
            ambiente=text("infoTributaria/ambiente"),
            ruc=text("infoTributaria/ruc"),
            cod_doc=text("infoTributaria/codDoc"),
            estab=text("infoTributaria/estab"),
            pto_emi=text("infoTributaria/ptoEmi"),
            secuencial=text("infoTributaria/secuencial"),
            tipo_emision=text("infoTributaria/tipoEmision"),
            fecha_emision=text("infoFactura/fechaEmision")
            or text("infoNotaCredito/fechaEmision")
            or text("infoNotaDebito/fechaEmision"),
        )

    @property
    def issue_date(self) -> date | None:
        # By hand: strptime costs more than the rest of these checks together.
        match = _FECHA.fullmatch(self.fecha_emision)
        if match is None:
            return None
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None


def check_digit(digits48: str) -> int:
    """Modulo 11, weights 2..7 cycling from the rightmost digit; 11 → 0, 10 → 1 (docs/sri.md §1)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits48)))
    d = 11 - total % 11
    return {11: 0, 10: 1}.get(d, d)


def clave_problem(fields: Fields) -> Message | None:
    """Structure, check digit and agreement of the clave de acceso with the document (58)."""
    key = fields.clave
    if re.fullmatch(r"[0-9]{49}", key) is None:
        return messages.clave_invalida("la clave de acceso debe tener 49 dígitos")
    if check_digit(key[:48]) != int(key[48]):
        return messages.clave_invalida(
            f"dígito verificador {key[48]} incorrecto; se esperaba {check_digit(key[:48])}"
        )
    issue = fields.issue_date
    expected = {
        "fecha de emisión": (key[0:8], issue.strftime("%d%m%Y") if issue else "fecha inválida"),
        "tipo de comprobante": (key[8:10], fields.cod_doc),
        "RUC": (key[10:23], fields.ruc),
        "ambiente": (key[23], fields.ambiente),
        "establecimiento": (key[24:27], fields.estab),
        "punto de emisión": (key[27:30], fields.pto_emi),
        "secuencial": (key[30:39], fields.secuencial),
        "tipo de emisión": (key[47], fields.tipo_emision),
    }
    wrong = [
        f"{name}: clave {in_key}, comprobante {in_doc}"
        for name, (in_key, in_doc) in expected.items()
        if in_key != in_doc
    ]
    if wrong:
        return messages.clave_invalida("; ".join(wrong))
    return None


def _amount(element: etree._Element, path: str) -> Decimal:
    return Decimal((element.findtext(path) or "0").strip())


def totals_problem(root: etree._Element) -> Message | None:
    """Header totals recomputed from the detail lines (52 ERROR EN DIFERENCIAS)."""
    info = root.find("infoFactura")
    if info is None:
        return messages.diferencias("falta infoFactura")
    problems: list[str] = []

    lines = root.findall("detalles/detalle")
    total_sin = _amount(info, "totalSinImpuestos")
    lines_sin = sum((_amount(d, "precioTotalSinImpuesto") for d in lines), Decimal(0))
    if total_sin != lines_sin:
        problems.append(
            f"totalSinImpuestos {total_sin} != suma de precioTotalSinImpuesto {lines_sin}"
        )

    by_tax: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for tax in root.iterfind("detalles/detalle/impuestos/impuesto"):
        sums = by_tax[(tax.findtext("codigo") or "", tax.findtext("codigoPorcentaje") or "")]
        sums[0] += _amount(tax, "baseImponible")
        sums[1] += _amount(tax, "valor")
    header: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for tax in info.iterfind("totalConImpuestos/totalImpuesto"):
        sums = header[(tax.findtext("codigo") or "", tax.findtext("codigoPorcentaje") or "")]
        sums[0] += _amount(tax, "baseImponible")
        sums[1] += _amount(tax, "valor")
    for code in sorted(set(by_tax) | set(header)):
        line_base, line_value = by_tax.get(code, [Decimal(0), Decimal(0)])
        head_base, head_value = header.get(code, [Decimal(0), Decimal(0)])
        if (line_base, line_value) != (head_base, head_value):
            problems.append(
                f"impuesto {code[0]}/{code[1]}: totalImpuesto base {head_base} valor {head_value}"
                f" != detalles base {line_base} valor {line_value}"
            )

    taxes = sum((values[1] for values in header.values()), Decimal(0))
    propina = _amount(info, "propina")
    # 2.1.0 otrosRubrosTerceros are charges collected for third parties; counting them in
    # importeTotal is an assumption (no official statement found; billing does not emit them).
    rubros = sum(
        (_amount(r, "total") for r in root.iterfind("otrosRubrosTerceros/rubro")), Decimal(0)
    )
    importe = _amount(info, "importeTotal")
    expected = total_sin + taxes + propina + rubros
    if importe != expected:
        problems.append(
            f"importeTotal {importe} != totalSinImpuestos + impuestos + propina = {expected}"
        )

    pagos = info.findall("pagos/pago")
    if pagos:
        paid = sum((_amount(p, "total") for p in pagos), Decimal(0))
        if paid != importe:
            problems.append(f"suma de pagos {paid} != importeTotal {importe}")
    return messages.diferencias("; ".join(problems)) if problems else None


def today_in_ecuador() -> date:
    return datetime.now(ECUADOR).date()


def window_deadline(issue: date, window_hours: int) -> datetime:
    """The last instant a comprobante of ``issue`` may arrive: fechaEmision has no time, so the
    window runs from the end of that day in Ecuador (billing counts it the same way)."""
    day_ends = datetime.combine(issue + timedelta(days=1), time(), ECUADOR)
    return day_ends + timedelta(hours=window_hours)


def date_problem(
    fields: Fields, now: datetime, window_hours: int = DEFAULT_WINDOW_HOURS
) -> Message | None:
    """fechaEmision not in the future (Ecuador's calendar) and received within the window (65)."""
    issue = fields.issue_date
    if issue is None:
        return messages.fecha_extemporanea(f"fechaEmision inválida {fields.fecha_emision!r}")
    here = now.astimezone(ECUADOR)
    if issue > here.date():
        return messages.fecha_extemporanea(
            f"fechaEmision {issue:%d/%m/%Y} posterior a la fecha actual {here:%d/%m/%Y}"
        )
    deadline = window_deadline(issue, window_hours)
    if here > deadline:
        return messages.fecha_extemporanea(
            f"fechaEmision {issue:%d/%m/%Y} recibida el {here:%d/%m/%Y %H:%M}, más de"
            f" {window_hours} horas después de la emisión (plazo hasta el"
            f" {deadline:%d/%m/%Y %H:%M})"
        )
    return None


# Where refused_name_problem looks: the issuer's names and the buyer's.
_NAME_PATHS = (
    "infoTributaria/razonSocial",
    "infoTributaria/nombreComercial",
    "infoFactura/razonSocialComprador",
)


def refused_name_problem(root: etree._Element, refused: Sequence[str]) -> Message | None:
    """A test control, not an SRI rule: NO AUTORIZADO when the issuer's or the buyer's name
    contains one of ``refused`` (case-insensitive), so a test can make SRI refuse a document
    for its data, fix that data and send the corrected document again (docs/sri.md §9)."""
    wanted = [text.casefold() for text in refused if text]
    if not wanted:
        return None
    for path in _NAME_PATHS:
        name = (root.findtext(path) or "").casefold()
        for text in wanted:
            if text in name:
                return messages.datos_rechazados(f"{path.split('/')[-1]} contiene {text!r}")
    return None
