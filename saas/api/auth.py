"""Bearer API keys: the key is the only authority for the tenant; scopes gate each operation.

Missing or invalid key -> 401; a valid key without the scope -> 403; another tenant's object -> 404 (the
domain services only ever see the key's tenant, so they cannot find it).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from flask import Flask, g, request
from sqlalchemy import bindparam, or_, select, update

from saas.errors import Forbidden, Unauthorized
from saas.extensions import db, utcnow
from tenants.context import current_tenant
from tenants.models import ApiKey, Tenant

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_KEY_AND_TENANT = (select(ApiKey.id, ApiKey.prefix, ApiKey.scopes, ApiKey.revoked_at, ApiKey.last_used_at, Tenant)
                   .join(Tenant, Tenant.id == ApiKey.tenant_id).where(ApiKey.key_hash == bindparam("key_hash")))
SCOPES = ("orders:read", "orders:write", "inventory:read", "inventory:write", "payments:write",
          "fulfilment:write", "aftersales:write", "channels:write", "admin")
KEY_PREFIX = "ordk_"


def new_key() -> tuple[str, str, str]:
    """Return (plaintext, display prefix, sha256 hex). Only the hash is stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    return plaintext, plaintext[:12], hash_key(plaintext)


def hash_key(plaintext: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    return token.strip()


def authenticate_request() -> None:
    """Resolve the API key, if one was sent, to its tenant; set the tenant context for the request."""
    g.api_key = None
    if not request.path.startswith("/api/") or "Authorization" not in request.headers:
        return
    token = _bearer_token()
    row = db.session.execute(_KEY_AND_TENANT, {"key_hash": hash_key(token)}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    if row.Tenant.status != "active":
        raise Forbidden("This shop is suspended.")
    g.api_key = {"id": row.id, "prefix": row.prefix, "scopes": frozenset(row.scopes)}
    _note_use(row.id, row.last_used_at)
    tenant_ref = row.Tenant.ref()
    db.session.commit()
    db.session.remove()  # the tenant-bound session starts clean
    g.tenant_token = current_tenant.set(tenant_ref)


def _note_use(key_id: int, last_used_at) -> None:
    """Record ``last_used_at`` to the minute (as the console shows it). Writing it on every request made the
    key's row a hot row that every concurrent request of an integration queued on; the UPDATE is conditional
    so that requests racing past the same stale value do not all write."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < LAST_USED_RESOLUTION:
        return
    db.session.execute(update(ApiKey).where(ApiKey.id == key_id, or_(
        ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION)).values(last_used_at=now))


def require_scope(*scopes: str):
    """Decorator for API views: 401 without a key, 403 when the key lacks every one of ``scopes``."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = getattr(g, "api_key", None)
            if key is None:
                raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
            if not ("admin" in key["scopes"] or any(s in key["scopes"] for s in scopes)):
                raise Forbidden(f"This API key lacks the scope {' or '.join(scopes)}.")
            return view(*args, **kwargs)
        wrapper._required_scopes = scopes
        # Document the requirement in the OpenAPI operation (smorest reads ``_apidoc["manual_doc"]``).
        apidoc = dict(getattr(view, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        manual.setdefault("description", "")
        manual["description"] = (manual["description"] + f"\n\nScopes: {' or '.join(scopes)}.").strip()
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc
        return wrapper
    return decorator


def api_actor() -> str:
    key = getattr(g, "api_key", None)
    return f"api_key:{key['prefix']}" if key else "system"


def _reset_tenant(_exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        current_tenant.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(authenticate_request)
    app.teardown_request(_reset_tenant)
