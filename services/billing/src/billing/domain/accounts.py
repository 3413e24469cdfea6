"""The operator's customers: account holders, accounts, subscriptions and the plan catalog.

Values validate on construction and refuse with ``InvalidInput`` naming the field (the API's
422 ``fields``). An ``Account`` is the aggregate of its subscriptions: adding or ending one
returns the changed account with the domain event to publish in ``events``; the rules that may
refuse it (a number on one subscription at a time, an end date that only comes forward, a
request replayed) are here, the store only persists.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal, TypeVar

import phonenumbers
from stdnum.ec import ci as ec_ci
from stdnum.ec import ruc as ec_ruc

from billing.domain.events import (
    AccountEvent,
    SubscriberChanged,
    SubscriptionActivated,
    SubscriptionEnded,
)
from billing.domain.invoice import PAYMENT_FORMS, Buyer, NotXmlText, clean_text
from billing.domain.periods import BillingPeriod, check_cycle_day
from billing.domain.tax_catalog import TaxRef
from billing.domain.taxes import iva_rate
from common.errors import Conflict, InvalidInput, NotFound
from common.text import non_xml_char, non_xml_message

IdType = Literal["cedula", "ruc", "passport"]
ID_TYPES: tuple[IdType, ...] = ("cedula", "ruc", "passport")
# tipoIdentificacionComprador (docs/sri.md §3) per holder id type.
SRI_BUYER_ID_TYPE = {"ruc": "04", "cedula": "05", "passport": "06"}
SERVICE_TYPES = ("movil", "fijo", "internet", "tv")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PLAN_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,24}")
_Change = TypeVar("_Change", bound=SubscriberChanged)


class NumberInUse(Conflict):
    """The number has another subscription whose dates overlap the new one."""

    def __init__(self) -> None:
        message = "Este número ya tiene una suscripción vigente en esas fechas."
        super().__init__("number_in_use", message, {"number": message})


class AlreadyEnded(Conflict):
    """Ending can only bring a subscription's end date forward, never push it back."""

    def __init__(self, end_date: date) -> None:
        message = f"La suscripción ya termina el {end_date:%d/%m/%Y}; no se puede extender."
        super().__init__("already_ended", message, {"end_date": message})
        self.end_date = end_date


def check_id(id_type: str, id_number: str) -> str:
    """The normalised identification, or InvalidInput with a Spanish message."""
    number = id_number.strip() if isinstance(id_number, str) else ""
    if id_type == "cedula":
        if not (re.fullmatch(r"[0-9]{10}", number) and ec_ci.is_valid(number)):
            raise InvalidInput.field("id_number", "La cédula no es válida.")
    elif id_type == "ruc":
        if not (re.fullmatch(r"[0-9]{13}", number) and ec_ruc.is_valid(number)):
            raise InvalidInput.field("id_number", "El RUC no es válido.")
    elif id_type == "passport":
        number = number.upper()
        if not re.fullmatch(r"[0-9A-Z]{3,20}", number):
            raise InvalidInput.field(
                "id_number", "El pasaporte debe tener de 3 a 20 letras o dígitos."
            )
    else:
        raise InvalidInput.field(
            "id_type", "El tipo de identificación debe ser cedula, ruc o passport."
        )
    return number


def normalize_number(text: str, field: str = "number") -> str:
    """An Ecuadorian phone number in any usual form → E.164 (+593…), or InvalidInput."""
    try:
        parsed = phonenumbers.parse(text, "EC")
    except (phonenumbers.NumberParseException, TypeError):
        raise InvalidInput.field(field, "El número de teléfono no es válido.") from None
    if parsed.country_code != 593 or not phonenumbers.is_valid_number(parsed):
        raise InvalidInput.field(field, "El número no es un teléfono válido de Ecuador.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _text(value: str, field: str, max_length: int = 300) -> str:
    try:
        return clean_text(value, what=field, max_length=max_length)
    except NotXmlText as error:
        raise InvalidInput.field(field, non_xml_message(error.char)) from None
    except ValueError:
        raise InvalidInput.field(field, f"Debe tener entre 1 y {max_length} caracteres.") from None


@dataclass(frozen=True)
class Holder:
    """The titular of an account, the invoice's buyer."""

    id_type: IdType
    id_number: str
    name: str
    address: str
    email: str
    phone: str

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "id_number", check_id(self.id_type, self.id_number))
        set_(self, "name", _text(self.name, "name"))
        set_(self, "address", _text(self.address, "address"))
        email = self.email.strip() if isinstance(self.email, str) else ""
        char = non_xml_char(email)
        if char is not None:
            raise InvalidInput.field("email", non_xml_message(char))
        if not _EMAIL.fullmatch(email) or len(email) > 254:
            raise InvalidInput.field("email", "El correo electrónico no es válido.")
        set_(self, "email", email)
        set_(self, "phone", normalize_number(self.phone, "phone") if self.phone else "")

    def mobile(self) -> str | None:
        """The phone when it is a mobile: where SMS codes for the contract's services go."""
        if not self.phone:
            return None
        kind = phonenumbers.number_type(phonenumbers.parse(self.phone))
        return self.phone if kind == phonenumbers.PhoneNumberType.MOBILE else None

    def buyer(self) -> Buyer:
        return Buyer(
            SRI_BUYER_ID_TYPE[self.id_type], self.id_number, self.name, self.address, self.email
        )


