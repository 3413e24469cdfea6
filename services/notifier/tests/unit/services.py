"""A notifier on fakes, and typed access to its fake parts (the use-case tests share these)."""

from typing import Any

from notifier.bootstrap import Notifier, bootstrap
from notifier.settings import NotifierSettings

from .fakes import FakeClock, FakeDeliveries, FakeMailer, FakeSms, parts

SETTINGS = NotifierSettings(retry_base_seconds=1.0, retry_max_seconds=30.0, claim_seconds=60.0)


def service(**changes: Any) -> Notifier:
    settings = changes.pop("settings", SETTINGS)
    return bootstrap(settings, **parts(settings, **changes))


def store(svc: Notifier) -> FakeDeliveries:
    assert isinstance(svc.deliveries, FakeDeliveries)
    return svc.deliveries


def mailer(svc: Notifier) -> FakeMailer:
    assert isinstance(svc.mailer, FakeMailer)
    return svc.mailer


def smsc(svc: Notifier) -> FakeSms:
    assert isinstance(svc.sms, FakeSms)
    return svc.sms


def clock(svc: Notifier) -> FakeClock:
    assert isinstance(svc.clock, FakeClock)
    return svc.clock
