"""Shared set-up for payment tests: a shop with stock, an online order, a sandbox_pay integration, and
signed sandbox notifications sent through the real hook route."""
from __future__ import annotations

from orders.support import api_ok, order_body, stock_up
from saas.extensions import db
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.money import Money
from saas.orders.models import Order, OrderHistory
from saas.payments.models import Payment

SECRET = "sandbox-secret-123"


def install_sandbox(client, shop, secret: str = SECRET, **settings) -> int:
    body = {"kind": "payment_gateway", "plugin": "sandbox_pay", "name": "Sandbox",
            "settings": settings, "credentials": {"secret": secret}}
    return api_ok(client.post("/api/v1/integrations", headers=shop.headers, json=body), 201)["id"]


def new_order(client, shop, quantity: int = 1, payment_method: str = "online") -> str:
    stock_up(client, shop, {"A": 10})
    body = order_body(("A", quantity), payment_method=payment_method)
    return api_ok(client.post("/api/v1/orders", headers=shop.headers, json=body), 201)["number"]


def start(client, shop, number: str, integration: int, status: int = 201, **extra) -> dict:
    return api_ok(client.post(f"/api/v1/orders/{number}/payments", headers=shop.headers,
                              json={"integration": integration, **extra}), status)


def signed_notification(in_tenant, shop, integration_id: int, kind: str, reference: str,
                        amount: Money | None, failure_code: str | None = None, refund_id: str | None = None):
    """(headers, body) signed by the integration's own provider, as the sandbox page would send them."""
    with in_tenant(shop):
        provider = provider_for(db.session.get(Integration, integration_id))
        return provider.build_notification(kind, reference, amount, failure_code=failure_code,
                                           refund_id=refund_id)


def post_hook(client, shop, integration_id: int, headers: dict, body: bytes):
    return client.post(f"/hooks/{shop.slug}/{integration_id}", headers=headers, data=body)


def pay(client, in_tenant, shop, integration_id: int, payment: dict, amount: Money | None = None):
    """Send a good 'payment.succeeded' for ``payment`` (an API payment dict) through the hook route."""
    money = amount or Money(payment["amount"]["amount"], payment["amount"]["currency"])
    headers, body = signed_notification(in_tenant, shop, integration_id, "payment.succeeded",
                                        payment["reference"], money)
    return post_hook(client, shop, integration_id, headers, body)


def snapshot(in_tenant, shop, number: str) -> dict:
    """Everything a notification could change, to assert that a rejected one changed nothing."""
    with in_tenant(shop):
        order = db.session.query(Order).filter_by(number=number).one()
        payments = db.session.query(Payment).filter_by(order_number=number).order_by(Payment.id).all()
        history = db.session.query(OrderHistory).filter_by(order_id=order.id).count()
        return {"status": order.status, "payment_status": order.payment_status, "version": order.version,
                "history": history,
                "payments": [(p.reference, p.status, p.captured_amount, p.failure_code) for p in payments]}


def get_order_json(client, shop, number: str) -> dict:
    return api_ok(client.get(f"/api/v1/orders/{number}", headers=shop.headers))
