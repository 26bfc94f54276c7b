"""Route each database session to its tenant's schema.

PostgreSQL: one engine and pool; a tenant's bind is the engine with ``schema_translate_map={None: schema}``
(shares pool and compiled cache). SQLite (embedded): one file per tenant with ``shared.db`` attached as
``shared``. With no tenant in context the session gets the control-plane engine, where tenant tables do not
resolve (PostgreSQL ``search_path=shared``; SQLite's main database is empty), so such code fails loudly.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import flask_sqlalchemy.session
from flask import current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from tenants.context import TenantRef, TenantSwitched, current_tenant


class TenantSession(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy session that binds to the current tenant's schema (tenancy.md §5 D3)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        tenant = current_tenant.get()
        if tenant is None:
            return super().get_bind(mapper=mapper, clause=clause, **kwargs)
        pinned = self.info.setdefault("tenant_id", tenant.id)
        if pinned != tenant.id:
            raise TenantSwitched(f"session of tenant {pinned} asked for tenant {tenant.id}")
        return current_app.extensions["orderly_router"].bind_for(tenant)


def sqlite_pragmas(dbapi_connection, shared_path: str | None) -> None:
    """WAL and a busy timeout so the web threads and the worker thread can share files."""
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin_immediate)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    if shared_path:
        cursor.execute("ATTACH DATABASE ? AS shared", (shared_path,))
    cursor.close()


def install_sqlite_hooks(engine: Engine, shared_path: str | None) -> None:
    """Attach ``shared`` on connect and start every transaction with BEGIN IMMEDIATE.

    SQLite upgrades a read transaction to a write one only if nobody wrote meanwhile, and fails at once
    otherwise (SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out). Taking the write lock at BEGIN
    makes concurrent writers queue instead, which is what stock reservation needs.
    """
    event.listen(engine, "connect", lambda conn, _rec: sqlite_pragmas(conn, shared_path))
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))


class TenantRouter:
    """Hands out the engine bound to a tenant's schema, cached per tenant."""

    def __init__(self, control_engine: Engine, instance_path: str, max_sqlite_engines: int = 256):
        self.control_engine = control_engine
        self.is_sqlite = control_engine.dialect.name == "sqlite"
        self.instance_path = Path(instance_path)
        self._engines: OrderedDict[int, Engine] = OrderedDict()
        self._max = max_sqlite_engines
        self._lock = threading.Lock()

    @property
    def shared_db_path(self) -> str:
        return str(self.instance_path / "shared.db")

    def tenant_db_path(self, schema: str) -> Path:
        return self.instance_path / "tenants" / f"{schema}.db"

    def bind_for(self, tenant: TenantRef) -> Engine:
        with self._lock:
            engine = self._engines.get(tenant.id)
            if engine is None:
                engine = self._make(tenant.schema)
                self._engines[tenant.id] = engine
                self._evict()
            self._engines.move_to_end(tenant.id)
            return engine

    def _make(self, schema: str) -> Engine:
        if not self.is_sqlite:
            return self.control_engine.execution_options(schema_translate_map={None: schema})
        engine = create_engine(f"sqlite:///{self.tenant_db_path(schema)}", poolclass=NullPool)
        install_sqlite_hooks(engine, self.shared_db_path)
        return engine

    def _evict(self) -> None:
        # PostgreSQL option engines share one pool and cost nothing to keep; SQLite engines are NullPool,
        # so dropping one from the cache closes nothing in use.
        while self.is_sqlite and len(self._engines) > self._max:
            self._engines.popitem(last=False)

    def forget(self, tenant_id: int) -> None:
        with self._lock:
            self._engines.pop(tenant_id, None)

    def ddl_engine(self, schema: str) -> Engine:
        """An engine for creating or dropping one tenant's tables, independent of any session lock."""
        if not self.is_sqlite:
            return self.control_engine
        path = self.tenant_db_path(schema)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        event.listen(engine, "connect", lambda conn, _rec: sqlite_pragmas(conn, None))
        return engine
