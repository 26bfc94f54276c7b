"""The sandbox gateway's hosted payment page, served by Orderly itself at ``/sandbox-pay/<reference>``.

Clicking a button sends a notification signed with the integration's secret to the integration's hook
handler — the same handler ``POST /hooks/{tenant}/{id}`` dispatches to, so it goes through signature
verification and the one code path that applies gateway results — then returns the buyer to the shop.
"""
from __future__ import annotations

import hmac
import re

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import select

from plugins.sandbox_pay.provider import FAILURES
from saas.extensions import db
from saas.integrations.hooks import HANDLERS
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.money import Money
from tenants.context import tenant_context
from tenants.models import Tenant

bp = Blueprint("sandbox_pay", __name__, template_folder="templates")
_HOOK_PATH = re.compile(r"^/hooks/([a-z][a-z0-9-]{2,39})/(\d{1,18})$")


def _page_params(reference: str) -> dict:
    args = request.values
    params = {k: args.get(k, "") for k in ("hook", "amount", "currency", "order", "return_url", "sig")}
    match = _HOOK_PATH.match(params["hook"])
    if not match or not params["amount"].isdigit():
        abort(404)
    params["slug"], params["integration_id"] = match.group(1), int(match.group(2))
    params["reference"] = reference
    return params


def _tenant_of(params: dict):
    """The active tenant the page's hook belongs to, or 404."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == params["slug"], Tenant.status == "active"))
    if tenant is None:
        abort(404)
    ref = tenant.ref()
    db.session.remove()
    return ref


def _verified(provider, params: dict) -> bool:
    expected = provider.page_signature(params["reference"], params["hook"], params["amount"],
                                       params["currency"], params["return_url"])
    return hmac.compare_digest(expected, params["sig"])


@bp.route("/sandbox-pay/<reference>", methods=["GET", "POST"])
def page(reference: str):
    params = _page_params(reference)
    ref = _tenant_of(params)
    with tenant_context(ref):
        integration = db.session.get(Integration, params["integration_id"])
        if integration is None or integration.plugin != "sandbox_pay" or not integration.enabled:
            abort(404)
        provider = provider_for(integration)
        if not _verified(provider, params):
            abort(404)
        amount = Money(int(params["amount"]), params["currency"])
        if request.method == "GET":
            return render_template("sandbox_pay/page.html", params=params, amount=amount, failures=FAILURES,
                                   shop=ref.name)
        outcome = request.form.get("outcome", "")
        if outcome != "pay" and outcome not in FAILURES:
            abort(400)
        response = _notify(integration, provider, reference, amount, outcome)
    if response.status_code >= 300:
        abort(502)
    return redirect(params["return_url"] or request.url)


def _notify(integration, provider, reference: str, amount: Money, outcome: str):
    kind = "payment.succeeded" if outcome == "pay" else "payment.failed"
    headers, body = provider.build_notification(kind, reference, amount,
                                                failure_code=None if outcome == "pay" else outcome)
    return HANDLERS["payment_gateway"](integration, headers, body)
