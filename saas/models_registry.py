"""Imports every module that declares tables, so metadata (create_all, Alembic) sees all of them."""
import tenants.models  # noqa: F401
import saas.integrations.models  # noqa: F401
import saas.catalog.models  # noqa: F401
import saas.inventory.models  # noqa: F401
import saas.alerts.models  # noqa: F401
import saas.orders.models  # noqa: F401
import saas.payments.models  # noqa: F401
import saas.public_links  # noqa: F401
