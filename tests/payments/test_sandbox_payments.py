"""Paying an order with the sandbox gateway through the real hook route: good notifications pay it once,
anything forged, replayed, unknown or for the wrong amount changes nothing."""
from __future__ import annotations

import json

import pytest

from orders.support import api_ok, available
from payments.support import (get_order_json, install_sandbox, new_order, pay, post_hook, signed_notification,
                              snapshot, start)
from saas.alerts.models import Alert
from saas.extensions import db
from saas.money import Money
from saas.payments.models import PaymentNotification


def _alerts(in_tenant, shop, type_: str) -> list:
    with in_tenant(shop):
        return [(a.type, a.dedupe_key) for a in db.session.query(Alert).filter_by(type=type_)]


def test_start_payment_returns_the_buyers_next_step(client, shop):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration, return_url="http://shop.example/thanks")
    assert payment["status"] == "pending" and payment["reference"].startswith("PAY")
    assert payment["action"]["type"] == "redirect"
    assert f"/sandbox-pay/{payment['reference']}?" in payment["action"]["value"]
    assert get_order_json(client, shop, number)["payment_status"] == "pending"


def test_start_by_gateway_name_when_installed_once(client, shop):
    install_sandbox(client, shop)
    number = new_order(client, shop)
    body = api_ok(client.post(f"/api/v1/orders/{number}/payments", headers=shop.headers,
                              json={"gateway": "sandbox_pay"}), 201)
    assert body["status"] == "pending"


def test_good_signature_pays_the_order_once(client, shop, in_tenant, monkeypatch):
    fired = []
    monkeypatch.setattr("saas.payments.applying.fire_after_commit",
                        lambda session, hook, **kw: fired.append((hook, kw["order_number"])))
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    response = pay(client, in_tenant, shop, integration, payment)
    assert response.status_code == 200 and response.get_json() == {"received": True}
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("awaiting_fulfilment", "paid")
    moves = [(h["axis"], h["from"], h["to"]) for h in order["history"] if h["event"] in ("pay", "succeed")]
    assert moves == [("payment_status", "pending", "paid"), ("status", "pending_payment", "awaiting_fulfilment")]
    assert fired == [("orderly_payment_succeeded", number)]
    assert order["payments"][0]["status"] == "succeeded"


def test_replayed_notification_is_acknowledged_and_changes_nothing(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.succeeded", payment["reference"],
                                        Money(1000, "CNY"))
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    before = snapshot(in_tenant, shop, number)
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    assert snapshot(in_tenant, shop, number) == before
    with in_tenant(shop):
        assert [n.outcome for n in db.session.query(PaymentNotification)] == ["paid"]


@pytest.mark.parametrize("forgery", ["tampered_body", "wrong_secret", "no_signature"])
def test_forged_notification_is_rejected_with_400_and_nothing_stored(client, shop, in_tenant, forgery):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.succeeded", payment["reference"],
                                        Money(1000, "CNY"))
    if forgery == "tampered_body":
        body = body.replace(b'"amount":1000', b'"amount":1')
    elif forgery == "wrong_secret":
        other = install_sandbox(client, shop, secret="another-secret-456")
        headers, _ = signed_notification(in_tenant, shop, other, "payment.succeeded", payment["reference"],
                                         Money(1000, "CNY"))
    else:
        headers = {"Content-Type": "application/json"}
    before = snapshot(in_tenant, shop, number)
    response = post_hook(client, shop, integration, headers, body)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert snapshot(in_tenant, shop, number) == before
    with in_tenant(shop):
        assert db.session.query(PaymentNotification).count() == 0


def test_unknown_payment_is_stored_acknowledged_and_ignored(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    start(client, shop, number, integration)
    before = snapshot(in_tenant, shop, number)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.succeeded", "PAYNOSUCHTHING",
                                        Money(1000, "CNY"))
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    assert snapshot(in_tenant, shop, number) == before
    with in_tenant(shop):
        stored = db.session.query(PaymentNotification).one()
        assert (stored.outcome, stored.applied) == ("unknown_payment", False)


