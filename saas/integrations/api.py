"""Plugins on offer and the tenant's installed integrations (API.md 'Integrations')."""
from flask.views import MethodView
from flask_smorest import Blueprint

from saas.api.auth import require_scope
from saas.extensions import db
from saas.integrations import service
from saas.integrations.schemas import IntegrationIn, IntegrationOut, IntegrationPage, IntegrationPatch, PluginList

blp = Blueprint("integrations_api", __name__, description="Plugins and integrations")
ANY_SCOPE = ("admin", "channels:write", "payments:write", "fulfilment:write", "orders:read")


def _out(integration):
    # The response schema dumps the row itself; a pre-dumped dict would be serialised twice (created_at).
    integration.hook_url = service.hook_url(integration)  # transient, for this response only
    return integration


@blp.route("/plugins", methods=["GET"])
@require_scope(*ANY_SCOPE)
@blp.response(200, PluginList)
def plugins():
    """Every available plugin by kind, with the JSON schema of its settings and credentials."""
    return {"items": service.available_plugins()}


@blp.route("/integrations")
class Integrations(MethodView):
    @require_scope(*ANY_SCOPE)
    @blp.response(200, IntegrationPage)
    def get(self):
        """The tenant's installed integrations (credentials are never returned)."""
        return {"items": [_out(i) for i in service.list_integrations(db.session)], "next_cursor": None}

    @require_scope("admin", "channels:write", "payments:write", "fulfilment:write")
    @blp.arguments(IntegrationIn)
    @blp.response(201, IntegrationOut)
    def post(self, data):
        """Install a plugin with settings (validated by the plugin) and credentials (stored encrypted)."""
        integration = service.install(db.session, data["kind"], data["plugin"], data["name"],
                                      data["settings"], data["credentials"])
        return _out(integration)


@blp.route("/integrations/<int:integration_id>")
class IntegrationItem(MethodView):
    @require_scope(*ANY_SCOPE)
    @blp.response(200, IntegrationOut)
    def get(self, integration_id):
        return _out(service.get(db.session, integration_id))

    @require_scope("admin", "channels:write", "payments:write", "fulfilment:write")
    @blp.arguments(IntegrationPatch)
    @blp.response(200, IntegrationOut)
    def patch(self, data, integration_id):
        """Change name, enabled, settings or credentials (merged into the stored ones)."""
        return _out(service.update(db.session, integration_id, data))

    @require_scope("admin", "channels:write", "payments:write", "fulfilment:write")
    @blp.response(204)
    def delete(self, integration_id):
        service.remove(db.session, integration_id)
