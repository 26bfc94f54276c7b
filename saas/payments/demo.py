"""Demo shop: the sandbox gateway (so the buyer page can be tried at once) and cash on delivery."""
from __future__ import annotations

from sqlalchemy import select

from saas.demo import DEMO_SEEDERS
from saas.extensions import db
from saas.integrations.models import Integration
from saas.integrations.service import install

DEMO_GATEWAYS = [("sandbox_pay", "Sandbox Pay", {"refund_mode": "instant"}, {"secret": "demo-sandbox-secret"}),
                 ("cod", "Cash on delivery", {}, {})]


def seed_payments_demo(tenant) -> None:
    """Install the demo gateways once (a second run changes nothing)."""
    installed = set(db.session.scalars(select(Integration.plugin).where(Integration.kind == "payment_gateway")))
    for plugin, name, settings, credentials in DEMO_GATEWAYS:
        if plugin not in installed:
            install(db.session, "payment_gateway", plugin, name, settings, credentials)


if seed_payments_demo not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_payments_demo)
