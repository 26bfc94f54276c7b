"""The demo shop gets sample orders in varied states from the orders seeder."""
from __future__ import annotations

from sqlalchemy import select

from conftest import unique_slug
from inventory.ledger import assert_ledger_matches_levels
from saas.extensions import db
from saas.orders.models import Order
from tenants.context import tenant_context
from tenants.models import Tenant


def test_demo_seeds_orders_in_varied_states(app):
    from saas.demo import seed_demo
    slug = unique_slug("demo")
    with app.app_context():
        seed_demo(slug)
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)).ref()
        with tenant_context(tenant):
            statuses = {o.status for o in db.session.scalars(select(Order))}
            assert {"pending_payment", "awaiting_fulfilment", "shipped", "cancelled", "completed"} <= statuses
            assert_ledger_matches_levels(db.session)


def test_seeding_again_leaves_no_transaction_open(app):
    """``serve`` seeds inside the app context it keeps for its whole life; on SQLite an open transaction
    there would hold the write lock on shared.db and make every login wait."""
    from saas.demo import seed_demo
    slug = unique_slug("demo")
    with app.app_context():
        seed_demo(slug)
        assert not db.session().in_transaction()
        seed_demo(slug)  # the second run only reads: the read must be over too
        assert not db.session().in_transaction()
