"""The poll job applies what the gateway reports, and a notification racing the expiry job for the same
order leaves exactly one outcome."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from payments.support import get_order_json, install_sandbox, new_order, pay, signed_notification, start
from plugins.sandbox_pay.provider import LEDGER
from saas.extensions import db, utcnow
from saas.jobs import PERIODIC_TASKS
from saas.money import Money
from saas.orders.service import expire_unpaid_orders
from saas.payments.jobs import poll_pending_payments
from saas.payments.models import Payment
from saas.providers import PaymentResult


def test_poll_is_registered_as_a_periodic_job(app):
    assert any(t.func == "saas.payments.jobs.poll_pending" and t.every_seconds == 60 for t in PERIODIC_TASKS)


def test_poll_applies_a_result_the_gateway_reports(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    LEDGER.record(PaymentResult(payment["reference"], "succeeded", amount=Money(1000, "CNY")))
    with in_tenant(shop):
        assert poll_pending_payments(db.session) == 0  # too young: the notification may still come
        assert poll_pending_payments(db.session, now=utcnow() + dt.timedelta(minutes=3)) == 1
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("awaiting_fulfilment", "paid")
    assert order["payments"][0]["status"] == "succeeded"


def test_poll_leaves_expired_orders_to_the_expiry_job(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    LEDGER.record(PaymentResult(payment["reference"], "succeeded", amount=Money(1000, "CNY")))
    with in_tenant(shop):
        assert poll_pending_payments(db.session, now=utcnow() + dt.timedelta(hours=2)) == 0


def test_success_after_expiry_is_refunded_and_alerted(client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    with in_tenant(shop):
        expire_unpaid_orders(db.session, now=utcnow() + dt.timedelta(hours=1))
    pay(client, in_tenant, shop, integration, payment)
    order = get_order_json(client, shop, number)
    assert (order["status"], order["payment_status"]) == ("cancelled", "refunded")
    assert order["payments"][0]["refunds"][0]["status"] == "succeeded"
    from saas.alerts.models import Alert
    with in_tenant(shop):
        assert db.session.query(Alert).filter_by(type="payment_after_cancel").count() == 1


def _race(app, shop, integration_id, headers, body, expire_at):
    """Run the hook handler and the expiry job at once, each in its own thread and session."""
    from saas.integrations.models import Integration
    from saas.payments.notifications import handle_gateway_notification
    from tenants.context import tenant_context
    barrier, errors = threading.Barrier(2), []

    def notify():
        with app.test_request_context(), tenant_context(shop.tenant):
            barrier.wait()
            handle_gateway_notification(db.session.get(Integration, integration_id), headers, body)

    def expire():
        with app.app_context(), tenant_context(shop.tenant):
            barrier.wait()
            expire_unpaid_orders(db.session, now=expire_at)

    def guarded(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
                errors.append(exc)
        return run
    threads = [threading.Thread(target=guarded(f)) for f in (notify, expire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors


@pytest.mark.parametrize("attempt", range(4))
def test_notification_racing_expiry_leaves_exactly_one_outcome(app, client, shop, in_tenant, attempt):
    """Row locks decide on PostgreSQL; on SQLite BEGIN IMMEDIATE serialises the two writers instead."""
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    headers, body = signed_notification(in_tenant, shop, integration, "payment.succeeded", payment["reference"],
                                        Money(1000, "CNY"))
    _race(app, shop, integration, headers, body, utcnow() + dt.timedelta(hours=1))
    order = get_order_json(client, shop, number)
    outcome = (order["status"], order["payment_status"])
    assert outcome in {("awaiting_fulfilment", "paid"), ("cancelled", "refunded")}, outcome
    refunds = [r for p in order["payments"] for r in p["refunds"]]
    assert len(refunds) == (1 if outcome[0] == "cancelled" else 0)
    with in_tenant(shop):
        assert db.session.query(Payment).filter_by(status="succeeded").count() == 1
