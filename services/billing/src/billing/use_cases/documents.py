"""The fiscal record for the platform's services: InvoiceIssued names an invoice's authorized XML
(clave de acceso, digest, size) and rendering and notifier fetch it here, through a short-lived
link signed with the key they share with billing (DOCUMENT_LINK_KEY). Never a customer's way in:
the gateway does not route it, and customers read their XML through ``invoices.authorized_xml``.
"""

from datetime import datetime

from billing.ports import FiscalDocuments
from common.errors import Forbidden, NotFound
from common.links import verify_link


async def authorized_xml(
    svc: FiscalDocuments, access_key: str, expires: int, signature: str, now: datetime
) -> bytes:
    """SRI's ``autorizacion`` of the invoice with ``access_key``, byte for byte as stored, if
    the link is intact and not expired (checked before any lookup); 404 when no authorized
    invoice has that clave."""
    secret = svc.settings.document_link_secret
    if not verify_link(secret, access_key, expires, signature, now.timestamp()):
        raise Forbidden("link_invalid", "El enlace del documento no es válido o ya caducó.")
    xml = await svc.invoices.authorized_xml_of_key(access_key)
    if xml is None:  # a nota de crédito or débito (their own store)
        xml = await svc.notes.authorized_xml_of_key(access_key)
    if xml is None:
        raise NotFound("No encontramos ese documento.", code="document_not_found")
    return xml