@dataclass(frozen=True)
class Plan:
    """A catalog item billed monthly. ``tax_code`` is IVA's codigoPorcentaje; ICE is extra.
    Both name tax-catalog entries; the rates come from the catalog for each billed day."""

    code: str
    name: str
    service_type: str
    monthly_fee: Decimal
    tax_code: str = "4"
    extra_taxes: Sequence[TaxRef] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _PLAN_CODE.fullmatch(self.code):
            raise InvalidInput.field(
                "code", "El código del plan usa mayúsculas, dígitos y guiones."
            )
        object.__setattr__(self, "name", _text(self.name, "name"))
        if self.service_type not in SERVICE_TYPES:
            raise InvalidInput.field(
                "service_type", f"Debe ser uno de: {', '.join(SERVICE_TYPES)}."
            )
        if not isinstance(self.monthly_fee, Decimal) or self.monthly_fee < 0:
            raise InvalidInput.field("monthly_fee", "La tarifa mensual no puede ser negativa.")
        try:
            iva_rate(self.tax_code)
        except ValueError:
            raise InvalidInput.field("tax_code", "Código de IVA desconocido.") from None
        object.__setattr__(self, "extra_taxes", tuple(TaxRef.of(t) for t in self.extra_taxes))


@dataclass(frozen=True)
class Subscription:
    """A number on a plan from ``start_date`` to ``end_date`` (both included; None = open)."""

    subscription_id: str
    number: str
    service_type: str
    plan_code: str
    start_date: date
    end_date: date | None = None
    # A fixed monthly discount (promotion), prorated like the fee; the line's descuento.
    monthly_discount: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", normalize_number(self.number))
        if self.service_type not in SERVICE_TYPES:
            raise InvalidInput.field(
                "service_type", f"Debe ser uno de: {', '.join(SERVICE_TYPES)}."
            )
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidInput.field("end_date", "La fecha de fin es anterior a la de inicio.")
        if self.monthly_discount < 0:
            raise InvalidInput.field("monthly_discount", "El descuento no puede ser negativo.")

    def active_between(self, first: date, last: date) -> bool:
        return self.start_date <= last and (self.end_date is None or self.end_date >= first)

    def overlaps(self, other: "Subscription") -> bool:
        return self.active_between(other.start_date, other.end_date or date.max)

    def same_request(self, other: "Subscription") -> bool:
        """A replay of the same POST: everything but the (new) id is equal."""
        return replace(other, subscription_id=self.subscription_id) == self

    def ended(self, end_date: date) -> "Subscription":
        if end_date < self.start_date:
            raise InvalidInput.field("end_date", "La fecha de fin es anterior a la de inicio.")
        return replace(self, end_date=end_date)


@dataclass(frozen=True)
class NumberHolding:
    """A subscription holding a number on some account (its claim: maybe not written yet)."""

    account_id: str
    subscription: Subscription


# The rule deciding on a number's holders (``Account.replayed_or_free``), handed to the store's
# claim: the replayed subscription, None when the number is free, or NumberInUse.
ClaimCheck = Callable[[Sequence[NumberHolding]], Subscription | None]


