"""Background work of orders: the per-tenant sweep that cancels online orders left unpaid too long."""
from __future__ import annotations

from saas.extensions import db
from saas.jobs import PeriodicTask, register_periodic

register_periodic(PeriodicTask("expire-unpaid", "saas.orders.jobs.expire_unpaid", 60))


def expire_unpaid() -> int:
    """Run inside a tenant's job context by the cron fan-out every minute."""
    from saas.orders.service import expire_unpaid_orders
    return expire_unpaid_orders(db.session)
