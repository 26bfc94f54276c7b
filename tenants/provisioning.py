"""Create and remove a tenant's schema. Slugs are checked before any use; schema names come from ids."""
from __future__ import annotations

import logging
import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateSchema, DropSchema

from saas.errors import Conflict, ValidationFailed
from saas.extensions import db
from tenants import migrate
from tenants.models import Tenant, tenant_tables

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{2,39}$")
RESERVED_SLUGS = frozenset({
    "public", "shared", "pg_catalog", "pg_toast", "information_schema", "admin", "api", "www", "static",
    "hooks", "track", "pay", "login", "logout", "signup", "docs", "root", "system", "orderly", "template0",
    "template1", "postgres", "help", "support", "settings", "invite",
})


def validate_slug(slug) -> str:
    """Refuse anything but ``^[a-z][a-z0-9-]{2,39}$`` and reserved words, before the slug is used at all."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise ValidationFailed("The shop address is not valid.", errors={"slug": [
            "Use 3 to 40 characters: lowercase letters, digits and hyphens, starting with a letter."]})
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise ValidationFailed("That shop address is reserved.", errors={"slug": ["This address is reserved."]})
    return slug


def provision_tenant(session, slug: str, name: str) -> Tenant:
    """Insert the tenant row (uncommitted) and build its schema at head. The caller commits; if that commit
    fails it must call ``drop_tenant_schema``. A failure here removes the schema and leaves nothing."""
    validate_slug(slug)
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict("That shop address is taken.", errors={"slug": ["This address is already taken."]})
    tenant = Tenant(slug=slug, name=name.strip(), status="provisioning", settings={})
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("That shop address is taken.", errors={"slug": ["This address is already taken."]})
    schema = tenant.schema
    try:
        create_tenant_schema(schema)
    except Exception:
        log.exception("provisioning %s failed; removing its schema", schema)
        session.rollback()
        drop_tenant_schema(schema)
        raise
    tenant.status = "active"
    tenant.schema_revision = migrate.tenant_head()
    return tenant


def create_tenant_schema(schema: str) -> None:
    """Schema, every tenant table and the Alembic stamp, in one transaction where the backend allows."""
    router = current_app.extensions["orderly_router"]
    _check_schema_name(schema)
    drop_tenant_schema(schema)  # an orphan left by a crash between DDL and commit must not block a retry
    engine = router.ddl_engine(schema)
    with engine.begin() as conn:
        if not router.is_sqlite:
            conn.execute(CreateSchema(schema))
            conn = conn.execution_options(schema_translate_map={None: schema})
        db.metadata.create_all(conn, tables=tenant_tables())
        migrate.stamp_tenant_head(conn, schema)
    if router.is_sqlite:
        engine.dispose()


def drop_tenant_schema(schema: str) -> None:
    router = current_app.extensions["orderly_router"]
    _check_schema_name(schema)
    router_forget(router, schema)
    if router.is_sqlite:
        for suffix in ("", "-wal", "-shm"):
            path = router.tenant_db_path(schema).with_name(f"{schema}.db{suffix}")
            path.unlink(missing_ok=True)
        return
    with router.control_engine.begin() as conn:
        conn.execute(DropSchema(schema, cascade=True, if_exists=True))


def router_forget(router, schema: str) -> None:
    router.forget(int(schema[2:]))


def _check_schema_name(schema: str) -> None:
    # Belt and braces: schema names are always t_<8 digits>; anything else is a bug, never user input.
    if not re.fullmatch(r"t_\d{8}", schema):
        raise ValueError(f"refusing schema name {schema!r}")