def test_wrong_amount_raises_an_alert_and_does_not_pay(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    before = snapshot(in_tenant, shop, number)
    assert pay(client, in_tenant, shop, integration, payment, amount=Money(1, "CNY")).status_code == 200
    assert snapshot(in_tenant, shop, number) == before
    assert _alerts(in_tenant, shop, "payment_amount_mismatch") == [("payment_amount_mismatch", payment["reference"])]


def test_failure_keeps_its_reason_and_the_order_stays_payable(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.failed", payment["reference"],
                                        Money(1000, "CNY"), failure_code="card_declined")
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("pending_payment", "failed")
    attempts = api_ok(client.get(f"/api/v1/orders/{number}/payments", headers=shop.headers))["items"]
    assert (attempts[0]["status"], attempts[0]["failure_code"]) == ("failed", "card_declined")
    assert attempts[0]["failure_message"] == "The card was declined."
    assert _alerts(in_tenant, shop, "payment_failed") == [("payment_failed", number)]


def test_retry_after_failure_succeeds(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    first = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.failed", first["reference"],
                                        Money(1000, "CNY"), failure_code="insufficient_funds")
    post_hook(client, shop, integration, headers, body)
    second = start(client, shop, number, integration)
    assert second["reference"] != first["reference"]
    assert pay(client, in_tenant, shop, integration, second).status_code == 200
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("awaiting_fulfilment", "paid")
    assert [p["status"] for p in order["payments"]] == ["failed", "succeeded"]


def test_failure_arriving_after_success_changes_nothing(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    pay(client, in_tenant, shop, integration, payment)
    before = snapshot(in_tenant, shop, number)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.failed", payment["reference"],
                                        Money(1000, "CNY"), failure_code="card_declined")
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    assert snapshot(in_tenant, shop, number) == before


def test_cancel_after_failure_releases_stock(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop, quantity=3)
    assert available(client, shop, "A") == 7
    payment = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.failed", payment["reference"],
                                        Money(3000, "CNY"), failure_code="cancelled")
    post_hook(client, shop, integration, headers, body)
    api_ok(client.post(f"/api/v1/orders/{number}/cancel", headers=shop.headers, json={"reason": "buyer gave up"}))
    assert get_order_json(client, shop, number)["status"] == "cancelled"
    assert available(client, shop, "A") == 10


def test_paid_order_cannot_start_another_payment(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    pay(client, in_tenant, shop, integration, start(client, shop, number, integration))
    problem = start(client, shop, number, integration, status=409)
    assert problem["status"] == 409


def test_cod_order_needs_no_payment(client, shop):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop, payment_method="cod")
    start(client, shop, number, integration, status=409)


def test_gateway_error_records_a_failed_attempt_and_answers_502(client, shop, monkeypatch):
    from saas.providers import ProviderError

    def refuse(self, payment):
        raise ProviderError("merchant account suspended", code="account_suspended")
    monkeypatch.setattr("plugins.sandbox_pay.provider.SandboxPay.create_payment", refuse)
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    response = client.post(f"/api/v1/orders/{number}/payments", headers=shop.headers,
                           json={"integration": integration})
    assert response.status_code == 502 and response.mimetype == "application/problem+json"
    attempts = api_ok(client.get(f"/api/v1/orders/{number}/payments", headers=shop.headers))["items"]
    assert (attempts[0]["status"], attempts[0]["failure_code"]) == ("failed", "account_suspended")
    assert get_order_json(client, shop, number)["payment_status"] == "unpaid"


def test_notification_body_is_stored_raw(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    pay(client, in_tenant, shop, integration, payment)
    with in_tenant(shop):
        stored = db.session.query(PaymentNotification).one()
        assert json.loads(stored.body)["reference"] == payment["reference"]
        assert "X-Sandbox-Signature" in stored.headers


def test_start_payment_honours_idempotency_key(client, shop):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    headers = {**shop.headers, "Idempotency-Key": f"pay-{number}"}
    first = client.post(f"/api/v1/orders/{number}/payments", headers=headers, json={"integration": integration})
    again = client.post(f"/api/v1/orders/{number}/payments", headers=headers, json={"integration": integration})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json()["reference"] == again.get_json()["reference"]
    assert len(api_ok(client.get(f"/api/v1/orders/{number}/payments", headers=shop.headers))["items"]) == 1
