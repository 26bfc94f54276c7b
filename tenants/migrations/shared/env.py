"""Alembic environment for the control plane (schema ``shared``)."""
from alembic import context

from saas.extensions import db
import tenants.models  # noqa: F401  (registers the shared tables)
import saas.models_registry  # noqa: F401  (registers every domain's tables)

connection = context.config.attributes["connection"]
is_sqlite = connection.dialect.name == "sqlite"


def include_object(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.schema == "shared"


context.configure(connection=connection, target_metadata=db.metadata, include_schemas=True,
                  include_object=include_object, version_table_schema="shared", render_as_batch=is_sqlite)
with context.begin_transaction():
    context.run_migrations()
