"""The demo shop of the quick start: a login and, from each domain that registers a seeder, sample data."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from saas.extensions import db
from tenants.context import TenantRef, tenant_context
from tenants.models import Tenant

DEMO_EMAIL = "demo@orderly.local"
DEMO_PASSWORD = "orderly-demo"
# Each seeder runs inside the demo tenant with the services of its domain; order matters (catalogue first).
DEMO_SEEDERS: list[Callable[[TenantRef], None]] = []


def seed_demo(slug: str = "demo") -> dict:
    """Create the demo shop once (idempotent: a second run changes nothing)."""
    from saas.accounts.service import signup

    try:
        existing = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if existing is None:
            result = signup(db.session, "Orderly Demo Shop", slug, DEMO_EMAIL, DEMO_PASSWORD)
            tenant = result.tenant
            for seeder in DEMO_SEEDERS:
                with tenant_context(tenant):
                    seeder(tenant)
    finally:
        # ``serve`` keeps this app context for its whole life: an open read here would hold SQLite's
        # write lock on shared.db (BEGIN IMMEDIATE) and every login would wait for it.
        db.session.remove()
    return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "slug": slug}


def _register_domain_seeders() -> None:
    from saas.inventory.demo import seed_inventory_demo
    DEMO_SEEDERS.append(seed_inventory_demo)


_register_domain_seeders()
