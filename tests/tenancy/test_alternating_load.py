"""10,000 requests alternating between two shops over a tiny connection pool, with an error thrown in the
middle of every 7th request's transaction, never return the other shop's row."""
from __future__ import annotations

import time

import pytest

from conftest import BACKENDS, Shop, make_app, unique_slug
from saas.accounts.service import signup
from saas.extensions import db
from saas.integrations import api as integrations_api
from tenancy.rows import add_integration

REQUESTS = 10_000


class SimulatedCrash(Exception):
    pass


@pytest.fixture(params=BACKENDS)
def small_pool_app(request, tmp_path_factory):
    options = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 5} if request.param == "postgres" else {}
    application = make_app(request.param, tmp_path_factory, SQLALCHEMY_ENGINE_OPTIONS=options)
    yield application
    with application.app_context():
        db.engine.dispose()


def _shop(app, slug):

    slug = unique_slug(slug)
    with app.app_context():
        result = signup(db.session, slug, slug, f"{slug}@example.com", "password-123")
        db.session.remove()
    return Shop(result.tenant, result.api_key, f"{slug}@example.com", "password-123")


def test_alternating_requests_never_cross_tenants(small_pool_app, monkeypatch):
    app = small_pool_app
    shops = [_shop(app, "load-a"), _shop(app, "load-b")]
    for shop in shops:
        assert add_integration(app, shop, f"row of {shop.slug}") == 1  # same id in both schemas

    real_out, calls = integrations_api._out, {"n": 0}

    def out_that_sometimes_crashes(integration):
        calls["n"] += 1
        if calls["n"] % 7 == 0:  # the row was read, the transaction is open: fail right here
            raise SimulatedCrash("mid-transaction")
        return real_out(integration)

    monkeypatch.setattr(integrations_api, "_out", out_that_sometimes_crashes)
    started, crashes = time.monotonic(), 0
    with app.test_client() as client:
        for i in range(REQUESTS):
            shop = shops[i % 2]
            response = client.get("/api/v1/integrations/1", headers=shop.headers)
            if response.status_code == 500:
                crashes += 1
                assert response.mimetype == "application/problem+json"
                continue
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.json["name"] == f"row of {shop.slug}", f"request {i} saw another tenant's row"
    assert crashes == REQUESTS // 7
    with app.app_context():
        pool = db.engine.pool
        if app.config["DATABASE_URL"]:
            assert pool.size() == 2 and pool.checkedout() == 0, pool.status()
    print(f"\n{REQUESTS} requests in {time.monotonic() - started:.1f} s, {crashes} crashed mid-transaction")
