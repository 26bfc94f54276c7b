"""Slugs are checked before use; a signup that fails half-way leaves nothing, and the same signup then works."""
from __future__ import annotations

import pytest

import tenants.provisioning as provisioning
from saas.accounts import service as accounts
from saas.extensions import db
from tenancy.rows import known_schemas, slug_exists, tenant_schemas, user_exists
from conftest import unique_slug

HOSTILE_SLUGS = ['a"; drop schema public--', "pg_catalog", "public", "shared", "Shop-Upper", "a" * 41,
                 "ab", "1shop", "shop name", "shop_x", "t_00000001", "", None, 42]


@pytest.mark.parametrize("slug", HOSTILE_SLUGS)
def test_hostile_slug_is_422_and_creates_no_schema(app, client, slug):
    before = tenant_schemas(app)
    response = client.post("/api/v1/signup", json={"shop_name": "X", "slug": slug,
                                                  "email": f"{unique_slug()}@example.com", "password": "password-123"})
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert tenant_schemas(app) == before


def test_taken_slug_is_409(client, shop):
    response = client.post("/api/v1/signup", json={"shop_name": "X", "slug": shop.slug,
                                                  "email": "other@example.com", "password": "password-123"})
    assert response.status_code == 409
    assert "slug" in response.json["errors"]


def _signup(app, slug, email):
    with app.app_context():
        try:
            return accounts.signup(db.session, "Half Way", slug, email, "password-123")
        finally:
            db.session.remove()


def _assert_nothing_left(app, slug, email):
    assert not slug_exists(app, slug)
    assert not user_exists(app, email)
    assert tenant_schemas(app) <= known_schemas(app), "an orphan schema was left behind"


def test_failure_while_creating_tables_leaves_nothing_and_retry_succeeds(app, monkeypatch):
    slug, email = unique_slug("half"), f"{unique_slug()}@example.com"
    real_create_all = db.metadata.create_all

    def create_some_tables_then_fail(bind, tables=None, **kw):
        real_create_all(bind, tables=(tables or [])[:1], **kw)  # the schema and one table exist now
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(provisioning.db.metadata, "create_all", create_some_tables_then_fail)
    with pytest.raises(RuntimeError, match="simulated"):
        _signup(app, slug, email)
    _assert_nothing_left(app, slug, email)

    monkeypatch.undo()
    result = _signup(app, slug, email)
    assert result.tenant.slug == slug and result.tenant.schema in tenant_schemas(app)


def test_failure_after_the_schema_exists_leaves_nothing_and_retry_succeeds(app, monkeypatch):
    slug, email = unique_slug("late"), f"{unique_slug()}@example.com"

    def fail(*args, **kwargs):
        raise RuntimeError("key store down (simulated)")

    monkeypatch.setattr(accounts, "create_api_key", fail)
    with pytest.raises(RuntimeError, match="simulated"):
        _signup(app, slug, email)
    _assert_nothing_left(app, slug, email)

    monkeypatch.undo()
    assert _signup(app, slug, email).tenant.slug == slug


def test_failed_signup_through_the_api_is_a_problem_and_retry_is_201(app, client, monkeypatch):
    slug, email = unique_slug("apifail"), f"{unique_slug()}@example.com"
    body = {"shop_name": "Api Fail", "slug": slug, "email": email, "password": "password-123"}
    monkeypatch.setattr(provisioning, "create_tenant_schema", _raise_after_create_schema(app))
    response = client.post("/api/v1/signup", json=body)
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    _assert_nothing_left(app, slug, email)
    monkeypatch.undo()
    assert client.post("/api/v1/signup", json=body).status_code == 201


def _raise_after_create_schema(app):
    real = provisioning.create_tenant_schema

    def create_then_fail(schema):
        real(schema)  # everything is built…
        raise RuntimeError("crash before commit (simulated)")  # …and then the process "dies"
    return create_then_fail
