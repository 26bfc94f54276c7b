"""Signup, API keys (shown once, listed, revoked) and staff invitations, end to end."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import unique_slug


def test_signup_returns_shop_user_and_a_working_key(client):
    slug = unique_slug("api")
    response = client.post("/api/v1/signup", json={"shop_name": "Api Shop", "slug": slug,
                                                  "email": f"{slug}@example.com", "password": "password-123"})
    assert response.status_code == 201
    body = response.json
    assert body["tenant"] == {"slug": slug, "name": "Api Shop"} and body["user"] == {"email": f"{slug}@example.com"}
    listed = client.get("/api/v1/api-keys", headers={"Authorization": f"Bearer {body['api_key']}"})
    assert listed.status_code == 200 and len(listed.json["items"]) == 1


def test_api_key_is_shown_once_listed_without_secret_and_revoked(client, shop):
    created = client.post("/api/v1/api-keys", headers=shop.headers, json={"name": "ci", "scopes": ["orders:read"]})
    assert created.status_code == 201
    secret, key_id = created.json["key"], created.json["id"]
    listed = client.get("/api/v1/api-keys", headers=shop.headers).get_data(as_text=True)
    assert secret not in listed and shop.api_key not in listed
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/integrations", headers=new_headers).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{key_id}", headers=shop.headers).status_code == 204
    revoked = client.get("/api/v1/integrations", headers=new_headers)
    assert revoked.status_code == 401 and revoked.mimetype == "application/problem+json"


def test_console_creates_an_api_key_that_calls_the_api(client, login, shop):
    login(shop)
    page = client.post(f"/t/{shop.slug}/settings/api-keys", data={"name": "console", "scopes": ["admin"]})
    assert page.status_code == 200
    secret = re.search(r"ordk_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True).replace(shop.api_key, "")).group(0)
    assert client.get("/api/v1/api-keys", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_invited_staff_opens_the_console_but_not_the_api_keys(app, client, login, shop, run_jobs):
    login(shop)
    invitee = f"{unique_slug('staff')}@example.com"
    assert client.post(f"/t/{shop.slug}/settings/team", data={"email": invitee}).status_code == 302
    run_jobs()
    mails = [p.read_text() for p in (Path(app.instance_path) / "mail").glob("*.eml")]
    mail = next(m for m in mails if invitee in m)
    token = re.search(r"/invite/([A-Za-z0-9_-]+)", mail).group(1)
    client.post("/logout", data={})
    with app.test_client() as staff:
        assert staff.get(f"/invite/{token}").status_code == 200
        accepted = staff.post(f"/invite/{token}", data={"password": "staff-password-1"})
        assert accepted.status_code == 302 and accepted.location.endswith(f"/t/{shop.slug}/")
        assert staff.get(f"/t/{shop.slug}/").status_code == 200
        assert staff.get(f"/t/{shop.slug}/settings/api-keys").status_code == 403
        assert staff.get(f"/t/{shop.slug}/settings/team").status_code == 403
    with app.test_client() as again:
        assert again.get(f"/invite/{token}").status_code == 404  # one-time link


def test_login_lands_on_the_dashboard(client, login, shop):
    login(shop)
    response = client.get("/shops", follow_redirects=True)
    assert response.status_code == 200 and b"Dashboard" in response.data
