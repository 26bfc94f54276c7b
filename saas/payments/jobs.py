"""Background payment work: polling gateways for attempts whose notification never came, and
auto-fulfilment of paid orders."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from saas.extensions import db, utcnow
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.jobs import PeriodicTask, register_periodic
from saas.orders.models import Order
from saas.payments.applying import apply_payment_result, payment_request
from saas.payments.models import Payment
from saas.providers import ProviderError

log = logging.getLogger(__name__)
# Gateways usually notify within seconds; polling sooner would race the notification for nothing.
POLL_AFTER = dt.timedelta(minutes=2)
POLL_BATCH = 100

register_periodic(PeriodicTask("poll-payments", "saas.payments.jobs.poll_pending", 60))


def poll_pending() -> int:
    """Run in a tenant's job context by the cron fan-out every minute."""
    return poll_pending_payments(db.session)


def poll_pending_payments(session, now: dt.datetime | None = None) -> int:
    """Ask the gateway about pending attempts older than ``POLL_AFTER`` on orders not yet expired, and
    apply each answer exactly as a notification would be; returns how many changed something."""
    now = now or utcnow()
    stmt = (select(Payment).join(Order, Order.number == Payment.order_number)
            .where(Payment.status == "pending", Payment.integration_id.is_not(None),
                   Payment.created_at <= now - POLL_AFTER, Order.status == "pending_payment",
                   (Order.expires_at.is_(None)) | (Order.expires_at > now))
            .order_by(Payment.id).limit(POLL_BATCH))
    pending = list(session.scalars(stmt))
    session.rollback()  # end the read: each attempt gets its own short transaction
    return sum(_poll_one(session, payment.id) for payment in pending)


def _poll_one(session, payment_id: int) -> bool:
    payment = session.get(Payment, payment_id)
    integration = session.get(Integration, payment.integration_id)
    try:
        result = provider_for(integration).query(payment_request(payment))
    except ProviderError as exc:
        log.warning("query of payment %s failed: %s", payment.reference, exc)
        session.rollback()
        return False
    try:
        outcome = apply_payment_result(session, payment, result, f"poll:{integration.plugin}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcome not in ("pending",) and not outcome.startswith("ignored")


def fulfil_paid_order(order_number: str) -> None:
    """Auto-fulfilment (tenant setting ``auto_fulfil``), enqueued after a payment commits."""
    from saas.fulfilment.service import fulfil_order
    fulfil_order(db.session, order_number, actor="system:auto_fulfil")
