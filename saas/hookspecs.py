"""Every hook a plugin can implement. ``docs/plugins.md`` lists them with examples (a test keeps the two in step).

Hooks are called with keyword arguments. A tenant's calls only reach plugins that tenant has enabled,
except the ``orderly_register_*`` hooks, which build the process-wide catalogue of providers. Plugins run
in pluggy's order: the last registered first, ``tryfirst``/``trylast`` to change it. Event hooks run after
the change they report has been committed to the database; an exception in one is logged and does not
undo the change.
"""
import pluggy

hookspec = pluggy.HookspecMarker("orderly")


@hookspec
def orderly_register_payment_gateways():
    """Called once at start. Return a list of ``saas.providers.PaymentGateway`` subclasses."""


@hookspec
def orderly_register_couriers():
    """Called once at start. Return a list of ``saas.providers.Courier`` subclasses."""


@hookspec
def orderly_register_channels():
    """Called once at start. Return a list of ``saas.providers.Channel`` subclasses."""


@hookspec
def orderly_order_created(tenant, order):
    """An order was created (by API, console or channel sync). ``tenant`` is the current tenant
    (``id``, ``slug``, ``name``); ``order`` is a dict of the order as the API shows it."""


@hookspec
def orderly_order_status_changed(tenant, order_number, axis, from_status, to_status, actor, reason):
    """One of an order's state machines moved. ``axis`` is ``status``, ``payment_status`` or
    ``fulfilment_status``; ``actor`` is who did it (``user:<email>``, ``api_key:<prefix>``, ``system``...)."""


@hookspec
def orderly_payment_succeeded(tenant, order_number, payment):
    """A payment attempt succeeded and the order is paid. ``payment`` is a dict as the API shows it."""


@hookspec
def orderly_shipment_updated(tenant, shipment):
    """A shipment changed status or received tracking events. ``shipment`` is a dict as the API shows it."""


@hookspec
def orderly_alert_raised(tenant, alert):
    """An alert was raised. ``alert`` is a dict with ``type``, ``severity``, ``subject`` and ``message``."""


@hookspec(firstresult=True)
def orderly_allocate(tenant, order, warehouses, stock):
    """Decide which warehouses ship an order's lines. Return ``None`` to leave it to the next plugin or to
    Orderly's default strategy, or a list of ``{"sku", "warehouse", "quantity"}``. The first non-None
    answer wins."""
