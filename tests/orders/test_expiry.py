"""Unpaid online orders expire after the shop's payment timeout: cancelled (payment_timeout), stock back."""
from __future__ import annotations

import datetime as dt

from inventory.ledger import assert_ledger_matches_levels
from orders.support import api_ok, available, order_body, stock_up
from saas.extensions import db, utcnow
from saas.jobs import PERIODIC_TASKS, enqueue
from saas.orders.service import apply_transition, expire_unpaid_orders, get_order


def _create(client, shop, *lines, payment_method="online"):
    return api_ok(client.post("/api/v1/orders", headers=shop.headers,
                              json=order_body(*lines, payment_method=payment_method)), 201)["number"]


def test_expiry_is_registered_as_a_periodic_job_at_app_start(app):
    assert any(t.func == "saas.orders.jobs.expire_unpaid" and t.every_seconds == 60 for t in PERIODIC_TASKS)


def test_job_cancels_overdue_orders_and_releases_stock(client, shop, in_tenant, run_jobs):
    stock_up(client, shop, {"A": 5})
    overdue, fresh = _create(client, shop, ("A", 2)), _create(client, shop, ("A", 1))
    cod = _create(client, shop, ("A", 1), payment_method="cod")
    with in_tenant(shop):
        get_order(db.session, overdue).expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        enqueue("default", "saas.orders.jobs.expire_unpaid")
    run_jobs()
    expired = api_ok(client.get(f"/api/v1/orders/{overdue}", headers=shop.headers))
    assert expired["status"] == "cancelled" and expired["reservations"] == []
    assert (expired["history"][-1]["event"], expired["history"][-1]["reason"]) == ("expire", "payment_timeout")
    assert available(client, shop, "A") == 3
    for number in (fresh, cod):
        assert api_ok(client.get(f"/api/v1/orders/{number}", headers=shop.headers))["status"] != "cancelled"
    with in_tenant(shop):
        assert_ledger_matches_levels(db.session)


def test_a_paid_order_is_never_expired(client, shop, in_tenant):
    stock_up(client, shop, {"A": 5})
    number = _create(client, shop, ("A", 2))
    with in_tenant(shop):
        order = get_order(db.session, number)
        apply_transition(db.session, order, "payment_status", "succeed", "gateway")
        apply_transition(db.session, order, "status", "pay", "gateway")
        db.session.commit()
        assert expire_unpaid_orders(db.session, now=utcnow() + dt.timedelta(days=1)) == 0
    assert available(client, shop, "A") == 3


def test_expiry_uses_the_shop_payment_timeout(client, shop, in_tenant):
    stock_up(client, shop, {"A": 5})
    number = _create(client, shop, ("A", 1))
    with in_tenant(shop):
        order = get_order(db.session, number)
        assert order.expires_at - order.created_at == dt.timedelta(minutes=30)
        assert expire_unpaid_orders(db.session, now=utcnow() + dt.timedelta(minutes=29)) == 0
        assert expire_unpaid_orders(db.session, now=utcnow() + dt.timedelta(minutes=31)) == 1
