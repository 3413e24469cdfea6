"""The Line aggregate: a number a user registers ("GENERAR"), proves by SMS code ("Aceptar"),
consults and removes (guide steps 2.1–2.3).

Methods change state and append domain events (``domain/events.py``); the store writes both in
one document update (outbox). Rules refuse with the kinds of ``common.errors``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from common.errors import ApiError, Conflict, NotFound
from lines.domain.codes import (
    IssuedCode,
    check_may_send,
    clean_code,
    code_expired,
    resend_after,
    sends_today,
)
from lines.domain.directory import Subscription
from lines.domain.events import (
    CodeRequested,
    DomainEvent,
    LineRegistered,
    LineRemoved,
    RemovalReason,
)
from lines.domain.numbers import PhoneNumber, ServiceType
from lines.domain.policy import Policy


class Status(StrEnum):
    PENDING = "pending_verification"
    VERIFIED = "verified"
    REMOVED = "removed"


def line_not_found() -> NotFound:
    return NotFound("No encontramos esa línea en tu cuenta.")


def not_a_subscriber(number: PhoneNumber, service_type: ServiceType) -> ApiError:
    """The same answer whether the number is unknown, ended or of another service type: the
    caller learns nothing about numbers that are not theirs."""
    message = (
        f"No encontramos un servicio {service_type.label} activo con el número "
        f"{number.national}. Revisa el número y el tipo de servicio."
    )
    return ApiError(422, "not_a_subscriber", message, {"number": message})


def no_contact_mobile() -> ApiError:
    message = (
        "Tu contrato no tiene un celular de contacto para enviarte el código. Comunícate con "
        "atención al cliente para registrarlo y vuelve a intentarlo."
    )
    return ApiError(422, "no_contact_mobile", message, {"number": message})


def destination_for(
    number: PhoneNumber, service_type: ServiceType, subscription: Subscription
) -> PhoneNumber:
    """Where the code goes: a mobile line gets it itself; a fixed, internet or TV service has no
    SMS of its own, so the contract's contact mobile gets it."""
    if service_type.is_mobile:
        return number
    mobile = subscription.contact_mobile
    if not mobile or not PhoneNumber(mobile).is_mobile:
        raise no_contact_mobile()
    return PhoneNumber(mobile)


@dataclass
class Line:
    line_id: str
    user_id: str
    number: str  # E.164
    service_type: ServiceType
    subscription_id: str
    account_id: str
    destination: str  # E.164 mobile the codes go to
    created_at: datetime
    status: Status = Status.PENDING
    code: IssuedCode | None = None
    # When codes were sent (the last day's, for the per-line limits) and how many in all.
    sent_at: list[datetime] = field(default_factory=list)
    sends: int = 0
    verified_at: datetime | None = None
    removed_at: datetime | None = None
    removed_reason: RemovalReason | None = None
    # Verified while numbers were not shared: no other user may hold the number at once.
    exclusive: bool = False
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, compare=False)

    # --- "GENERAR" ---------------------------------------------------------------------------

    @classmethod
    def request(
        cls,
        line_id: str,
        user_id: str,
        number: PhoneNumber,
        service_type: ServiceType,
        subscription: Subscription,
        now: datetime,
    ) -> "Line":
        """A pending line; the caller reserves the daily caps, then calls :meth:`send_code`."""
        return cls(
            line_id=line_id,
            user_id=user_id,
            number=number.e164,
            service_type=service_type,
            subscription_id=subscription.subscription_id,
            account_id=subscription.account_id,
            destination=destination_for(number, service_type, subscription).e164,
            created_at=now,
        )

    def request_again(
        self, service_type: ServiceType, subscription: Subscription, now: datetime, policy: Policy
    ) -> None:
        """ "GENERAR" on a number the user already has: a pending line takes the directory's
        current contract and may get a new code; a verified one is refused."""
        if self.status is Status.VERIFIED:
            raise Conflict(
                "already_registered",
                "Esta línea ya está registrada en tu cuenta.",
                {"number": "Esta línea ya está registrada en tu cuenta."},
            )
        self._require_pending()
        destination = destination_for(PhoneNumber(self.number), service_type, subscription)
        self.service_type, self.destination = service_type, destination.e164
        self.subscription_id = subscription.subscription_id
        self.account_id = subscription.account_id
        self.check_may_send(now, policy)

    def check_may_send(self, now: datetime, policy: Policy) -> None:
        """The per-line rules (cooldown, codes per day), before the daily caps are reserved."""
        self._require_pending()
        check_may_send(self.sent_at, now, policy)

    def send_code(self, now: datetime, policy: Policy) -> None:
        """A new code, replacing the previous one; CodeRequested carries it to the SMS."""
        self.check_may_send(now, policy)
        self.code, secret = IssuedCode.issue(now, policy)
        self.sent_at = [*sends_today(self.sent_at, now), now]
        self.sends += 1
        self.events.append(
            CodeRequested(
                line_id=self.line_id,
                user_id=self.user_id,
                number=self.number,
                service_type=self.service_type.value,
                destination=self.destination,
                code=secret,
                expires_at=self.code.expires_at,
                send_number=self.sends,
            )
        )

    def resend_after(self, now: datetime, policy: Policy) -> int:
        return resend_after(self.sent_at, now, policy)

    def expires_in(self, now: datetime) -> int:
        if self.code is None:
            return 0
        return max(0, int((self.code.expires_at - now).total_seconds()))

    # --- "Aceptar" ---------------------------------------------------------------------------

    def enter_code(self, text: str, now: datetime, policy: Policy) -> int | None:
        """None: verified (LineRegistered raised). A number: the code was wrong and that many
        tries are left (0: none). Save the line either way: a wrong try counts."""
        if self.status is Status.VERIFIED:
            raise Conflict("already_verified", "Esta línea ya está verificada.")
        self._require_pending()
        code = clean_code(text)
        if self.code is None:
            raise code_expired()
        self.code.check_usable(now, policy)
        if not self.code.matches(code):
            self.code = self.code.wrong_try()
            return policy.max_attempts - self.code.wrong_attempts
        self.status, self.verified_at, self.code = Status.VERIFIED, now, None
        self.exclusive = not policy.allow_shared
        self.events.append(
            LineRegistered(
                self.line_id,
                self.user_id,
                self.number,
                self.service_type.value,
                self.account_id,
                occurred_at=now,
            )
        )
        return None

    # --- removal -----------------------------------------------------------------------------

    def remove(self, now: datetime) -> None:
        """The user removes it. Only a verified line gave access: only its removal is an event."""
        self._require_live()
        self._end(now, "removed", announce=self.status is Status.VERIFIED)

    def transfer(self, now: datetime) -> None:
        """Another user verified the number: this holder loses it (notifier tells them)."""
        if self.status is Status.VERIFIED:
            self._end(now, "transferred", announce=True)

    def _end(self, now: datetime, reason: RemovalReason, announce: bool) -> None:
        self.status, self.removed_at, self.removed_reason = Status.REMOVED, now, reason
        self.code, self.exclusive = None, False
        if announce:
            self.events.append(
                LineRemoved(
                    self.line_id,
                    self.user_id,
                    self.number,
                    self.service_type.value,
                    self.account_id,
                    occurred_at=now,
                    reason=reason,
                )
            )

    def _require_live(self) -> None:
        if self.status is Status.REMOVED:
            raise line_not_found()

    def _require_pending(self) -> None:
        self._require_live()
        if self.status is not Status.PENDING:
            raise Conflict("already_verified", "Esta línea ya está verificada.")

    @property
    def is_live(self) -> bool:
        return self.status is not Status.REMOVED
