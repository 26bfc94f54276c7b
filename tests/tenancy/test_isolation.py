"""Two shops with identical rows (same ids, same names) never see each other's data."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.extensions import db
from saas.integrations.models import Integration
from tenancy.rows import add_integration
from tenants.context import NoTenant, require_tenant


@pytest.fixture
def twins(app, make_shop):
    """Shops A and B, each with an integration named 'Main store' at id 1; B also has id 2."""
    a, b = make_shop("alpha"), make_shop("beta")
    assert add_integration(app, a, "Main store") == add_integration(app, b, "Main store")
    add_integration(app, a, "A only")
    add_integration(app, b, "B only")
    b_extra = add_integration(app, b, "B extra")
    return a, b, b_extra


def test_api_lists_only_the_callers_rows(client, twins):
    a, b, _ = twins
    names_a = [i["name"] for i in client.get("/api/v1/integrations", headers=a.headers).json["items"]]
    names_b = [i["name"] for i in client.get("/api/v1/integrations", headers=b.headers).json["items"]]
    assert names_a == ["Main store", "A only"]
    assert names_b == ["Main store", "B only", "B extra"]


def test_same_id_resolves_to_each_tenants_own_row(client, twins):
    a, b, _ = twins
    row_a = client.get("/api/v1/integrations/1", headers=a.headers).json
    row_b = client.get("/api/v1/integrations/1", headers=b.headers).json
    assert row_a["hook_url"].endswith(f"/hooks/{a.slug}/1")
    assert row_b["hook_url"].endswith(f"/hooks/{b.slug}/1")
    assert row_a["settings"] == {"owner": a.slug} and row_b["settings"] == {"owner": b.slug}


def test_another_tenants_object_is_404(client, twins):
    a, b, b_extra = twins
    response = client.get(f"/api/v1/integrations/{b_extra}", headers=a.headers)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert client.delete(f"/api/v1/integrations/{b_extra}", headers=a.headers).status_code == 404
    assert client.get(f"/api/v1/integrations/{b_extra}", headers=b.headers).status_code == 200


def test_console_of_another_shop_is_404(client, login, twins):
    a, b, _ = twins
    login(a)
    assert client.get(f"/t/{a.slug}/").status_code == 200
    for page in ("/", "/settings", "/settings/api-keys", "/settings/team"):
        assert client.get(f"/t/{b.slug}{page}").status_code == 404, page


def test_console_api_keys_page_shows_only_own_keys(client, login, twins):
    a, b, _ = twins
    login(a)
    page = client.get(f"/t/{a.slug}/settings/api-keys").get_data(as_text=True)
    assert a.api_key[:12] in page
    assert b.api_key[:12] not in page


def test_code_with_no_tenant_cannot_read_a_tenant_table(app, twins):
    with app.app_context():
        with pytest.raises(NoTenant):
            require_tenant()
        with pytest.raises(Exception) as caught:
            db.session.scalars(select(Integration)).all()
        db.session.rollback()
        db.session.remove()
    assert "integrations" in str(caught.value).lower()


def test_request_with_no_tenant_cannot_reach_tenant_data(client, twins):
    response = client.get("/api/v1/integrations/1")
    assert response.status_code == 401
    assert "Main store" not in response.get_data(as_text=True)
