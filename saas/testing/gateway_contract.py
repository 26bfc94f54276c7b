"""The contract every payment gateway plugin passes, run against the plugin's own fake server.

A plugin author subclasses :class:`GatewayContract` in a test module and provides a ``harness`` fixture
returning a :class:`GatewayHarness` — the one object that knows the plugin's fake: how to build the
gateway pointed at it, how to make the fake mark a payment paid or failed, and how to get from it the
notification the real gateway would send (signed by the gateway's key, or by a stranger's)::

    class TestMyGateway(GatewayContract):
        @pytest.fixture(scope="class")
        @classmethod
        def harness(cls):
            with MyHarness.running() as harness:
                yield harness

Every test talks to the fake over HTTP, exactly as production talks to the gateway; nothing is mocked.
Where a gateway's protocol lacks something (Alipay signs no timestamp), the harness says so and the test
that needs it is skipped with that reason, never passed silently.
"""
from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Callable, ClassVar

import pytest

from saas.money import Money
from saas.providers import (InvalidSignature, Notification, PaymentGateway, PaymentRequest, ProviderError,
                            RefundRequest, RefundResult)

Delivery = tuple[dict, bytes]   # (headers, raw body) exactly as the gateway would POST them
AMOUNT = 10001                  # 100.01: an amount that loses its last cent to any float or rounding slip


@dataclass(frozen=True)
class ExpectedFailure:
    """What the gateway reports for a payment the fake failed. ``message`` None: any non-empty text."""
    status: str
    code: str
    message: str | None = None


class GatewayHarness(abc.ABC):
    """A plugin's fake server, as the contract drives it. Class attributes describe the protocol."""

    gateway_class: ClassVar[type[PaymentGateway]]
    action_type: ClassVar[str]
    currency: ClassVar[str] = "CNY"
    expected_ack: ClassVar[tuple[int, str]] = (200, "")
    assigns_reference_on_create: ClassVar[bool] = True   # the gateway's own id is known before payment
    notifies_failures: ClassVar[bool] = True
    notifies_refunds: ClassVar[bool] = True
    signs_timestamps: ClassVar[bool] = True

    @abc.abstractmethod
    def gateway(self, now: Callable[[], dt.datetime] | None = None) -> PaymentGateway:
        """The gateway pointed at the fake, with the fake's test credentials and the given clock."""

    @abc.abstractmethod
    def gateway_with_wrong_credentials(self) -> PaymentGateway:
        """The gateway pointed at the fake with credentials the fake does not accept."""

    @abc.abstractmethod
    def mark_paid(self, payment: PaymentRequest) -> None:
        """Make the fake behave as if the buyer paid ``payment`` in full."""

    @abc.abstractmethod
    def mark_failed(self, payment: PaymentRequest, code: str, message: str) -> ExpectedFailure:
        """Make the fake fail ``payment`` (with ``code``/``message`` where the protocol carries them)."""

    @abc.abstractmethod
    def payment_notification(self, payment: PaymentRequest, foreign_signer: bool = False) -> Delivery:
        """The fake's latest notification about ``payment``, freshly signed (by a stranger's key if asked);
        asking again is a redelivery of the same event."""

    @abc.abstractmethod
    def unsigned(self, delivery: Delivery) -> Delivery:
        """``delivery`` with its signature removed."""

    def refund_notification(self, payment: PaymentRequest, refund: RefundResult,
                            foreign_signer: bool = False) -> Delivery:
        raise NotImplementedError("set notifies_refunds = False or implement refund_notification")

    def settle_refund(self, payment: PaymentRequest, refund: RefundResult) -> None:
        """Let a refund the fake holds as processing finish successfully (no-op if refunds are instant)."""

    def ignored_notification(self, payment: PaymentRequest) -> Delivery | None:
        """A genuine notification of an event type the gateway sends but Orderly ignores, if there is one."""
        return None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def clock_offset(seconds: int) -> Callable[[], dt.datetime]:
    return lambda: utcnow() + dt.timedelta(seconds=seconds)


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8).upper()}"


