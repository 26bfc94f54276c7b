"""Signup and API keys (API.md 'Signup and keys')."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from saas.accounts import service
from saas.accounts.schemas import ApiKeyIn, ApiKeyOut, ApiKeyPage, SignupIn, SignupOut
from saas.api.auth import api_actor, require_scope
from saas.extensions import db, limiter
from tenants.context import require_tenant

blp = Blueprint("accounts_api", __name__, description="Signup and API keys")


@blp.route("/signup", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"])
@blp.arguments(SignupIn)
@blp.response(201, SignupOut)
def signup(data):
    """Create a shop, its owner and a first API key (shown once)."""
    result = service.signup(db.session, data["shop_name"], data["slug"], data["email"], data["password"])
    return {"tenant": {"slug": result.tenant.slug, "name": result.tenant.name},
            "user": {"email": result.email}, "api_key": result.api_key}


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @require_scope("admin")
    @blp.response(200, ApiKeyPage)
    def get(self):
        """List the shop's active API keys (never their secrets)."""
        return {"items": service.list_api_keys(db.session, require_tenant().id), "next_cursor": None}

    @require_scope("admin")
    @blp.arguments(ApiKeyIn)
    @blp.response(201, ApiKeyOut)
    def post(self, data):
        """Create a key; its secret is in this response only."""
        key, plaintext = service.create_api_key(db.session, require_tenant().id, data["name"], data["scopes"],
                                                created_by=api_actor())
        db.session.commit()
        key.key = plaintext  # transient, for this one response
        return key


@blp.route("/api-keys/<int:key_id>", methods=["DELETE"])
@require_scope("admin")
@blp.response(204)
def revoke(key_id):
    """Revoke a key at once."""
    service.revoke_api_key(db.session, require_tenant().id, key_id)
