"""Write a new Alembic revision by comparing the models with a database migrated to the current head.

    python scripts/make_migration.py shared "add invitations"
    python scripts/make_migration.py tenant "orders and stock"

Uses a scratch PostgreSQL database (created and dropped here) so autogenerate sees real types. Review the
file it writes: autogenerate misses renames and data moves.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from alembic import command
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tenants.migrate import alembic_config

ADMIN_URL = os.environ.get("ORDERLY_ADMIN_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
SCHEMA = "t_99999999"


def main(part: str, message: str) -> None:
    import saas.models_registry  # noqa: F401  (every table in the metadata)
    scratch = f"orderly_autogen_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + scratch
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA shared"))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        for step in ("upgrade", "revision"):
            with engine.begin() as conn:
                cfg = alembic_config(part)
                cfg.attributes.update(connection=conn, schema=SCHEMA)
                if step == "upgrade":
                    command.upgrade(cfg, "head")
                else:
                    command.revision(cfg, message=message, autogenerate=True)
    finally:
        engine.dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(scratch)))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("shared", "tenant"):
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
