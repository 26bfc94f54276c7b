"""Refunds go through the gateway of the payment they refund and never exceed what it captured."""
from __future__ import annotations

from orders.support import api_ok
from payments.support import get_order_json, install_sandbox, new_order, pay, post_hook, signed_notification, start
from saas.extensions import db
from saas.payments.models import Refund


def _paid_order(client, shop, in_tenant, quantity=1, **settings):
    integration = install_sandbox(client, shop, **settings)
    number = new_order(client, shop, quantity=quantity)
    pay(client, in_tenant, shop, integration, start(client, shop, number, integration))
    return integration, number


def _refund(client, shop, number, amount, status=201):
    return api_ok(client.post(f"/api/v1/orders/{number}/refunds", headers=shop.headers,
                              json={"amount": {"amount": amount, "currency": "CNY"}, "reason": "damaged"}), status)


def test_refund_above_captured_is_a_conflict(client, shop, in_tenant):
    _, number = _paid_order(client, shop, in_tenant)
    problem = _refund(client, shop, number, 1001, status=409)
    assert problem["refundable"] == {"amount": 1000, "currency": "CNY"}
    assert get_order_json(client, shop, number)["payment_status"] == "paid"


def test_partial_refunds_then_full(client, shop, in_tenant):
    _, number = _paid_order(client, shop, in_tenant, quantity=2)
    first = _refund(client, shop, number, 500)["items"]
    assert [(r["status"], r["amount"]["amount"]) for r in first] == [("succeeded", 500)]
    assert get_order_json(client, shop, number)["payment_status"] == "partially_refunded"
    _refund(client, shop, number, 700)
    assert get_order_json(client, shop, number)["payment_status"] == "partially_refunded"
    _refund(client, shop, number, 801, status=409)
    _refund(client, shop, number, 800)
    order = get_order_json(client, shop, number)
    assert order["payment_status"] == "refunded"
    assert order["payments"][0]["refunded"]["amount"] == 2000
    assert len(order["payments"][0]["refunds"]) == 3


def test_async_refund_result_is_applied_once(client, shop, in_tenant):
    integration, number = _paid_order(client, shop, in_tenant, refund_mode="async")
    refund = _refund(client, shop, number, 1000)["items"][0]
    assert refund["status"] == "pending"
    assert get_order_json(client, shop, number)["payment_status"] == "paid"
    headers, body = signed_notification(in_tenant, shop, integration, "refund.succeeded", "", None,
                                        refund_id=refund["id"])
    assert post_hook(client, shop, integration, headers, body).status_code == 200
    assert post_hook(client, shop, integration, headers, body).status_code == 200  # replay
    order = get_order_json(client, shop, number)
    assert order["payment_status"] == "refunded"
    assert [h["to"] for h in order["history"] if h["axis"] == "payment_status"].count("refunded") == 1


def test_refused_refund_is_recorded_and_gives_the_amount_back(client, shop, in_tenant):
    _, number = _paid_order(client, shop, in_tenant, refund_mode="fail")
    response = client.post(f"/api/v1/orders/{number}/refunds", headers=shop.headers,
                           json={"amount": {"amount": 400, "currency": "CNY"}})
    assert response.status_code == 502
    payment = get_order_json(client, shop, number)["payments"][0]
    assert payment["refunded"]["amount"] == 0 and payment["refunds"][0]["status"] == "failed"


def test_cancelling_a_paid_order_refunds_it_through_its_gateway(client, shop, in_tenant):
    _, number = _paid_order(client, shop, in_tenant)
    api_ok(client.post(f"/api/v1/orders/{number}/cancel", headers=shop.headers, json={"reason": "buyer asked"}))
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("cancelled", "refunded")
    with in_tenant(shop):
        assert [r.manual for r in db.session.query(Refund)] == [False]


def test_cod_collected_then_refunded_by_hand(client, shop, in_tenant, monkeypatch):
    def no_gateway(*args, **kwargs):
        raise AssertionError("a COD refund must not call any gateway")
    monkeypatch.setattr("saas.payments.refunds._refund_through_gateway", no_gateway)
    number = new_order(client, shop, payment_method="cod")
    assert get_order_json(client, shop, number)["payment_status"] == "cod_due"
    api_ok(client.post(f"/api/v1/orders/{number}/cod-collected", headers=shop.headers))
    assert get_order_json(client, shop, number)["payment_status"] == "cod_collected"
    refunds = _refund(client, shop, number, 300)["items"]
    assert (refunds[0]["manual"], refunds[0]["status"]) == (True, "succeeded")
    assert get_order_json(client, shop, number)["payment_status"] == "partially_refunded"


def test_several_payments_are_refunded_each_through_its_own_gateway(client, shop, in_tenant, monkeypatch):
    """A double payment (two attempts both succeed) is refunded automatically, by its own integration."""
    first_gateway = install_sandbox(client, shop)
    second_gateway = install_sandbox(client, shop, secret="second-secret-789")
    number = new_order(client, shop)
    first = start(client, shop, number, first_gateway)
    second = start(client, shop, number, second_gateway)
    pay(client, in_tenant, shop, first_gateway, first)
    pay(client, in_tenant, shop, second_gateway, second)
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("awaiting_fulfilment", "paid")
    by_reference = {p["reference"]: p for p in order["payments"]}
    assert by_reference[second["reference"]]["refunded"]["amount"] == 1000
    assert by_reference[first["reference"]]["refunds"] == []
    _refund(client, shop, number, 1001, status=409)
    _refund(client, shop, number, 1000)
    assert get_order_json(client, shop, number)["payment_status"] == "refunded"
