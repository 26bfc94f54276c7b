"""Alembic in two parts: ``shared`` (control plane) and ``tenant`` (run schema by schema).

Runtime code routes with ``schema_translate_map``; Alembic's ALTER operations ignore that map, so tenant
migrations use the cookbook's search_path recipe on a dedicated connection (tenancy.md §1.5, §5 D5).
Each tenant migrates in its own transaction; its revision and any error are recorded on its tenant row,
so a rerun resumes where the last one stopped.
"""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent / "migrations"


def alembic_config(part: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / part))
    return cfg


def tenant_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("tenant")).get_current_head()


def shared_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("shared")).get_current_head()


def stamp_tenant_head(conn, schema: str) -> None:
    """Record a freshly created schema as being at head (no history replayed)."""
    head = tenant_head()
    if head is None:
        return
    opts = {} if conn.dialect.name == "sqlite" else {"version_table_schema": schema}
    MigrationContext.configure(conn, opts=opts).stamp(ScriptDirectory.from_config(alembic_config("tenant")), head)


def upgrade_shared(engine) -> None:
    with engine.begin() as conn:
        cfg = alembic_config("shared")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def tenant_revision(conn, schema: str) -> str | None:
    opts = {} if conn.dialect.name == "sqlite" else {"version_table_schema": schema}
    return MigrationContext.configure(conn, opts=opts).get_current_revision()


def upgrade_tenant(engine, schema: str) -> str | None:
    """Bring one tenant schema to head in one transaction; return its revision."""
    with engine.begin() as conn:
        cfg = alembic_config("tenant")
        cfg.attributes["connection"] = conn
        cfg.attributes["schema"] = schema
        command.upgrade(cfg, "head")
        return tenant_revision(conn, schema)
