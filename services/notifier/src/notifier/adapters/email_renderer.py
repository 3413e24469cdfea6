"""Render an email from its template (Jinja2, autoescaped HTML + plain text, Spanish)."""

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifier.domain.invoices import IssuedInvoice, invoice_subject, period_text
from notifier.domain.lines import LineTransfer
from notifier.domain.messages import LinkMail, RenderedEmail, Template, subject
from notifier.domain.notes import IssuedNote, note_subject
from notifier.settings import NotifierSettings


class JinjaEmailRenderer:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings
        # Autoescape every .html template: names and addresses come from users (docs/design.md §6).
        # The .txt ones are plain text, where escaping would only garble the names.
        self._env = Environment(
            loader=PackageLoader("notifier", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: Template, mail: LinkMail) -> RenderedEmail:
        mail.check()
        settings = self._settings
        title = subject(template, settings.brand_name)
        values = {
            "subject": title,
            "brand_name": settings.brand_name,
            "brand_color": settings.brand_color,
            "support_text": settings.support_text,
            "portal_base_url": settings.portal_base_url,
            "given_names": mail.given_names,
            "surnames": mail.surnames,
            "email": mail.email,
            "link": mail.link,
            "validity": mail.validity(),
            "expires_text": mail.expires_text(),
        }
        html = self._env.get_template(f"{template.value}.html").render(values)
        text = self._env.get_template(f"{template.value}.txt").render(values)
        return RenderedEmail(subject=title, html=html, text=text)

    def render_invoice(self, invoice: IssuedInvoice) -> RenderedEmail:
        settings = self._settings
        title = invoice_subject(invoice)
        values = {
            "subject": title,
            "brand_name": settings.brand_name,
            "brand_color": settings.brand_color,
            "support_text": settings.support_text,
            "portal_base_url": settings.portal_base_url,
            "link": settings.portal_base_url.rstrip("/") + "/",
            "holder_name": invoice.holder_name,
            "number": invoice.number,
            "period_text": period_text(invoice.period),
            "total": invoice.total,
            "access_key": invoice.access_key,
        }
        html = self._env.get_template("invoice.html").render(values)
        text = self._env.get_template("invoice.txt").render(values)
        return RenderedEmail(subject=title, html=html, text=text)

    def render_note(self, note: IssuedNote) -> RenderedEmail:
        """A nota de crédito's or de débito's email (templates credit_note, debit_note)."""
        settings = self._settings
        title = note_subject(note)
        values = {
            "subject": title,
            "brand_name": settings.brand_name,
            "brand_color": settings.brand_color,
            "support_text": settings.support_text,
            "portal_base_url": settings.portal_base_url,
            "link": settings.portal_base_url.rstrip("/") + "/",
            "holder_name": note.holder_name,
            "note_name": note.name,
            "number": note.number,
            "issue_date": f"{note.issue_date:%d/%m/%Y}",
            "modified_number": note.modified_number,
            "modified_issue_date": f"{note.modified_issue_date:%d/%m/%Y}",
            "reason": note.reason,
            "total": note.total,
            "access_key": note.access_key,
        }
        html = self._env.get_template(f"{note.template}.html").render(values)
        text = self._env.get_template(f"{note.template}.txt").render(values)
        return RenderedEmail(subject=title, html=html, text=text)

    def render_line_transferred(self, transfer: LineTransfer) -> RenderedEmail:
        settings = self._settings
        title = subject(Template.LINE_TRANSFERRED, settings.brand_name)
        values = {
            "subject": title,
            "brand_name": settings.brand_name,
            "brand_color": settings.brand_color,
            "support_text": settings.support_text,
            "portal_base_url": settings.portal_base_url,
            "link": settings.portal_base_url.rstrip("/") + "/",
            "given_names": transfer.given_names,
            "email": transfer.email,
            "number_masked": transfer.number_masked,
            "removed_text": transfer.removed_text(),
        }
        html = self._env.get_template("line_transferred.html").render(values)
        text = self._env.get_template("line_transferred.txt").render(values)
        return RenderedEmail(subject=title, html=html, text=text)
