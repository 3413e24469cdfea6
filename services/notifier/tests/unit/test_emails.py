"""Rendering (Spanish text, the link, escaping) and building the MIME message, without I/O."""

import email
import email.policy
from datetime import UTC, datetime, timedelta

import aiosmtplib
import pytest

from common.contracts.identity import TokenMailData
from notifier.adapters.email_renderer import JinjaEmailRenderer
from notifier.adapters.smtp import SmtpMailer, classify
from notifier.consumers import link_mail
from notifier.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notifier.domain.messages import LinkMail, RenderedEmail, Template
from notifier.settings import NotifierSettings

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LINK = "http://127.0.0.1:8080/activar?token=abcDEF123_-xyz&x=1"
SETTINGS = NotifierSettings(brand_color="#0055AA")


def mail(**changes: str) -> LinkMail:
    values = {
        "user_id": "u1",
        "email": "maria.perez@correo.ec",
        "given_names": "María José",
        "surnames": "Pérez Ñáñez",
        "token": "abcDEF123_-xyz",
        "link": LINK,
        "expires_at": T0 + timedelta(hours=24),
        "reason": "registration",
    }
    return link_mail(TokenMailData.model_validate(values | changes), T0)


def render(template: Template, **changes: str) -> RenderedEmail:
    return JinjaEmailRenderer(SETTINGS).render(template, mail(**changes))


def test_welcome_is_the_seeds_activation_email_with_the_data_entered() -> None:
    out = render(Template.WELCOME)
    assert out.subject == "Bienvenido a Mi Claro: activa tu cuenta"
    for part in (out.text, out.html):
        assert "Ya está creada tu cuenta, solo hace falta activarla." in part
        assert "Además queremos que conozcas que en Mi Claro puedes:" in part
        assert "Consultar saldos de megas, minutos y mensajes." in part
        assert "Descargar tus facturas." in part and "Activar servicios y más." in part
        assert "Da click en" in part and "Activar Cuenta" in part
        assert "María José" in part and "Pérez Ñáñez" in part and "maria.perez@correo.ec" in part
        assert "24 horas" in part and "28/11/2026 a las 07:00" in part
        assert "Contraseña" not in part and "contraseña" not in part  # never the password
    assert LINK in out.text  # whole, on its own line: copy-paste works
    assert 'href="http://127.0.0.1:8080/activar?token=abcDEF123_-xyz&amp;x=1"' in out.html
    assert ">Activar Cuenta</a>" in out.html


def test_html_is_self_contained_with_inline_css_and_the_brand_colour() -> None:
    out = render(Template.WELCOME)
    assert "<img" not in out.html and "<link" not in out.html and "<style" not in out.html
    assert "background-color:#0055AA" in out.html
    assert "src=" not in out.html and "url(" not in out.html
    assert '<html lang="es">' in out.html


def test_untrusted_names_are_escaped_in_html_but_readable_in_text() -> None:
    evil = '<script>alert("x")</script> & <b>Ana</b>'
    out = render(Template.WELCOME, given_names=evil, surnames='"><img src=x onerror=1>')
    assert "<script>" not in out.html and "<b>Ana</b>" not in out.html
    assert "<img src=x" not in out.html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Ana&lt;/b&gt;"
    assert escaped in out.html
    assert evil in out.text  # plain text is not HTML: no entities to confuse people


def test_resend_is_a_shorter_activation_email() -> None:
    out = render(Template.ACTIVATION, reason="resend")
    welcome = render(Template.WELCOME)
    assert out.subject == "Activa tu cuenta de Mi Claro"
    assert LINK in out.text and "Activar Cuenta" in out.html
    assert "Consultar saldos" not in out.text
    assert len(out.text) < len(welcome.text)


def test_password_reset_email() -> None:
    changes = {
        "reason": "password_reset",
        "link": "http://127.0.0.1:8080/restablecer?token=abc",
        "expires_at": (T0 + timedelta(minutes=60)).isoformat(),
    }
    out = render(Template.PASSWORD_RESET, **changes)
    assert out.subject == "Restablece tu contraseña de Mi Claro"
    assert "http://127.0.0.1:8080/restablecer?token=abc" in out.text
    assert "1 hora" in out.text and "Restablecer contraseña" in out.html
    assert "Hola María José" in out.text


def test_a_non_web_link_is_refused() -> None:
    with pytest.raises(PermanentDeliveryError):
        render(Template.WELCOME, link="javascript:alert(1)")


def test_message_is_multipart_alternative_with_headers() -> None:
    mailer = SmtpMailer(SETTINGS)
    message_id = mailer.message_id("d1")
    assert message_id == "<d1@demo.ec>"
    built = mailer.build(render(Template.WELCOME), "maria.perez@correo.ec", message_id, T0)
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["From"] == "Mi Claro <no-responder@demo.ec>"
    assert parsed["To"] == "maria.perez@correo.ec"
    assert parsed["Message-ID"] == "<d1@demo.ec>"
    assert parsed["Subject"] == "Bienvenido a Mi Claro: activa tu cuenta"
    assert parsed["Date"] and parsed["Auto-Submitted"] == "auto-generated"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert LINK in text.get_content() and "María José" in text.get_content()
    assert "Activar Cuenta" in html.get_content()


def test_an_unusable_address_is_permanent() -> None:
    with pytest.raises(PermanentDeliveryError):
        SmtpMailer(SETTINGS).build(render(Template.WELCOME), "not an address", "<x@y>", T0)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "5.1.1 no such user", "a@b.ec")]
            ),
            PermanentDeliveryError,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "4.2.0 greylisted", "a@b.ec")]
            ),
            TransientDeliveryError,
        ),
        (aiosmtplib.SMTPSenderRefused(553, "sender not allowed", "x@y"), PermanentDeliveryError),
        (aiosmtplib.SMTPDataError(554, "5.7.1 spam"), PermanentDeliveryError),
        (aiosmtplib.SMTPDataError(451, "try later"), TransientDeliveryError),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), TransientDeliveryError),
        (aiosmtplib.SMTPConnectResponseError(554, "go away"), TransientDeliveryError),
        (aiosmtplib.SMTPConnectError("refused"), TransientDeliveryError),
        (aiosmtplib.SMTPConnectTimeoutError("timed out"), TransientDeliveryError),
        (aiosmtplib.SMTPReadTimeoutError("timed out"), TransientDeliveryError),
        (aiosmtplib.SMTPServerDisconnected("bye"), TransientDeliveryError),
        (ConnectionRefusedError(111, "refused"), TransientDeliveryError),
        (RuntimeError("surprise"), TransientDeliveryError),
    ],
)
def test_smtp_exceptions_are_classified(exc: Exception, kind: type) -> None:
    assert isinstance(classify(exc), kind)
