"""A newcomer signs up through the real page in Debian's Chromium, lands on the dashboard and switches
between English and Chinese. Runs in CI; fails (never skips) when Chromium is missing."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conftest import make_app, unique_slug

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(tmp_path_factory):
    app = make_app("sqlite", tmp_path_factory, WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page():
    assert Path(CHROMIUM).exists(), (f"{CHROMIUM} is missing: install Debian's Chromium "
                                     "(`apt-get install -y chromium`, done by ./dev test)")
    from playwright.sync_api import sync_playwright
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
def test_signup_lands_on_dashboard_and_switches_language(live_server, page, tmp_path):
    slug = unique_slug("browser")
    page.goto(f"{live_server}/signup")
    page.fill("input[name=shop_name]", "Browser Shop")
    page.fill("input[name=slug]", slug)
    page.fill("input[name=email]", f"{slug}@example.com")
    page.fill("input[name=password]", "password-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/t/{slug}/")
    heading = page.locator("h1")
    assert heading.inner_text() == "Dashboard"

    page.click("a[data-lang=zh_Hans]")
    page.wait_for_url(f"{live_server}/t/{slug}/")
    assert heading.inner_text() == "仪表盘"
    assert page.locator("html").get_attribute("lang").startswith("zh")
    page.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)

    page.click("a[data-lang=en]")
    assert heading.inner_text() == "Dashboard"
    page.click("a[data-lang=zh_Hans]")
    assert heading.inner_text() == "仪表盘"
    page.screenshot(path=str(tmp_path / "dashboard-zh-again.png"), full_page=True)


@pytest.mark.browser
def test_swagger_ui_renders_offline(live_server, page, tmp_path):
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "Orderly API" in page.inner_text(".swagger-ui .info .title")
    page.screenshot(path=str(tmp_path / "swagger.png"), full_page=False)
    assert not [u for u in external if not u.startswith("data:")], external