@dataclass(frozen=True)
class Account:
    """An account and its subscriptions; ``events`` holds what a change raised, to publish."""

    account_id: str
    holder: Holder
    cycle_day: int
    payment_method: str
    subscriptions: tuple[Subscription, ...] = field(default=())
    events: tuple[AccountEvent, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        try:
            check_cycle_day(self.cycle_day)
        except ValueError:
            raise InvalidInput.field(
                "cycle_day", "El día de corte debe estar entre 1 y 28."
            ) from None
        if self.payment_method not in PAYMENT_FORMS:
            raise InvalidInput.field(
                "payment_method",
                f"Forma de pago SRI desconocida; use una de {', '.join(sorted(PAYMENT_FORMS))}.",
            )
        object.__setattr__(self, "subscriptions", tuple(self.subscriptions))

    def with_details(self, holder: Holder, payment_method: str) -> "Account":
        """The account with the holder's data or the formaPago corrected (a factura SRI refused
        for them is then corrected: docs/sri.md §9). The identification is the account's: a
        different one is another customer, so another account."""
        if (holder.id_type, holder.id_number) != (self.holder.id_type, self.holder.id_number):
            raise InvalidInput.field(
                "holder.id_number",
                "La identificación del titular no se cambia: para otro titular crea otra cuenta.",
            )
        return replace(self, holder=holder, payment_method=payment_method, events=())

    def active_subscriptions(self, first: date, last: date) -> tuple[Subscription, ...]:
        return tuple(s for s in self.subscriptions if s.active_between(first, last))

    def same_request(self, other: "Account") -> bool:
        """Whether ``other`` asks for this account again (a creation replayed with its key)."""
        mine = (self.holder, self.cycle_day, self.payment_method)
        return mine == (other.holder, other.cycle_day, other.payment_method)

    @classmethod
    def migrated(cls, account: "Account", plan_names: Mapping[str, str] | None = None) -> "Account":
        """An account brought with its subscriptions from another billing system: each one
        activated as if added here (the import claims their numbers); ``plan_names`` by plan
        code, for the events."""
        names = plan_names or {}
        opened = replace(account, subscriptions=(), events=())
        for sub in account.subscriptions:
            opened = opened.subscribe(sub, names.get(sub.plan_code))
        return opened

    def subscription(self, subscription_id: str) -> Subscription:
        found = next((s for s in self.subscriptions if s.subscription_id == subscription_id), None)
        if found is None:
            raise NotFound("La cuenta no tiene esa suscripción.")
        return found

    def replayed_or_free(
        self, new: Subscription, holdings: Iterable[NumberHolding]
    ) -> Subscription | None:
        """Whether ``new``'s number is free on its dates, given who holds it.

        The existing subscription when ``new`` repeats it on this account (a replayed request:
        answer as the first time), None when the number is free, NumberInUse when another
        subscription of the number overlaps.
        """
        for holding in holdings:
            if holding.account_id == self.account_id and holding.subscription.same_request(new):
                return holding.subscription
            if holding.subscription.overlaps(new):
                raise NumberInUse()
        return None

    def subscribe(self, subscription: Subscription, plan_name: str | None = None) -> "Account":
        """The account with ``subscription`` added (its number is already claimed for it);
        ``plan_name``, the plan's name in the catalog, travels in the event."""
        subscriptions = sorted(
            (*self.subscriptions, subscription), key=lambda s: (s.start_date, s.subscription_id)
        )
        event = self._change(SubscriptionActivated, subscription, plan_name)
        return replace(self, subscriptions=tuple(subscriptions), events=(*self.events, event))

    def end_subscription(
        self, subscription_id: str, end_date: date, plan_name: str | None = None
    ) -> "Account":
        """The account with that subscription ending on ``end_date``; the same date again
        changes nothing (and raises no event). ``plan_name`` as in ``subscribe``."""
        current = self.subscription(subscription_id)
        if current.end_date == end_date:
            return self
        if current.end_date is not None and end_date > current.end_date:
            # Pushing the end back could overlap a later subscription of the number.
            raise AlreadyEnded(current.end_date)
        ended = current.ended(end_date)
        subscriptions = tuple(ended if s is current else s for s in self.subscriptions)
        event = self._change(SubscriptionEnded, ended, plan_name)
        return replace(self, subscriptions=subscriptions, events=(*self.events, event))

    def _change(self, kind: type[_Change], sub: Subscription, plan_name: str | None) -> _Change:
        event: _Change = kind(
            account_id=self.account_id,
            subscription_id=sub.subscription_id,
            number=sub.number,
            service_type=sub.service_type,
            plan_code=sub.plan_code,
            holder_id_type=self.holder.id_type,
            holder_id_number=self.holder.id_number,
            start_date=sub.start_date,
            end_date=sub.end_date,
            contact_mobile=self.holder.mobile(),
            plan_name=plan_name,
        )
        return event


def holding_account(accounts: Sequence[Account], number: str, label: str) -> Account | None:
    """The account ``number`` was on in period ``label`` (the latest one if it moved meanwhile)."""
    best: tuple[date, Account] | None = None
    for account in accounts:
        period = BillingPeriod.of(label, account.cycle_day)
        for sub in account.active_subscriptions(period.start, period.end):
            if sub.number == number and (best is None or sub.start_date > best[0]):
                best = (sub.start_date, account)
    return best[1] if best else None
