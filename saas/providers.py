"""Provider interfaces that plugins implement: payment gateways, couriers, sales channels.

The core calls a provider without knowing which one it is. A provider is constructed per call with the
tenant's integration settings and decrypted credentials, talks to its remote API (``settings["api_base"]``
defaults to the provider's real endpoint and can point at a sandbox or a local fake server), and returns the
plain dataclasses below. Providers hold no database session and never touch Orderly's tables.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from marshmallow import Schema, ValidationError

from saas.money import Money


class ProviderError(Exception):
    """The remote provider refused or failed a call. ``code`` is the provider's own error code."""

    def __init__(self, message: str, code: str | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class InvalidSignature(ProviderError):
    """An inbound notification failed signature, timestamp or shape checks: reject it, change nothing."""


class EmptySchema(Schema):
    pass


def readable_by(parse):
    """A marshmallow validator refusing a credential ``parse`` cannot read (a malformed PEM key, say), so
    the merchant is told at install time rather than at the first payment."""
    def check(value: str) -> None:
        try:
            parse(value)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"unreadable key: {exc}") from None
    return check


class Provider:
    """Common base: identity, settings and credentials schemas, and construction."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""            # stable machine name, e.g. "stripe"
    label: ClassVar[str] = ""           # human name shown in the console
    settings_schema: ClassVar[type[Schema]] = EmptySchema
    credentials_schema: ClassVar[type[Schema]] = EmptySchema

    def __init__(self, settings: Mapping[str, Any], credentials: Mapping[str, Any],
                 notify_url: str = "", now=None):
        self.settings = dict(settings)
        self.credentials = dict(credentials)
        # The URL Orderly hands the provider for inbound notifications (the integration's hook).
        self.notify_url = notify_url
        # Injectable clock so signature timestamp windows can be tested.
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))

    def now(self) -> dt.datetime:
        return self._now()

    def test_connection(self) -> None:
        """Make one harmless authenticated call; raise ProviderError if it fails."""

    def parsed_credential(self, name: str, parse):
        """``parse(credentials[name])`` (e.g. load a PEM key); an unreadable value is a ProviderError with
        code ``invalid_credentials``, so the merchant sees which credential to fix."""
        try:
            return parse(self.credentials.get(name) or "")
        except (ValueError, TypeError) as exc:
            raise ProviderError(f"{name} is unusable: {exc}", code="invalid_credentials") from None


# --- payment gateways -------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentRequest:
    """What the core asks a gateway to collect. ``reference`` is Orderly's attempt id: use it as the
    gateway's merchant order id (``out_trade_no``) and idempotency key."""
    reference: str
    order_number: str
    amount: Money
    description: str
    return_url: str | None = None
    gateway_reference: str | None = None   # set once the gateway has answered create_payment
    buyer_ip: str | None = None


@dataclass(frozen=True)
class PaymentAction:
    """The buyer's next step. type: ``redirect`` | ``qr_code`` | ``client_secret`` | ``none``."""
    type: str
    value: str
    gateway_reference: str | None = None


@dataclass(frozen=True)
class PaymentResult:
    """The state of one payment at the gateway. status: ``pending`` | ``succeeded`` | ``failed`` | ``cancelled``."""
    reference: str | None
    status: str
    gateway_reference: str | None = None
    amount: Money | None = None
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    refund_id: str                 # Orderly's refund id: the gateway's idempotency key / out_refund_no
    payment: PaymentRequest        # the captured payment being refunded (with gateway_reference)
    amount: Money
    reason: str = ""


@dataclass(frozen=True)
class RefundResult:
    """status: ``pending`` | ``succeeded`` | ``failed``."""
    refund_id: str | None
    status: str
    gateway_reference: str | None = None
    amount: Money | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class Notification:
    """A verified inbound notification. Exactly one of ``payment``/``refund`` is set, or neither for an
    event the core ignores (still acknowledged). ``event_id`` is unique per gateway event, for dedupe.
    ``ack`` is what the gateway expects as the HTTP answer: (status, body, content type)."""
    event_id: str
    payment: PaymentResult | None = None
    refund: RefundResult | None = None
    ack: tuple[int, str, str] = (200, "", "text/plain")


class PaymentGateway(Provider):
    kind = "payment_gateway"

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        raise NotImplementedError("a gateway must implement create_payment")

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the signature over the raw ``body`` first; raise InvalidSignature if it fails."""
        raise NotImplementedError("a gateway must implement parse_notification")

    def refund(self, refund: RefundRequest) -> RefundResult:
        raise NotImplementedError("a gateway must implement refund")

    def query(self, payment: PaymentRequest) -> PaymentResult:
        raise NotImplementedError("a gateway must implement query")


# --- couriers ---------------------------------------------------------------------------------

TRACKING_STATUSES = (
    "pending", "info_received", "picked_up", "in_transit", "out_for_delivery", "available_for_pickup",
    "failed_attempt", "delivered", "exception", "returning", "returned", "expired", "cancelled",
)


@dataclass(frozen=True)
class TrackingEvent:
    at: dt.datetime               # UTC
    status: str                   # one of TRACKING_STATUSES
    description: str
    location: str = ""
    raw_code: str = ""            # the courier's own code, kept verbatim


@dataclass(frozen=True)
class ParcelRequest:
    shipment_id: str
    weight_grams: int
    sender: Mapping[str, Any]
    recipient: Mapping[str, Any]
    cod_amount: Money | None = None


@dataclass(frozen=True)
class Booking:
    tracking_number: str
    label_url: str | None = None


@dataclass(frozen=True)
class TrackingPush:
    tracking_number: str
    events: list[TrackingEvent] = field(default_factory=list)
    ack: tuple[int, str, str] = (200, "", "text/plain")


class Courier(Provider):
    kind = "courier"

    def book(self, parcel: ParcelRequest) -> Booking:
        raise NotImplementedError("a courier must implement book")

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        raise NotImplementedError("a courier must implement track")

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingPush]:
        raise NotImplementedError("a courier must implement parse_push")


# --- sales channels ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ChannelOrder:
    external_id: str
    customer: Mapping[str, Any]
    shipping_address: Mapping[str, Any]
    lines: list[Mapping[str, Any]]       # {"sku", "quantity", "unit_price": Money}
    payment_method: str                  # "online" | "cod"
    paid: bool
    placed_at: dt.datetime
    raw: Mapping[str, Any] = field(default_factory=dict)


class Channel(Provider):
    kind = "channel"

    def fetch_orders(self, since: str | None) -> tuple[list[ChannelOrder], str | None]:
        raise NotImplementedError("a channel must implement fetch_orders")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ChannelOrder]:
        raise NotImplementedError("a channel must implement parse_webhook")

    def push_fulfilment(self, external_id: str, tracking_number: str, courier: str) -> None:
        raise NotImplementedError("a channel must implement push_fulfilment")

    def push_stock(self, levels: Mapping[str, int]) -> None:
        raise NotImplementedError("a channel must implement push_stock")


PROVIDER_KINDS = {"payment_gateway": PaymentGateway, "courier": Courier, "channel": Channel}
