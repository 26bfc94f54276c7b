"""Stripe specifics beyond the shared gateway contract, against the Stripe fake server."""
import dataclasses
import secrets

import pytest
import requests

from plugins.stripe.fake import StripeHarness
from plugins.stripe.provider import from_stripe_amount, to_stripe_amount
from saas.money import Money
from saas.providers import InvalidSignature, PaymentRequest, ProviderError, RefundRequest


@pytest.fixture(scope="module")
def stripe_fake():
    with StripeHarness.running() as harness:
        yield harness


def started(harness, amount=Money(2500, "USD")):
    gateway = harness.gateway()
    payment = PaymentRequest(reference=f"PAY{secrets.token_hex(6)}", order_number="ORD1", amount=amount,
                             description="Stripe test")
    action = gateway.create_payment(payment)
    return gateway, dataclasses.replace(payment, gateway_reference=action.gateway_reference)


def paid(harness, amount=Money(2500, "USD")):
    gateway, payment = started(harness, amount)
    harness.mark_paid(payment)
    return gateway, payment


@pytest.mark.parametrize("money, wire", [(Money(1999, "USD"), (1999, "usd")), (Money(500, "JPY"), (500, "jpy")),
                                         (Money(500, "ISK"), (50000, "isk")), (Money(1230, "KWD"), (1230, "kwd"))])
def test_amounts_go_to_stripe_in_its_minor_units_and_come_back_exactly(money, wire):
    assert to_stripe_amount(money) == wire
    assert from_stripe_amount(*wire) == money


def test_three_decimal_amounts_must_end_in_zero_for_stripe():
    with pytest.raises(ProviderError):
        to_stripe_amount(Money(1234, "KWD"))


def test_a_zero_decimal_payment_is_notified_with_its_exact_amount(stripe_fake):
    gateway, payment = paid(stripe_fake, Money(4800, "JPY"))
    notification = gateway.parse_notification(*stripe_fake.payment_notification(payment))
    assert notification.payment.amount == Money(4800, "JPY")


def test_a_webhook_signed_during_secret_rotation_is_accepted(stripe_fake):
    gateway, payment = paid(stripe_fake)
    event_id = stripe_fake.latest_event(payment.gateway_reference, {"payment_intent.succeeded"})
    headers, body = stripe_fake.deliver(event_id, signer="rotating")
    assert headers["Stripe-Signature"].count("v1=") == 2
    assert gateway.parse_notification(headers, body).payment.status == "succeeded"


def test_a_cancelled_intent_is_reported_cancelled_with_stripes_reason(stripe_fake):
    gateway, payment = started(stripe_fake)
    response = requests.post(f"{stripe_fake.url}/v1/payment_intents/{payment.gateway_reference}/cancel",
                             data={"cancellation_reason": "abandoned"}, timeout=5,
                             headers={"Authorization": f"Bearer {stripe_fake.credentials['secret_key']}"})
    assert response.status_code == 200
    notified = gateway.parse_notification(*stripe_fake.payment_notification(payment)).payment
    assert (notified.status, notified.failure_code) == ("cancelled", "abandoned")
    assert gateway.query(payment).status == "cancelled"


def test_a_failed_refund_is_notified_as_failed_with_stripes_reason(stripe_fake):
    gateway, payment = paid(stripe_fake)
    refund = gateway.refund(RefundRequest("RFFAILS", payment, Money(1000, "USD"), "requested_by_customer"))
    stripe_fake.control(f"refunds/{refund.gateway_reference}/fail", failure_reason="expired_or_canceled_card")
    notified = gateway.parse_notification(*stripe_fake.refund_notification(payment, refund)).refund
    assert (notified.refund_id, notified.status, notified.failure_message) == (
        "RFFAILS", "failed", "expired_or_canceled_card")


def test_a_reference_reused_for_another_amount_is_refused_by_its_idempotency_key(stripe_fake):
    gateway, payment = started(stripe_fake)
    with pytest.raises(ProviderError) as refused:
        gateway.create_payment(dataclasses.replace(payment, amount=Money(2600, "USD")))
    assert refused.value.code == "idempotency_error"


def test_a_correctly_signed_but_malformed_event_is_rejected(stripe_fake):
    import hashlib
    import hmac
    import time
    gateway, body = stripe_fake.gateway(), b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
    timestamp = int(time.time())
    signature = hmac.new(stripe_fake.credentials["webhook_secret"].encode(), f"{timestamp}.".encode() + body,
                         hashlib.sha256).hexdigest()
    with pytest.raises(InvalidSignature) as rejected:
        gateway.parse_notification({"Stripe-Signature": f"t={timestamp},v1={signature}"}, body)
    assert rejected.value.code == "malformed"
