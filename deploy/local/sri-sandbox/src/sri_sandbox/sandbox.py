"""What SRI does with a comprobante: reception checks, then the authorization outcome.

Everything that needs the document (XSD, clave de acceso, signature, totals, date) runs once, at
reception; the authorization outcome is stored with it and an authorization query only reads it.
That keeps a 10,000-invoice benchmark at one parse and one signature verification per invoice.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from sri_sandbox import messages, notes
from sri_sandbox.checks import (
    AMBIENTES,
    DEFAULT_WINDOW_HOURS,
    ECUADOR,
    Fields,
    clave_problem,
    date_problem,
    refused_name_problem,
    totals_problem,
)
from sri_sandbox.messages import ERROR, Message
from sri_sandbox.schema import secure_parser, structure_error
from sri_sandbox.signature import SignatureChecker
from sri_sandbox.soap import AuthorizationEntry
from sri_sandbox.store import AUTORIZADO, NO_AUTORIZADO, Store

RECIBIDA = "RECIBIDA"
DEVUELTA = "DEVUELTA"
EN_PROCESO = "EN PROCESO"
_CLAVE_HINT = re.compile(rb"<claveAcceso>\s*([0-9]{1,60})\s*</claveAcceso>")


@dataclass
class Controls:
    """Test knobs (POST /control); they apply to SOAP calls from the next one on."""

    en_proceso_polls: int = 0
    delay_seconds: float = 0.0
    fail_next: int = 0
    # Names that make a factura NO AUTORIZADO (checks.refused_name_problem).
    refused_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reception:
    estado: str
    clave: str | None
    mensajes: list[Message] = field(default_factory=list)


def now_in_ecuador() -> str:
    """SRI's fechaAutorizacion format: ISO 8601 with milliseconds and the -05:00 offset."""
    return datetime.now(ECUADOR).isoformat(timespec="milliseconds")


def clave_hint(document: bytes) -> str | None:
    """The claveAcceso of a document that could not be parsed, for the DEVUELTA answer."""
    match = _CLAVE_HINT.search(document)
    return match.group(1).decode("ascii") if match else None


class Sandbox:
    def __init__(
        self,
        store: Store,
        checker: SignatureChecker,
        controls: Controls,
        window_hours: int = DEFAULT_WINDOW_HOURS,
    ) -> None:
        self.store = store
        self.checker = checker
        self.controls = controls
        self.window_hours = window_hours  # SRI's transmission window (error 65 after it)

    # ---------------------------------------------------------------- recepción

    def receive(self, document: bytes) -> Reception:
        reception = self._receive(document)
        self.store.log_call(
            "recepcion",
            reception.clave,
            now_in_ecuador(),
            reception.estado,
            [m.identifier for m in reception.mensajes],
        )
        return reception

    def _receive(self, document: bytes) -> Reception:
        try:
            root = etree.fromstring(document, secure_parser())
        except etree.XMLSyntaxError as exc:
            return Reception(DEVUELTA, clave_hint(document), [messages.estructura(str(exc))])
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.doctype:
            # Entities are never expanded here; a comprobante has no business declaring any.
            return Reception(
                DEVUELTA, clave_hint(document), [messages.estructura("DOCTYPE no permitido")]
            )
        encoding = (docinfo.encoding or "").upper()
        if encoding not in ("UTF-8", "UTF8"):
            return Reception(
                DEVUELTA,
                clave_hint(document),
                [messages.estructura(f"el comprobante debe estar en UTF-8, no {encoding}")],
            )
        problem = structure_error(root)
        if problem is not None:
            return Reception(DEVUELTA, clave_hint(document), [messages.estructura(problem)])

        fields = Fields.of(root)
        clave_error = clave_problem(fields)
        if clave_error is not None:
            return Reception(DEVUELTA, fields.clave, [clave_error])
        if self.store.blocks_clave(fields.clave):
            return Reception(DEVUELTA, fields.clave, [messages.clave_registrada()])
        number = (fields.ruc, fields.cod_doc, fields.estab, fields.pto_emi, fields.secuencial)
        other = self.store.clave_holding_number(*number, fields.clave)
        if other is not None:
            info = (
                f"{fields.estab}-{fields.pto_emi}-{fields.secuencial} del RUC {fields.ruc}"
                f" ya fue recibido con la clave {other}"
            )
            return Reception(DEVUELTA, fields.clave, [messages.secuencial_registrado(info)])

        outcome = self._authorization_messages(root, fields)
        estado = NO_AUTORIZADO if any(m.kind == ERROR for m in outcome) else AUTORIZADO
        if estado == AUTORIZADO and fields.ambiente == "1":
            outcome.append(messages.ambiente_pruebas())
        self.store.add(
            clave=fields.clave,
            number=number,
            ambiente=fields.ambiente,
            estado=estado,
            mensajes=outcome,
            comprobante=document.decode("utf-8"),
            received_at=now_in_ecuador(),
            pending_polls=self.controls.en_proceso_polls,
        )
        return Reception(RECIBIDA, fields.clave)

    def _authorization_messages(self, root: etree._Element, fields: Fields) -> list[Message]:
        """The checks SRI runs after RECIBIDA: signature (39), totals (52), issue date (65)."""
        found: list[Message] = []
        signature_problem = self.checker.problem(root)
        if signature_problem is not None:
            found.append(messages.firma_invalida(signature_problem))
        checks: tuple[Message | None, ...]
        if root.tag in notes.INFO:  # a nota de crédito or débito
            checks = (
                notes.cod_doc_problem(root),
                notes.totals_problem(root),
                notes.reference_problem(root, self.store),
            )
        else:
            checks = (totals_problem(root),)
        late = date_problem(fields, datetime.now(ECUADOR), self.window_hours)
        for problem in (*checks, late):
            if problem is not None:
                found.append(problem)
        refused = refused_name_problem(root, self.controls.refused_names)
        if refused is not None:
            found.append(refused)
        return found

    # ---------------------------------------------------------------- autorización

    def authorize(self, clave: str) -> list[AuthorizationEntry]:
        entries = self._authorize(clave)
        self.store.log_call(
            "autorizacion",
            clave,
            now_in_ecuador(),
            ",".join(e.estado for e in entries) or "SIN COMPROBANTES",
            [m.identifier for e in entries for m in e.mensajes],
        )
        return entries

    def _authorize(self, clave: str) -> list[AuthorizationEntry]:
        entries: list[AuthorizationEntry] = []
        for received in self.store.received(clave):
            ambiente = AMBIENTES.get(received.ambiente)
            if received.pending_polls > 0:
                self.store.poll_pending(received.id)
                entries.append(
                    AuthorizationEntry(
                        EN_PROCESO, None, None, ambiente, None, (messages.en_procesamiento(),)
                    )
                )
                continue
            authorized_at = received.authorized_at
            if authorized_at is None:
                # The outcome becomes visible now: that is when SRI would have authorised it.
                authorized_at = now_in_ecuador()
                self.store.set_authorized_at(received.id, authorized_at)
            entries.append(
                AuthorizationEntry(
                    received.estado,
                    received.clave if received.estado == AUTORIZADO else None,
                    authorized_at,
                    ambiente,
                    received.comprobante,
                    received.mensajes,
                )
            )
        return entries
