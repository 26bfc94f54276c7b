"""Console: the integrations page (install, hook URL, enable/disable, test connection), the order's
payments panel with a refund form, and the demo seeder."""
from __future__ import annotations

from flask import render_template_string

from payments.support import get_order_json, install_sandbox, new_order, pay, start
from saas.extensions import db
from saas.integrations.models import Integration


def test_integrations_page_installs_tests_and_disables(client, shop, login, in_tenant):
    login(shop)
    base = f"/t/{shop.slug}/integrations"
    page = client.get(base)
    assert page.status_code == 200 and "sandbox_pay" in page.get_data(as_text=True)
    response = client.post(f"{base}/install", data={"kind": "payment_gateway", "plugin": "sandbox_pay",
                                                    "name": "Test pay", "settings.refund_mode": "instant",
                                                    "credentials.secret": "console-secret"})
    assert response.status_code == 302
    with in_tenant(shop):
        integration = db.session.query(Integration).filter_by(name="Test pay").one()
        integration_id = integration.id
    listing = client.get(base).get_data(as_text=True)
    assert f"/hooks/{shop.slug}/{integration_id}" in listing
    tested = client.post(f"{base}/{integration_id}/test", follow_redirects=True).get_data(as_text=True)
    assert "connection works" in tested
    client.post(f"{base}/{integration_id}/enabled", data={"enabled": "0"})
    with in_tenant(shop):
        assert db.session.get(Integration, integration_id).enabled is False


def test_install_with_missing_credentials_shows_the_error(client, shop, login, in_tenant):
    login(shop)
    page = client.post(f"/t/{shop.slug}/integrations/install", data={"kind": "payment_gateway",
                                                                     "plugin": "sandbox_pay"},
                       follow_redirects=True)
    assert "credentials.secret" in page.get_data(as_text=True)
    with in_tenant(shop):
        assert db.session.query(Integration).count() == 0


def test_payments_panel_and_console_refund(app, client, shop, login, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    payment = start(client, shop, number, integration)
    pay(client, in_tenant, shop, integration, payment)
    with app.test_request_context(), in_tenant(shop):
        from flask import g
        from saas.orders.service import get_order
        g.slug = shop.slug  # as the console's tenant blueprint sets it
        html = render_template_string('{% include "payments/_order_payments.html" %}',
                                      order=get_order(db.session, number))
    assert payment["reference"] in html and "payment.succeeded" in html
    login(shop)
    client.post(f"/t/{shop.slug}/orders/{number}/refunds", data={"amount": "4.00", "reason": "scratch"})
    assert get_order_json(client, shop, number)["payment_status"] == "partially_refunded"


def test_demo_installs_sandbox_and_cod(app, in_tenant, shop):
    from saas.payments.demo import seed_payments_demo
    with in_tenant(shop) as tenant:
        seed_payments_demo(tenant)
        seed_payments_demo(tenant)
        assert sorted(db.session.scalars(db.select(Integration.plugin))) == ["cod", "sandbox_pay"]
