"""SRI code tables the RIDE prints as words (docs/sri.md §3): people read descriptions, not codes.

Kept here rather than imported from billing: the renderer reads any issuer's factura, including
codes billing never writes (historic formaPago codes, IRBPNR, old IVA rates).
"""

from decimal import Decimal
from types import MappingProxyType

IVA = "2"
ICE = "3"
IRBPNR = "5"

TAX_NAMES = MappingProxyType({IVA: "IVA", ICE: "ICE", IRBPNR: "IRBPNR"})

# IVA codigoPorcentaje → rate in percent; None where the code has no rate of its own.
IVA_RATES: MappingProxyType[str, Decimal] = MappingProxyType(
    {
        "0": Decimal(0),
        "2": Decimal(12),
        "3": Decimal(14),
        "4": Decimal(15),  # general rate since 2024-04-01
        "5": Decimal(5),
        "6": Decimal(0),  # no objeto de IVA
        "7": Decimal(0),  # exento de IVA
        "8": Decimal(8),  # IVA diferenciado
        "10": Decimal(13),
    }
)
NO_OBJETO = "6"
EXENTO = "7"
SUBTOTAL_LABELS = MappingProxyType(
    {NO_OBJETO: "SUBTOTAL NO OBJETO DE IVA", EXENTO: "SUBTOTAL EXENTO DE IVA"}
)

# formaPago: the current table (01, 15–21) and the codes retired in 2016, still found in old
# documents.
FORMAS_PAGO = MappingProxyType(
    {
        "01": "SIN UTILIZACIÓN DEL SISTEMA FINANCIERO",
        "02": "CHEQUE PROPIO",
        "03": "CHEQUE CERTIFICADO",
        "04": "CHEQUE DE GERENCIA",
        "05": "CHEQUE DEL EXTERIOR",
        "06": "DÉBITO DE CUENTA",
        "07": "TRANSFERENCIA PROPIO BANCO",
        "08": "TRANSFERENCIA OTRO BANCO NACIONAL",
        "09": "TRANSFERENCIA BANCO EXTERIOR",
        "10": "TARJETA DE CRÉDITO NACIONAL",
        "11": "TARJETA DE CRÉDITO INTERNACIONAL",
        "12": "GIRO",
        "13": "DEPÓSITO EN CUENTA (CORRIENTE/AHORROS)",
        "14": "ENDOSO DE INVERSIÓN",
        "15": "COMPENSACIÓN DE DEUDAS",
        "16": "TARJETA DE DÉBITO",
        "17": "DINERO ELECTRÓNICO",
        "18": "TARJETA PREPAGO",
        "19": "TARJETA DE CRÉDITO",
        "20": "OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO",
        "21": "ENDOSO DE TÍTULOS",
    }
)

AMBIENTES = MappingProxyType({"1": "PRUEBAS", "2": "PRODUCCIÓN"})
TIPOS_EMISION = MappingProxyType({"1": "NORMAL", "2": "INDISPONIBILIDAD DEL SISTEMA"})
TIPOS_IDENTIFICACION = MappingProxyType(
    {
        "04": "RUC",
        "05": "CÉDULA",
        "06": "PASAPORTE",
        "07": "CONSUMIDOR FINAL",
        "08": "IDENTIFICACIÓN DEL EXTERIOR",
    }
)


def forma_pago(code: str) -> str:
    """The description SRI's table gives a formaPago code; an unknown code is named as such."""
    return FORMAS_PAGO.get(code, f"FORMA DE PAGO {code} (código no registrado)")


def ambiente(code: str) -> str:
    return AMBIENTES.get(code, code)


def tipo_emision(code: str) -> str:
    return TIPOS_EMISION.get(code, code)


def tipo_identificacion(code: str) -> str:
    return TIPOS_IDENTIFICACION.get(code, code)


def percent(rate: Decimal) -> str:
    """15.00 → "15", 12.5 → "12.5": how the RIDE writes a rate."""
    return f"{rate.normalize():f}"


def iva_rate(code: str, tarifa: Decimal | None) -> Decimal | None:
    """The rate of an IVA code: the document's own tarifa first (it is what SRI authorized)."""
    return tarifa if tarifa is not None else IVA_RATES.get(code)


def subtotal_label(code: str, rate: Decimal | None) -> str:
    if code in SUBTOTAL_LABELS:
        return SUBTOTAL_LABELS[code]
    return f"SUBTOTAL {percent(rate)}%" if rate is not None else f"SUBTOTAL IVA CÓDIGO {code}"


def iva_label(code: str, rate: Decimal | None) -> str:
    return f"IVA {percent(rate)}%" if rate is not None else f"IVA CÓDIGO {code}"


# codDoc → the comprobante's name as a RIDE prints it (a note names the document it modifies).
TIPOS_COMPROBANTE = MappingProxyType(
    {
        "01": "FACTURA",
        "03": "LIQUIDACIÓN DE COMPRA",
        "04": "NOTA DE CRÉDITO",
        "05": "NOTA DE DÉBITO",
        "06": "GUÍA DE REMISIÓN",
        "07": "COMPROBANTE DE RETENCIÓN",
    }
)


def tipo_comprobante(code: str) -> str:
    return TIPOS_COMPROBANTE.get(code, f"COMPROBANTE {code}")
