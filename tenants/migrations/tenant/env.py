"""Alembic environment for one tenant schema: the cookbook search_path recipe (ALTER ops ignore
schema_translate_map). On SQLite the connection is already the tenant's own file."""
from alembic import context

from saas.extensions import db
import tenants.models  # noqa: F401
import saas.models_registry  # noqa: F401

connection = context.config.attributes["connection"]
schema = context.config.attributes.get("schema")
is_sqlite = connection.dialect.name == "sqlite"
opts = {}
# The cookbook's workaround mutates the dialect, which the control engine shares with every other
# connection; put it back once this tenant is done.
original_default_schema = connection.dialect.default_schema_name
if not is_sqlite:
    assert schema and schema.startswith("t_") and schema[2:].isdigit(), schema  # never user input
    connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
    connection.dialect.default_schema_name = schema
    opts["version_table_schema"] = schema


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name == "alembic_version":
        return False  # Alembic's own bookkeeping, found in the schema but never in the models
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.schema is None


context.configure(connection=connection, target_metadata=db.metadata, include_object=include_object,
                  render_as_batch=is_sqlite, **opts)
try:
    with context.begin_transaction():
        context.run_migrations()
finally:
    connection.dialect.default_schema_name = original_default_schema
