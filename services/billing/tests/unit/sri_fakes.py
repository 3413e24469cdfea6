"""A scripted SRI (answers from a script, every call recorded) and what one submission step
works with, on fakes."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from billing.adapters.sri_client import Authorization, Reception, SriMessage
from billing.domain.submission import RetryPolicy
from billing.domain.transmission_window import TransmissionWindow
from services.billing.tests.unit.invoice_fakes import NOW, POLICY, FakeInvoices, FakeSigner

REGISTERED = SriMessage("43", "CLAVE ACCESO REGISTRADA", None, "ERROR")
IN_PROCESSING = SriMessage("70", "CLAVE DE ACCESO EN PROCESAMIENTO", None, "ERROR")
BAD_XML = SriMessage("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")
BAD_SIGNATURE = SriMessage("39", "FIRMA INVALIDA", None, "ERROR")


def authorized(key: str, at: datetime | None = None) -> Authorization:
    xml = f"<autorizacion><numeroAutorizacion>{key}</numeroAutorizacion></autorizacion>"
    return Authorization("AUTORIZADO", key, at or NOW, "PRUEBAS", "<factura/>", (), xml.encode())


def answer(status: str, *messages: SriMessage) -> Authorization:
    return Authorization(status, None, None, "PRUEBAS", None, messages, b"<autorizacion/>")


class ScriptedSri:
    """Answers from a script, one entry per call ("AUTORIZADO" stands for an authorization of
    the asked key; an exception is raised); records every call in order."""

    def __init__(self, receptions: list[Any], authorizations: list[Any]) -> None:
        self.receptions, self.authorizations_ = receptions, authorizations
        self.calls: list[str] = []
        self.sent: list[bytes] = []

    async def submit(self, signed_xml: bytes) -> Reception:
        self.calls.append("recepcion")
        self.sent.append(signed_xml)
        result: Reception = self._next(self.receptions)
        return result

    async def authorizations(self, access_key: str) -> tuple[Authorization, ...]:
        self.calls.append("autorizacion")
        result = self._next(self.authorizations_)
        return tuple(authorized(access_key) if r == "AUTORIZADO" else r for r in result)

    @staticmethod
    def _next(script: list[Any]) -> Any:
        item = script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


@dataclass
class FakeSubmission:
    """What one SRI step works with (billing.ports.Submitting)."""

    sri: ScriptedSri
    invoices: FakeInvoices = field(default_factory=FakeInvoices)
    signing: FakeSigner = field(default_factory=FakeSigner)
    policy: RetryPolicy = POLICY
    window: TransmissionWindow = field(default_factory=TransmissionWindow)

    def signer(self) -> FakeSigner:
        return self.signing