class GatewayContract:
    """The shared tests. Subclass and provide a ``harness`` fixture (class scope keeps one fake per class)."""

    # --- building blocks ------------------------------------------------------------------------

    @pytest.fixture
    def gateway(self, harness: GatewayHarness) -> PaymentGateway:
        return harness.gateway()

    @staticmethod
    def new_payment(harness: GatewayHarness) -> PaymentRequest:
        return PaymentRequest(reference=new_id("PAY"), order_number=new_id("ORD"),
                              amount=Money(AMOUNT, harness.currency), description="Contract test order",
                              return_url="https://shop.example/return")

    def started(self, harness, gateway) -> PaymentRequest:
        payment = self.new_payment(harness)
        action = gateway.create_payment(payment)
        return dataclasses.replace(payment, gateway_reference=action.gateway_reference)

    def paid(self, harness, gateway) -> PaymentRequest:
        payment = self.started(harness, gateway)
        harness.mark_paid(payment)
        return payment

    @staticmethod
    def parse(gateway, delivery: Delivery) -> Notification:
        headers, body = delivery
        return gateway.parse_notification(headers, body)

    # --- creating payments ------------------------------------------------------------------------

    def test_settings_default_to_the_real_endpoint(self, harness):
        api_base = harness.gateway_class.settings_schema().load({})["api_base"]
        assert api_base.startswith("https://") and "127.0.0.1" not in api_base

    def test_create_payment_returns_the_buyer_action(self, harness, gateway):
        payment = self.new_payment(harness)
        action = gateway.create_payment(payment)
        assert action.type == harness.action_type and action.value
        if harness.assigns_reference_on_create:
            assert action.gateway_reference

    def test_create_payment_retried_with_the_same_reference_gives_the_same_action(self, harness, gateway):
        payment = self.new_payment(harness)
        assert gateway.create_payment(payment) == gateway.create_payment(payment)

    # --- payment notifications and queries -------------------------------------------------------

    def test_paid_notification_parses_to_succeeded_with_the_exact_amount(self, harness, gateway):
        payment = self.paid(harness, gateway)
        notification = self.parse(gateway, harness.payment_notification(payment))
        result = notification.payment
        assert notification.refund is None and result is not None
        assert (result.status, result.reference, result.amount) == ("succeeded", payment.reference,
                                                                    payment.amount)
        assert result.gateway_reference
        if harness.assigns_reference_on_create:
            assert result.gateway_reference == payment.gateway_reference
        assert notification.ack[:2] == harness.expected_ack

    def test_failed_payment_keeps_the_gateway_failure_code_and_message(self, harness, gateway):
        payment = self.started(harness, gateway)
        expected = harness.mark_failed(payment, "card_declined", "Your card was declined.")
        results = [gateway.query(payment)]
        if harness.notifies_failures:
            results.append(self.parse(gateway, harness.payment_notification(payment)).payment)
        for result in results:
            assert (result.status, result.failure_code) == (expected.status, expected.code)
            assert result.failure_message and result.failure_message == (expected.message or
                                                                         result.failure_message)

    def test_query_of_an_unpaid_payment_is_pending(self, harness, gateway):
        payment = self.started(harness, gateway)
        assert gateway.query(payment).status == "pending"

    def test_query_of_a_payment_the_gateway_never_saw_is_pending(self, harness, gateway):
        # create_payment may have failed before reaching the gateway; polling must not crash on it.
        result = gateway.query(self.new_payment(harness))
        assert (result.status, result.gateway_reference) == ("pending", None)

    def test_query_agrees_with_the_paid_notification(self, harness, gateway):
        payment = self.paid(harness, gateway)
        notified = self.parse(gateway, harness.payment_notification(payment)).payment
        queried = gateway.query(payment)
        assert (queried.status, queried.reference, queried.amount, queried.gateway_reference) == (
            notified.status, notified.reference, notified.amount, notified.gateway_reference)

    def test_query_finds_the_payment_by_orderly_reference_alone(self, harness, gateway):
        # The core may have lost create_payment's answer: it then knows only its own reference.
        payment = self.paid(harness, gateway)
        queried = gateway.query(dataclasses.replace(payment, gateway_reference=None))
        assert (queried.status, queried.amount) == ("succeeded", payment.amount)

    # --- rejecting forged notifications ----------------------------------------------------------

    def test_tampered_body_is_rejected(self, harness, gateway):
        payment = self.paid(harness, gateway)
        headers, body = harness.payment_notification(payment)
        middle = len(body) // 2
        flipped = body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]
        for tampered in {flipped, body + b"\n", body.replace(b"1", b"2", 1)} - {body}:
            with pytest.raises(InvalidSignature):
                gateway.parse_notification(headers, tampered)

    def test_unsigned_notification_is_rejected(self, harness, gateway):
        payment = self.paid(harness, gateway)
        with pytest.raises(InvalidSignature):
            self.parse(gateway, harness.unsigned(harness.payment_notification(payment)))

    def test_notification_signed_with_another_key_is_rejected(self, harness, gateway):
        payment = self.paid(harness, gateway)
        with pytest.raises(InvalidSignature):
            self.parse(gateway, harness.payment_notification(payment, foreign_signer=True))

    def test_stale_or_future_notification_is_rejected(self, harness, gateway):
        if not harness.signs_timestamps:
            pytest.skip("this gateway's notifications carry no signed timestamp window")
        payment = self.paid(harness, gateway)
        delivery = harness.payment_notification(payment)
        assert self.parse(harness.gateway(now=clock_offset(240)), delivery).payment.status == "succeeded"
        for offset in (330, -330):
            with pytest.raises(InvalidSignature):
                self.parse(harness.gateway(now=clock_offset(offset)), delivery)

    def test_malformed_body_is_rejected(self, gateway):
        for body in (b"", b"{", b"\xff\xfe", b"a=b&c"):
            with pytest.raises(InvalidSignature):
                gateway.parse_notification({}, body)

    def test_header_names_are_matched_case_insensitively(self, harness, gateway):
        payment = self.paid(harness, gateway)
        headers, body = harness.payment_notification(payment)
        lowered = {name.lower(): value for name, value in headers.items()}
        assert gateway.parse_notification(lowered, body).payment.status == "succeeded"

    # --- deduplication and ignored events --------------------------------------------------------

    def test_a_notification_and_its_redelivery_share_one_event_id(self, harness, gateway):
        payment = self.paid(harness, gateway)
        delivery = harness.payment_notification(payment)
        first, again = self.parse(gateway, delivery), self.parse(gateway, delivery)
        redelivered = self.parse(gateway, harness.payment_notification(payment))
        assert first.event_id and first.event_id == again.event_id == redelivered.event_id
        other = self.paid(harness, gateway)
        assert self.parse(gateway, harness.payment_notification(other)).event_id != first.event_id

    def test_ignored_event_types_carry_no_payment_or_refund(self, harness, gateway):
        payment = self.started(harness, gateway)
        delivery = harness.ignored_notification(payment)
        if delivery is None:
            pytest.skip("the fake sends no event type that Orderly ignores")
        notification = self.parse(gateway, delivery)
        assert (notification.payment, notification.refund) == (None, None) and notification.event_id

    # --- refunds ------------------------------------------------------------------------------------

    def refund(self, gateway, payment, amount: int, refund_id: str | None = None) -> RefundResult:
        refund_id = refund_id or new_id("RF")
        result = gateway.refund(RefundRequest(refund_id, payment, Money(amount, payment.amount.currency),
                                              reason="buyer returned the goods"))
        assert result.refund_id == refund_id and result.status in ("pending", "succeeded")
        return result

    def assert_refund_completes(self, harness, gateway, payment, refund: RefundResult) -> None:
        harness.settle_refund(payment, refund)
        if not harness.notifies_refunds:
            assert refund.status == "succeeded", "without refund notifications a refund must finish at once"
            return
        notification = self.parse(gateway, harness.refund_notification(payment, refund))
        assert notification.payment is None and notification.refund is not None
        assert (notification.refund.refund_id, notification.refund.status) == (refund.refund_id, "succeeded")
        with pytest.raises(InvalidSignature):
            self.parse(gateway, harness.refund_notification(payment, refund, foreign_signer=True))

    def test_partial_refund_then_the_rest_succeeds(self, harness, gateway):
        payment = self.paid(harness, gateway)
        first = self.refund(gateway, payment, 4000)
        rest = self.refund(gateway, payment, AMOUNT - 4000)
        assert first.refund_id != rest.refund_id
        for refund in (first, rest):
            self.assert_refund_completes(harness, gateway, payment, refund)

    def test_refund_above_the_captured_amount_is_refused(self, harness, gateway):
        payment = self.paid(harness, gateway)
        with pytest.raises(ProviderError) as refused:
            self.refund(gateway, payment, AMOUNT + 1)
        assert not isinstance(refused.value, InvalidSignature)
        self.refund(gateway, payment, 5000)
        with pytest.raises(ProviderError):
            self.refund(gateway, payment, AMOUNT - 5000 + 1)

    def test_refund_retried_with_the_same_refund_id_refunds_once(self, harness, gateway):
        payment = self.paid(harness, gateway)
        refund_id = new_id("RF")
        first = self.refund(gateway, payment, 6000, refund_id)
        again = self.refund(gateway, payment, 6000, refund_id)
        assert again.gateway_reference == first.gateway_reference
        self.refund(gateway, payment, AMOUNT - 6000)       # possible only if the retry refunded nothing
        with pytest.raises(ProviderError):
            self.refund(gateway, payment, 1)

    # --- connection check ---------------------------------------------------------------------------

    def test_test_connection_accepts_good_credentials_and_refuses_bad_ones(self, harness, gateway):
        gateway.test_connection()
        with pytest.raises(ProviderError):
            harness.gateway_with_wrong_credentials().test_connection()
