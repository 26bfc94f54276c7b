"""The merchant console: tenant resolution for ``/t/<slug>/…`` pages, navigation and the dashboard registry."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.extensions import db
from tenants.context import current_tenant

# (endpoint, label) — shown when the endpoint exists, so the menu lists only what is built.
NAV_ITEMS: list[tuple[str, str]] = [
    ("console.dashboard", _l("Dashboard")),
    ("orders_console.list_orders", _l("Orders")),
    ("inventory_console.stock_overview", _l("Inventory")),
    ("fulfilment_console.list_shipments", _l("Shipments")),
    ("aftersales_console.list_cases", _l("After-sales")),
    ("integrations_console.list_integrations", _l("Integrations")),
    ("alerts_console.list_alerts", _l("Alerts")),
    ("console.settings", _l("Settings")),
]
# Callables returning dicts {"label", "value", "href"?} for the dashboard; domains append theirs.
DASHBOARD_CARDS: list[Callable[[], list[dict]]] = []


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A console blueprint under ``/t/<slug>``: resolves the tenant and checks membership on every request
    (one cookie covers every shop, so a URL alone must never open another shop)."""
    bp = Blueprint(name, import_name, url_prefix=f"/t/<slug>{url_prefix}")

    @bp.url_value_preprocessor
    def _pull_slug(endpoint, values):
        g.slug = values.pop("slug", None)

    @bp.url_defaults
    def _add_slug(endpoint, values):
        if "slug" not in values and getattr(g, "slug", None):
            values["slug"] = g.slug

    bp.before_request(_enter_tenant)
    return bp


def _enter_tenant():
    from flask_login import login_url
    from flask import redirect, url_for
    from saas.accounts.service import membership

    if not current_user.is_authenticated:
        return redirect(login_url("auth.login", next_url=request.url))
    member = membership(db.session, current_user.id, g.slug)
    if member is None:
        abort(404)  # another shop is indistinguishable from a missing one
    g.membership_role = member.role
    ref = member.tenant.ref()
    db.session.remove()
    g.tenant_token = current_tenant.set(ref)
    g.tenant = ref
    _ = url_for  # keep import local: avoids a cycle at import time


def reset_console_tenant(_exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        current_tenant.reset(token)
