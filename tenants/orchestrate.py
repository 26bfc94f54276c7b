"""``flask tenants migrate``: every tenant schema to head, one at a time, each in its own transaction.

Each tenant's revision or error is written on its row in ``shared.tenants`` after its transaction, so a
failure stops nothing else and a rerun picks up the ones still behind.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import create_engine, event, select
from sqlalchemy.pool import NullPool

from saas.extensions import db
from tenants import migrate
from tenants.models import Tenant
from tenants.routing import sqlite_pragmas


@dataclass
class MigrationReport:
    migrated: int = 0
    current: int = 0
    failed: int = 0
    seconds: float = 0.0


def _migration_engine(router, schema: str):
    # A private NullPool engine: the search_path recipe changes the dialect's default schema, which must
    # never leak into the engine that serves requests.
    if router.is_sqlite:
        engine = create_engine(f"sqlite:///{router.tenant_db_path(schema)}", poolclass=NullPool)
        event.listen(engine, "connect", lambda conn, _rec: sqlite_pragmas(conn, None))
        return engine
    return create_engine(router.control_engine.url, poolclass=NullPool,
                         connect_args={"prepare_threshold": None})


def migrate_all(only: list[str] | None = None, echo=lambda _msg: None) -> MigrationReport:
    router = current_app.extensions["orderly_router"]
    head = migrate.tenant_head()
    stmt = select(Tenant.id, Tenant.slug, Tenant.schema_revision).where(Tenant.status.in_(["active", "suspended"]))
    if only:
        stmt = stmt.where(Tenant.slug.in_(only))
    tenants = db.session.execute(stmt.order_by(Tenant.id)).all()
    db.session.remove()
    report, started = MigrationReport(), time.monotonic()
    for tenant_id, slug, recorded in tenants:
        schema = f"t_{tenant_id:08d}"
        engine = _migration_engine(router, schema)
        try:
            with engine.connect() as conn:
                before = migrate.tenant_revision(conn, schema)
            if before == head:
                report.current += 1
                _record(tenant_id, head, None)
                continue
            revision = migrate.upgrade_tenant(engine, schema)
            _record(tenant_id, revision, None)
            report.migrated += 1
            echo(f"{slug}: {before} -> {revision}")
        except Exception as exc:  # one tenant's failure must not stop the others
            report.failed += 1
            _record(tenant_id, None, f"{type(exc).__name__}: {exc}")
            echo(f"{slug}: FAILED {type(exc).__name__}: {exc}")
        finally:
            engine.dispose()
    report.seconds = time.monotonic() - started
    return report


def _record(tenant_id: int, revision: str | None, error: str | None) -> None:
    tenant = db.session.get(Tenant, tenant_id)
    if revision is not None:
        tenant.schema_revision = revision
    tenant.migration_error = error
    db.session.commit()
