"""Test fixtures: every test that takes ``app`` runs on both backends —
SQLite files + fakeredis (the embedded default) and PostgreSQL + Redis (what production runs).

PostgreSQL and Redis must be up (``.ci/run`` starts them): when they are not, the PostgreSQL tests fail,
they never skip. ``ORDERLY_TEST_BACKENDS=sqlite`` narrows a local run.
"""
from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass

import pytest

PG_URL = os.environ.get("ORDERLY_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ORDERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = [b for b in os.environ.get("ORDERLY_TEST_BACKENDS", "sqlite,postgres").split(",") if b]
_counter = itertools.count(1)


def reset_postgres(url: str) -> None:
    """Drop the control plane and every tenant schema of the test database (never another database)."""
    import psycopg
    from psycopg import sql
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = 'shared' OR nspname ~ '^t_[0-9]{8}$'")]
        for schema in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def reset_redis(url: str) -> None:
    import redis
    redis.Redis.from_url(url).flushdb()


def make_app(backend: str, tmp_path_factory, **overrides):
    from saas import create_app
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path_factory.mktemp(f"instance-{backend}")),
              "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "ORDERLY_EMBEDDED_WORKER": False,
              "SECRET_KEY": "test", "ORDERLY_BASE_URL": "http://localhost"}
    if backend == "postgres":
        config.update(DATABASE_URL=PG_URL, REDIS_URL=REDIS_URL)
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    backend = request.param
    if backend == "postgres":
        reset_postgres(PG_URL)
        reset_redis(REDIS_URL)
    application = make_app(backend, tmp_path_factory)
    application.config["TEST_BACKEND"] = backend
    yield application


@pytest.fixture
def backend(app) -> str:
    return app.config["TEST_BACKEND"]


@pytest.fixture
def client(app):
    with app.test_client() as test_client:
        yield test_client


@dataclass
class Shop:
    """A real tenant made through the real signup service."""
    tenant: object          # TenantRef
    api_key: str
    email: str
    password: str

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"}


def unique_slug(prefix: str = "shop") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_shop(app):
    def factory(prefix: str = "shop", name: str | None = None) -> Shop:
        from saas.accounts.service import signup
        from saas.extensions import db
        slug = unique_slug(prefix)
        email, password = f"{slug}@example.com", "password-123"
        with app.app_context():
            result = signup(db.session, name or slug.title(), slug, email, password)
            db.session.remove()
        return Shop(result.tenant, result.api_key, email, password)
    return factory


@pytest.fixture
def shop(make_shop) -> Shop:
    return make_shop()


@pytest.fixture
def in_tenant(app):
    """``with in_tenant(shop): ...`` runs service code inside the shop's tenant context."""
    import contextlib
    from tenants.context import tenant_context

    @contextlib.contextmanager
    def enter(shop_or_ref):
        ref = getattr(shop_or_ref, "tenant", shop_or_ref)
        with app.app_context(), tenant_context(ref):
            yield ref
    return enter


@pytest.fixture
def run_jobs(app):
    """Run queued jobs to completion in this thread (SimpleWorker on fakeredis or real Redis)."""
    def run(queues=("sync", "tracking", "notify", "default")):
        with app.app_context():
            app.extensions["orderly_jobs"].run_until_idle(queues)
    return run


@pytest.fixture
def login(client):
    def do_login(shop: Shop):
        response = client.post("/login", data={"email": shop.email, "password": shop.password})
        assert response.status_code == 302, response.data
        return client
    return do_login
