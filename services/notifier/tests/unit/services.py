"""A notifier on fakes, and typed access to its fake parts (the use-case tests share these)."""

import asyncio
from typing import Any

import pytest

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


async def instant_pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``asyncio.sleep`` answers at once for this test's tasks and keeps the pauses they asked
    for. Tasks already running when the test began (another test's leftovers on the shared
    event loop) keep the real sleep: an instant one would let their loops spin forever."""
    asked: list[float] = []
    real_sleep, others = asyncio.sleep, asyncio.all_tasks()

    async def instant(delay: float, result: Any = None) -> Any:
        if asyncio.current_task() in others:
            return await real_sleep(delay, result)
        asked.append(delay)
        return result

    monkeypatch.setattr(asyncio, "sleep", instant)
    return asked
