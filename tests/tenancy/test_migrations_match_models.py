"""The tenant migrations build exactly the tables the models describe.

New tenants are created from the models and stamped at head; existing tenants reach head through the
migrations. If the two drifted, a migrated tenant would differ from a new one, so a schema built by
replaying every migration must show no difference against the models.
"""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.schema import CreateSchema

import saas.models_registry  # noqa: F401  (every tenant table in the metadata)
from saas.extensions import db
from tenants import migrate
from tenants.provisioning import drop_tenant_schema

SCRATCH = "t_99990001"


@pytest.fixture
def migrated_scratch_schema(app):
    """A tenant schema built only by ``alembic upgrade head``; dropped afterwards."""
    with app.app_context():
        router = app.extensions["orderly_router"]
        drop_tenant_schema(SCRATCH)
        engine = router.ddl_engine(SCRATCH)
        if not router.is_sqlite:
            with engine.begin() as conn:
                conn.execute(CreateSchema(SCRATCH))
        revision = migrate.upgrade_tenant(engine, SCRATCH)
        yield engine, revision
        if router.is_sqlite:
            engine.dispose()
        drop_tenant_schema(SCRATCH)


def _tenant_tables_only(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if type_ == "table" and name == "alembic_version":
        return False
    return table is None or table.schema is None


def test_replaying_the_migrations_gives_the_models_schema(app, migrated_scratch_schema):
    engine, revision = migrated_scratch_schema
    assert revision == migrate.tenant_head() and revision is not None
    with engine.begin() as conn:
        opts = {"include_object": _tenant_tables_only, "compare_type": True}
        original_default_schema = conn.dialect.default_schema_name
        if conn.dialect.name != "sqlite":
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{SCRATCH}"')
            conn.dialect.default_schema_name = SCRATCH
        try:
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        finally:
            conn.dialect.default_schema_name = original_default_schema
    assert diff == [], f"models and tenant migrations differ; write a migration:\n{diff}"


def test_a_migrated_schema_numbers_orders_from_its_own_sequence(app, backend, migrated_scratch_schema):
    if backend != "postgres":
        pytest.skip("SQLite numbers orders by max + 1; there is no sequence to migrate")
    engine, _ = migrated_scratch_schema
    with engine.begin() as conn:
        first = conn.execute(text(f'SELECT nextval(\'"{SCRATCH}".orders_sequence_seq\')')).scalar()
        second = conn.execute(text(f'SELECT nextval(\'"{SCRATCH}".orders_sequence_seq\')')).scalar()
    assert (first, second) == (1, 2)


def _shared_tables_only(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name == "alembic_version":
        return False
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.schema == "shared"


def test_the_control_plane_built_by_migrations_matches_the_models(app):
    """The app builds ``shared`` with ``alembic upgrade head`` at start; it must equal the models."""
    with app.app_context():
        router = app.extensions["orderly_router"]
        with router.control_engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_schemas": True, "include_object": _shared_tables_only, "compare_type": True,
                "version_table_schema": "shared"})
            diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and shared migrations differ; write a migration:\n{diff}"
