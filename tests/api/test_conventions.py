"""API.md conventions: 401/403/404, problem+json everywhere under /api, idempotency, rate limit."""
from __future__ import annotations

import re

import pytest

from conftest import make_app, unique_slug
from saas.extensions import limiter
from tenancy.rows import add_integration

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    return body


def test_missing_or_invalid_key_is_401(client):
    assert_problem(client.get("/api/v1/integrations"), 401)
    assert_problem(client.get("/api/v1/integrations", headers={"Authorization": "Bearer ordk_nope"}), 401)
    assert_problem(client.get("/api/v1/integrations", headers={"Authorization": "Basic abc"}), 401)


def test_key_without_the_scope_is_403(client, shop):
    created = client.post("/api/v1/api-keys", headers=shop.headers, json={"name": "ro", "scopes": ["inventory:read"]})
    headers = {"Authorization": f"Bearer {created.json['key']}"}
    assert_problem(client.get("/api/v1/api-keys", headers=headers), 403)
    assert_problem(client.get("/api/v1/integrations", headers=headers), 403)


def test_unknown_route_wrong_method_and_bad_json(client, shop):
    assert_problem(client.get("/api/v1/no-such-thing", headers=shop.headers), 404)
    wrong = client.put("/api/v1/api-keys", headers=shop.headers)
    assert_problem(wrong, 405)
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    bad = client.post("/api/v1/api-keys", headers={**shop.headers, "Content-Type": "application/json"},
                      data="{not json")
    assert_problem(bad, 400)


def test_validation_errors_are_422_with_fields(client, shop):
    body = assert_problem(client.post("/api/v1/api-keys", headers=shop.headers, json={"scopes": ["nope"]}), 422)
    assert "name" in body["errors"]


def test_oversized_body_is_413(app, client, shop):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/api/v1/api-keys", headers={**shop.headers, "Content-Type": "application/json"},
                           data=big)
    assert_problem(response, 413)


def test_every_api_rule_answers_a_bad_request_with_problem_json(app, client):
    """No key, an unknown method or an impossible id: every /api rule answers in problem+json."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(rules) >= 8
    for rule in rules:
        url = re.sub(r"<(?:int:)?[^>]+>", "999999", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers={"Authorization": "Bearer wrong"}, json={})
            assert_problem(response, 401)  # a wrong key is refused before anything else, on every rule
        assert_problem(client.open(url, method="TRACE"), 405)
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_idempotent_repeat_returns_the_first_response_and_does_it_once(client, shop):
    headers = {**shop.headers, "Idempotency-Key": "create-key-1"}
    first = client.post("/api/v1/api-keys", headers=headers, json={"name": "once", "scopes": ["orders:read"]})
    again = client.post("/api/v1/api-keys", headers=headers, json={"scopes": ["orders:read"], "name": "once"})
    assert (first.status_code, first.json) == (again.status_code, again.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    names = [k["name"] for k in client.get("/api/v1/api-keys", headers=shop.headers).json["items"]]
    assert names.count("once") == 1
    other = client.post("/api/v1/api-keys", headers=headers, json={"name": "twice", "scopes": ["orders:read"]})
    assert_problem(other, 422)


def test_idempotent_signup_creates_one_shop(client):
    slug = unique_slug("idem")
    body = {"shop_name": "Idem", "slug": slug, "email": f"{slug}@example.com", "password": "password-123"}
    headers = {"Idempotency-Key": f"signup-{slug}"}
    first = client.post("/api/v1/signup", json=body, headers=headers)
    again = client.post("/api/v1/signup", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert_problem(client.post("/api/v1/signup", json={**body, "shop_name": "Other"}, headers=headers), 422)


def test_idempotent_integration_install_is_not_repeated(app, client, shop):
    add_integration(app, shop, "seed")  # the tenant schema is in use before the keyed request
    headers = {**shop.headers, "Idempotency-Key": "k" * 255}
    body = {"kind": "channel", "plugin": "no-such-plugin", "name": "x"}
    first = client.post("/api/v1/integrations", headers=headers, json=body)
    again = client.post("/api/v1/integrations", headers=headers, json=body)
    assert first.status_code == again.status_code == 422 and first.json == again.json
    assert_problem(client.post("/api/v1/integrations", headers={**shop.headers, "Idempotency-Key": "k" * 256},
                               json=body), 422)


@pytest.fixture
def rate_limited_app(tmp_path_factory, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # the limiter is process-wide: restore it
    return make_app("sqlite", tmp_path_factory, RATELIMIT_ENABLED=True, RATELIMIT_SIGNUP="2 per minute",
                    RATELIMIT_STORAGE_URI="memory://")


def test_signup_rate_limit_is_429_with_retry_after(rate_limited_app):
    with rate_limited_app.test_client() as client:
        statuses = []
        for _ in range(3):
            slug = unique_slug("rl")
            response = client.post("/api/v1/signup", json={"shop_name": "R", "slug": slug,
                                                          "email": f"{slug}@example.com", "password": "password-123"})
            statuses.append(response.status_code)
    assert statuses[:2] == [201, 201]
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
