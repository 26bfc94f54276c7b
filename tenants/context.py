"""The current tenant, explicit and scoped: a context variable set around a request or a job, never a global."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True)
class TenantRef:
    """A plain snapshot of a tenant row: safe to keep after the control-plane session is gone."""
    id: int
    slug: str
    name: str
    schema: str
    status: str = "active"
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class NoTenant(RuntimeError):
    """Tenant data was reached with no tenant in context."""


class TenantSwitched(RuntimeError):
    """One database session was asked to serve two tenants (one translate map per session)."""


current_tenant: ContextVar[TenantRef | None] = ContextVar("current_tenant", default=None)


def require_tenant() -> TenantRef:
    tenant = current_tenant.get()
    if tenant is None:
        raise NoTenant("this code needs a tenant context")
    return tenant


def schema_name_for(tenant_id: int) -> str:
    """The schema comes from the immutable id, never from the slug or any user input."""
    if not isinstance(tenant_id, int) or tenant_id <= 0:
        raise ValueError("tenant id must be a positive int")
    return f"t_{tenant_id:08d}"


@contextlib.contextmanager
def tenant_context(tenant: TenantRef) -> Iterator[TenantRef]:
    """Run a block as ``tenant``, with a fresh database session that is removed afterwards.

    Used by jobs, CLI commands and tests; requests set the context in ``saas.web_tenancy``.
    """
    from saas.extensions import db

    db.session.remove()
    token = current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        db.session.remove()
        current_tenant.reset(token)
