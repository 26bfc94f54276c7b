"""Job functions for the job tests (importable by RQ workers, in-process and forked)."""
from __future__ import annotations

from sqlalchemy import select

from saas.extensions import db
from saas.integrations.models import Integration
from tenants.context import current_tenant


def what_this_tenant_sees() -> dict:
    """Report the tenant in context and the integration names its session can read."""
    tenant = current_tenant.get()
    names = sorted(db.session.scalars(select(Integration.name)))
    return {"tenant": tenant.slug if tenant else None, "names": names}


def read_tenant_table_without_tenant() -> list:
    return list(db.session.scalars(select(Integration.name)))


def noop() -> str:
    return "ok"
