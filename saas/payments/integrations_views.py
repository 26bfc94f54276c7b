"""Console: the shop's integrations at ``/t/<slug>/integrations`` — installed providers with their hook
URL, enable/disable, "Test connection", and an install form per available plugin built from the plugin's
settings and credentials schemas. Thin: every change goes through ``saas.integrations.service``."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.console import tenant_blueprint
from saas.errors import DomainError
from saas.extensions import db
from saas.integrations import service
from saas.providers import ProviderError

bp = tenant_blueprint("integrations_console", __name__, "/integrations")


def _require_owner():
    if g.membership_role != "owner":
        abort(403)


@bp.route("", methods=["GET"])
def list_integrations():
    installed = service.list_integrations(db.session)
    hooks = {i.id: service.hook_url(i) for i in installed}
    return render_template("payments/integrations.html", installed=installed, hooks=hooks,
                           plugins=service.available_plugins())


def _fields_from_form(prefix: str, schema: dict) -> dict:
    """Form inputs named ``<prefix>.<field>`` → typed values as the plugin's JSON schema declares them."""
    values = {}
    for name, spec in (schema.get("properties") or {}).items():
        raw = request.form.get(f"{prefix}.{name}", "")
        if spec.get("type") == "boolean":
            values[name] = raw == "on"
        elif raw.strip() == "":
            continue  # let the plugin's schema apply its default or say it is required
        elif spec.get("type") == "integer":
            values[name] = int(raw) if raw.strip().lstrip("-").isdigit() else raw
        else:
            values[name] = raw.strip()
    return values


@bp.route("/install", methods=["POST"])
def install():
    _require_owner()
    kind, plugin = request.form.get("kind", ""), request.form.get("plugin", "")
    found = next((p for p in service.available_plugins() if (p["kind"], p["name"]) == (kind, plugin)), None)
    if found is None:
        abort(404)
    try:
        integration = service.install(db.session, kind, plugin, request.form.get("name", ""),
                                      _fields_from_form("settings", found["settings_schema"]),
                                      _fields_from_form("credentials", found["credentials_schema"]))
        flash(_("%(name)s installed. Give the provider this URL for notifications: %(url)s",
                name=integration.name, url=service.hook_url(integration)), "success")
    except DomainError as exc:
        errors = "; ".join(f"{k}: {', '.join(v)}" for k, v in (exc.errors or {}).items())
        flash(f"{exc.detail} {errors}", "error")
    return redirect(url_for("integrations_console.list_integrations"))


@bp.route("/<int:integration_id>/enabled", methods=["POST"])
def set_enabled(integration_id: int):
    _require_owner()
    enabled = request.form.get("enabled") == "1"
    service.update(db.session, integration_id, {"enabled": enabled})
    flash(_("Enabled.") if enabled else _("Disabled."), "success")
    return redirect(url_for("integrations_console.list_integrations"))


@bp.route("/<int:integration_id>/test", methods=["POST"])
def test_connection(integration_id: int):
    integration = service.get(db.session, integration_id)
    try:
        service.provider_for(integration).test_connection()
        flash(_("%(name)s: connection works.", name=integration.name), "success")
    except ProviderError as exc:
        flash(_("%(name)s: connection failed: %(error)s", name=integration.name, error=str(exc)), "error")
    except Exception as exc:  # a plugin's own bug must show as a failed test, not a 500 page
        flash(_("%(name)s: connection failed: %(error)s", name=integration.name, error=type(exc).__name__), "error")
    return redirect(url_for("integrations_console.list_integrations"))
