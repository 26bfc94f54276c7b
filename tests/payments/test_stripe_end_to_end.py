"""An order paid through Stripe's fake server end to end: the API starts the PaymentIntent, the fake's
signed webhook arrives at the real hook route /hooks/{slug}/{id}, and a refund goes back through Stripe."""
from __future__ import annotations

import pytest

from orders.support import api_ok
from payments.support import get_order_json, new_order, post_hook
from saas.money import Money
from saas.providers import PaymentRequest, RefundResult

stripe_fake = pytest.importorskip("plugins.stripe.fake", reason="the Stripe plugin is not installed")


@pytest.fixture(scope="module")
def stripe_harness():
    with stripe_fake.StripeHarness.running() as harness:
        yield harness


def _install_stripe(client, shop, harness) -> int:
    body = {"kind": "payment_gateway", "plugin": "stripe", "name": "Stripe",
            "settings": {"api_base": harness.url}, "credentials": harness.credentials}
    return api_ok(client.post("/api/v1/integrations", headers=shop.headers, json=body), 201)["id"]


def _as_request(payment: dict) -> PaymentRequest:
    amount = Money(payment["amount"]["amount"], payment["amount"]["currency"])
    return PaymentRequest(payment["reference"], "", amount, "", gateway_reference=payment["gateway_reference"])


def test_stripe_payment_and_refund_through_the_hook_route(client, shop, stripe_harness):
    integration = _install_stripe(client, shop, stripe_harness)
    number = new_order(client, shop)
    payment = api_ok(client.post(f"/api/v1/orders/{number}/payments", headers=shop.headers,
                                 json={"integration": integration}), 201)
    assert payment["action"]["type"] == "client_secret" and payment["gateway_reference"].startswith("pi_")

    stripe_harness.mark_paid(_as_request(payment))
    headers, body = stripe_harness.payment_notification(_as_request(payment))
    forged = dict(headers, **{"Stripe-Signature": "t=1,v1=00"})
    assert post_hook(client, shop, integration, forged, body).status_code == 400
    assert get_order_json(client, shop, number)["payment_status"] == "pending"
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("awaiting_fulfilment", "paid")

    refunds = api_ok(client.post(f"/api/v1/orders/{number}/refunds", headers=shop.headers,
                                 json={"amount": {"amount": 1000, "currency": "CNY"}, "reason": "returned"}), 201)
    refund = refunds["items"][0]
    if refund["status"] == "pending":  # Stripe finishes it asynchronously: its refund.updated webhook
        result = RefundResult(refund["id"], "pending", gateway_reference=refund["gateway_reference"])
        stripe_harness.settle_refund(_as_request(payment), result)
        headers, body = stripe_harness.refund_notification(_as_request(payment), result)
        assert post_hook(client, shop, integration, headers, body).status_code == 200
    assert get_order_json(client, shop, number)["payment_status"] == "refunded"
