"""Rows the tenancy tests create in real tenant tables, and probes of what exists in the database.

The ``integrations`` table is a real tenant table every schema has; two shops installing "the same"
integration get rows with the same id and name in their own schemas — the collision isolation must survive.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from saas.extensions import db
from saas.integrations.models import Integration
from tenants.context import tenant_context
from tenants.models import Tenant, User


def add_integration(app, shop, name: str, plugin: str = "same-plugin") -> int:
    """Insert an integration row in ``shop``'s schema and return its id (ids restart at 1 per tenant)."""
    with app.app_context(), tenant_context(shop.tenant):
        row = Integration(kind="channel", plugin=plugin, name=name, settings={"owner": shop.slug})
        db.session.add(row)
        db.session.commit()
        return row.id


def tenant_schemas(app) -> set[str]:
    """Schemas (PostgreSQL) or tenant database files (SQLite) that exist right now."""
    router = app.extensions["orderly_router"]
    if router.is_sqlite:
        return {p.stem for p in (Path(app.instance_path) / "tenants").glob("t_*.db")}
    with app.app_context(), router.control_engine.connect() as conn:
        return set(conn.scalars(text("SELECT nspname FROM pg_namespace WHERE nspname ~ '^t_[0-9]{8}$'")))


def known_schemas(app) -> set[str]:
    with app.app_context():
        schemas = {t.schema for t in db.session.scalars(select(Tenant))}
        db.session.remove()
        return schemas


def count(app, model, *where) -> int:
    with app.app_context():
        n = len(db.session.scalars(select(model).where(*where)).all())
        db.session.remove()
        return n


def user_exists(app, email: str) -> bool:
    return count(app, User, User.email == email) > 0


def slug_exists(app, slug: str) -> bool:
    return count(app, Tenant, Tenant.slug == slug) > 0
