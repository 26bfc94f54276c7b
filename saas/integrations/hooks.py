"""Inbound notifications from providers: ``POST /hooks/{tenant}/{integration_id}``.

The tenant comes from the path; the integration decides which domain handles the body. Handlers verify the
provider's signature over the raw bytes before reading anything, and answer what the provider expects.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, g, request
from sqlalchemy import select

from saas.errors import NotFound
from saas.extensions import csrf, db
from saas.integrations.models import Integration
from tenants.context import current_tenant
from tenants.models import Tenant

bp = Blueprint("hooks", __name__)
HookHandler = Callable[[Integration, dict, bytes], Response]
HANDLERS: dict[str, HookHandler] = {}


def register_hook_handler(kind: str, handler: HookHandler) -> None:
    HANDLERS[kind] = handler


@bp.route("/hooks/<slug>/<int:integration_id>", methods=["POST"])
@csrf.exempt
def receive(slug: str, integration_id: int):
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.status == "active"))
    if tenant is None:
        raise NotFound("No such hook.")
    ref = tenant.ref()
    db.session.remove()
    g.tenant_token = current_tenant.set(ref)
    integration = db.session.get(Integration, integration_id)
    if integration is None or not integration.enabled or integration.kind not in HANDLERS:
        raise NotFound("No such hook.")
    return HANDLERS[integration.kind](integration, dict(request.headers), request.get_data(cache=True))
