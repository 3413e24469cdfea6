"""Registering a line by SMS code (guide steps 2.1 and 2.2): "GENERAR", a new code, "Aceptar"."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from lines.domain.codes import daily_cap_reached, daily_caps, wrong_code
from lines.domain.directory import Subscription, current, ecuador_day
from lines.domain.lines import Line, not_a_subscriber
from lines.domain.numbers import PhoneNumber, ServiceType, parse_number
from lines.ports import ConcurrentUpdate, DuplicateLine, LinesService, NumberHeld
from lines.use_cases._lines import ATTEMPTS, busy, own_line


@dataclass(frozen=True)
class CodeSent:
    line: Line
    sent_to: str  # the destination, masked: 09•••••567
    resend_after: int  # seconds
    expires_in: int  # seconds


async def request_line(
    svc: LinesService, user_id: str, service_type: str, number: str, now: datetime
) -> CodeSent:
    """ "GENERAR": the number must be an active subscriber of that service type today; the code
    goes to the line itself (móvil) or to the contract's contact mobile. A pending line of the
    same user and number gets a new code; a verified one is refused (409)."""
    kind = ServiceType.parse(service_type)
    phone = parse_number(number, kind)
    subscription = await _subscription(svc, phone, kind, now)
    for _ in range(ATTEMPTS):
        line = await svc.lines.live(user_id, phone.e164)
        try:
            if line is None:
                line = Line.request(uuid.uuid4().hex, user_id, phone, kind, subscription, now)
                await _send_code(svc, line, now, svc.lines.add)
            else:
                line.request_again(kind, subscription, now, svc.policy)
                await _send_code(svc, line, now, svc.lines.save)
        except (DuplicateLine, ConcurrentUpdate):
            continue  # a second "GENERAR" got there first: go on with its line
        return _sent(svc, line, now)
    raise busy()


async def resend_code(svc: LinesService, user_id: str, line_id: str, now: datetime) -> CodeSent:
    for _ in range(ATTEMPTS):
        line = await own_line(svc, user_id, line_id)
        try:
            await _send_code(svc, line, now, svc.lines.save)
        except ConcurrentUpdate:
            continue
        return _sent(svc, line, now)
    raise busy()


async def verify(svc: LinesService, user_id: str, line_id: str, code: str, now: datetime) -> Line:
    """ "Aceptar". A wrong try is saved, then refused (422 with the tries left, 410 on the
    last). Unless numbers may be shared, the number moves to this user: other holders' lines
    are removed (LineRemoved "transferred") before this one is saved as verified."""
    for _ in range(ATTEMPTS):
        line = await own_line(svc, user_id, line_id)
        left = line.enter_code(code, now, svc.policy)
        try:
            if left is None and line.exclusive:
                await _take_over(svc, line, now)
            await svc.lines.save(line)
        except (ConcurrentUpdate, NumberHeld):
            continue
        if left is not None:
            raise wrong_code(left)
        return line
    raise busy()


async def _subscription(
    svc: LinesService, number: PhoneNumber, kind: ServiceType, now: datetime
) -> Subscription:
    found = current(await svc.subscribers.of_number(number.e164), ecuador_day(now))
    if found is None or found.service_type != kind.value:
        raise not_a_subscriber(number, kind)
    return found


async def _send_code(
    svc: LinesService, line: Line, now: datetime, write: Callable[[Line], Awaitable[None]]
) -> None:
    """The line's own limits, then the daily caps (reserved atomically, given back if the code
    is not sent after all), then the code and its event in one write."""
    line.check_may_send(now, svc.policy)
    destination = PhoneNumber(line.destination)
    caps = daily_caps(destination.e164, destination.prefix, line.user_id, now, svc.policy)
    taken: list[str] = []
    try:
        for cap in caps:
            count = await svc.counters.increment(cap.key, cap.day)
            taken.append(cap.key)
            if not cap.allows(count):
                raise daily_cap_reached(now)
        line.send_code(now, svc.policy)
        await write(line)
    except Exception:
        for key in taken:
            await svc.counters.release(key)
        raise


async def _take_over(svc: LinesService, line: Line, now: datetime) -> None:
    for other in await svc.lines.holders(line.number):
        if other.user_id != line.user_id:
            other.transfer(now)
            await svc.lines.save(other)


def _sent(svc: LinesService, line: Line, now: datetime) -> CodeSent:
    return CodeSent(
        line=line,
        sent_to=PhoneNumber(line.destination).masked,
        resend_after=line.resend_after(now, svc.policy),
        expires_in=line.expires_in(now),
    )
