"""A third-party plugin in miniature, found through the ``orderly`` entry-point group (see docs/plugins.md)."""
import pluggy

hookimpl = pluggy.HookimplMarker("orderly")
received: list[dict] = []


@hookimpl
def orderly_order_created(tenant, order):
    received.append({"tenant": tenant.slug, "order": order["number"]})
