"""A buyer pays an order on /pay/{token} in Debian's Chromium with the sandbox gateway: the first try
fails (the reason is shown), the second succeeds. Fails (never skips) when Chromium is missing."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conftest import make_app, unique_slug

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--no-first-run"]


@pytest.fixture
def live_app(tmp_path_factory):
    app = make_app("sqlite", tmp_path_factory, WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["ORDERLY_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)"
    from playwright.sync_api import sync_playwright
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})  # a phone
        yield context.new_page()
        context.close()
        browser.close()


def _online_order_with_sandbox(app) -> str:
    """A shop with stock, the sandbox gateway and one online order; returns the buyer's pay URL."""
    from saas.accounts.service import signup
    from saas.extensions import db
    slug = unique_slug("paybrowser")
    with app.app_context():
        key = signup(db.session, "Pay Browser Shop", slug, f"{slug}@example.com", "password-123").api_key
        db.session.remove()
    client, headers = app.test_client(), {"Authorization": f"Bearer {key}"}

    def ok(response, status=201):
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()
    ok(client.post("/api/v1/warehouses", headers=headers,
                   json={"code": "WH1", "name": "WH1", "region": "CN-SH", "address": "x", "priority": 1}))
    ok(client.post("/api/v1/products", headers=headers, json={"name": "Tea", "variants": [
        {"sku": "TEA", "name": "Green tea", "price": {"amount": 1999, "currency": "CNY"}, "weight_grams": 100}]}))
    ok(client.post("/api/v1/stock/adjustments", headers=headers,
                   json={"sku": "TEA", "warehouse": "WH1", "delta": 5, "reason": "opening"}))
    ok(client.post("/api/v1/integrations", headers=headers, json={
        "kind": "payment_gateway", "plugin": "sandbox_pay", "name": "Sandbox", "credentials": {"secret": "s3cret-key"}}))
    number = ok(client.post("/api/v1/orders", headers=headers, json={
        "customer": {"name": "Li Lei"}, "payment_method": "online", "lines": [{"sku": "TEA", "quantity": 1}],
        "shipping_address": {"name": "Li Lei", "phone": "13800000000", "country": "CN", "province": "Shanghai",
                             "city": "Shanghai", "line1": "1 Century Ave"}}))["number"]
    from saas.payments.service import payment_link_for
    from tenants.context import tenant_context
    with app.app_context():
        from tenants.models import Tenant
        tenant = db.session.query(Tenant).filter_by(slug=slug).one().ref()
        db.session.remove()
        with tenant_context(tenant):
            url = payment_link_for(db.session, number)
            db.session.commit()
    return url


@pytest.mark.browser
def test_buyer_sees_the_failure_reason_then_pays(live_app, page):
    pay_url = _online_order_with_sandbox(live_app)
    page.goto(pay_url)
    assert "19.99" in page.locator("[data-testid=order-total]").inner_text()

    page.click("[data-testid=pay-with-sandbox_pay]")
    page.wait_for_url("**/sandbox-pay/**")
    page.click("[data-testid=sandbox-fail-insufficient_funds]")
    page.wait_for_url(pay_url)
    reason = page.locator("[data-testid=failure-reason]")
    reason.wait_for(state="visible")
    assert "not enough money" in reason.inner_text()  # the buyer-facing text, not the gateway's

    page.click("[data-testid=pay-with-sandbox_pay]")  # "Try again"
    page.wait_for_url("**/sandbox-pay/**")
    page.click("[data-testid=sandbox-pay]")
    page.wait_for_url(pay_url)
    page.locator("#outcome-paid").wait_for(state="visible", timeout=10000)
    assert page.locator("[data-testid=pay-with-sandbox_pay]").is_hidden()
