"""The two SOAP operations: request envelope in, response envelope out (SoapFault if malformed)."""

import base64
import binascii

from sri_sandbox import soap
from sri_sandbox.sandbox import Sandbox, clave_hint, now_in_ecuador

RECEPCION = "recepcion"
AUTORIZACION = "autorizacion"


class SoapHandlers:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def answer(self, operation: str, data: bytes) -> bytes:
        """The response to a call of ``operation``; a malformed call is logged and re-raised."""
        try:
            if operation == RECEPCION:
                return self._recepcion(data)
            return self._autorizacion(data)
        except soap.SoapFault:
            self.log_fault(operation, None)
            raise

    def _recepcion(self, data: bytes) -> bytes:
        call = soap.parse_call(data, soap.RECEPCION_NS)
        if call.operation != "validarComprobante":
            raise soap.SoapFault(f"unknown operation {call.operation}")
        encoded = soap.child_text(call.body, "xml")
        if encoded is None:
            raise soap.SoapFault("validarComprobante without its xml element")
        try:
            document = base64.b64decode("".join(encoded.split()), validate=True)
        except binascii.Error as exc:
            raise soap.SoapFault(f"xml is not base64Binary: {exc}") from None
        reception = self.sandbox.receive(document)
        return soap.reception_response(reception.estado, reception.clave, reception.mensajes)

    def _autorizacion(self, data: bytes) -> bytes:
        call = soap.parse_call(data, soap.AUTORIZACION_NS)
        if call.operation != "autorizacionComprobante":
            raise soap.SoapFault(f"operation {call.operation} is not offered by the sandbox")
        clave = (soap.child_text(call.body, "claveAccesoComprobante") or "").strip()
        return soap.authorization_response(clave, self.sandbox.authorize(clave))

    def log_fault(self, operation: str, data: bytes | None) -> None:
        """Record a call answered with a Fault; with ``data``, name its key when it can be read
        (a test then sees the attempt among the key's calls)."""
        clave = self._clave_of(operation, data) if data is not None else None
        self.sandbox.store.log_call(operation, clave, now_in_ecuador(), "FAULT", [])

    @staticmethod
    def _clave_of(operation: str, data: bytes) -> str | None:
        try:
            if operation == RECEPCION:
                call = soap.parse_call(data, soap.RECEPCION_NS)
                return clave_hint(base64.b64decode(soap.child_text(call.body, "xml") or ""))
            call = soap.parse_call(data, soap.AUTORIZACION_NS)
            return (soap.child_text(call.body, "claveAccesoComprobante") or "").strip() or None
        except (soap.SoapFault, binascii.Error, ValueError):
            return None
