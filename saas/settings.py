"""Per-shop settings kept on the tenant row (control plane), with their defaults."""
from __future__ import annotations

from sqlalchemy import select

from saas.errors import ValidationFailed
from tenants.context import TenantRef
from tenants.models import Membership, Tenant, User

DEFAULTS = {"payment_timeout_seconds": 30 * 60, "auto_fulfil": False, "currency": "CNY"}


def get(tenant: TenantRef, key: str):
    return tenant.settings.get(key, DEFAULTS[key])


def payment_timeout(tenant: TenantRef) -> int:
    return int(get(tenant, "payment_timeout_seconds"))


def update_shop(session, tenant_id: int, name: str | None = None, **settings) -> Tenant:
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValidationFailed("Unknown settings.", errors={k: ["Unknown setting."] for k in unknown})
    tenant = session.get(Tenant, tenant_id)
    if name is not None:
        if not name.strip():
            raise ValidationFailed("The shop needs a name.", errors={"name": ["Required."]})
        tenant.name = name.strip()[:120]
    tenant.settings = {**(tenant.settings or {}), **settings}
    session.commit()
    return tenant


def members(session, tenant_id: int) -> list[tuple[User, str]]:
    rows = session.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                           .where(Membership.tenant_id == tenant_id).order_by(User.email)).all()
    return [(user, role) for user, role in rows]
