"""Public links (``/pay/{token}``, ``/track/{token}``): an unguessable token that names one tenant's object.

The token is an HMAC of (tenant, kind, target) under ``SECRET_KEY``, so asking for the same link twice gives
the same URL without storing the token; only its SHA-256 is stored, in the control plane, because a public
request must find the tenant before it can open any tenant schema. Rotating ``SECRET_KEY`` changes every
new link; links already handed out keep working (their hashes stay stored).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import Index, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from saas.errors import NotFound
from saas.extensions import BigId, UTCDateTime, db, utcnow
from tenants.context import TenantRef
from tenants.models import SHARED, Tenant

KINDS = ("pay", "track")


class PublicLink(db.Model):
    __tablename__ = "public_links"
    __table_args__ = (Index("ix_public_links_tenant_target", "tenant_id", "kind", "target"), SHARED)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def link_token(tenant_id: int, kind: str, target: str) -> str:
    """The token of the link to ``target`` (the same every time; valid once ``create_link`` made its row)."""
    return _token_for(tenant_id, kind, target)


def _token_for(tenant_id: int, kind: str, target: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"public-link:{tenant_id}:{kind}:{target}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(session, tenant_id: int, kind: str, target: str) -> str:
    """The token of the link to ``target``; creating it again returns the same token. Does not commit."""
    return create_link_on(session.connection(), tenant_id, kind, target)


def create_link_on(connection, tenant_id: int, kind: str, target: str) -> str:
    """``create_link`` on a bare connection (usable inside a flush, e.g. from a mapper event)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    token = _token_for(tenant_id, kind, target)
    statement = _INSERT_IGNORING.get(connection.dialect.name, _INSERT_IGNORING["sqlite"])
    connection.execute(statement, {"token_hash": _hash(token), "tenant_id": tenant_id, "kind": kind,
                                   "target": target, "created_at": utcnow()})
    return token


# Built once: every online order makes a link, and building the statement cost more than running it.
_INSERT_IGNORING = {name: insert(PublicLink.__table__).on_conflict_do_nothing(index_elements=["token_hash"])
                    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def resolve_link(session, kind: str, token: str) -> tuple[TenantRef, str]:
    """(tenant, target) of an active tenant's link; anything else is indistinguishable from missing."""
    if not token or len(token) > 100:
        raise NotFound("No such link.")
    row = session.execute(select(PublicLink, Tenant).join(Tenant, Tenant.id == PublicLink.tenant_id)
                          .where(PublicLink.token_hash == _hash(token), PublicLink.kind == kind)).first()
    if row is None or row.Tenant.status != "active":
        raise NotFound("No such link.")
    return row.Tenant.ref(), row.PublicLink.target
