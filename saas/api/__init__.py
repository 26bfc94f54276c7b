"""API conventions shared by every domain: bearer keys with scopes, idempotency, pagination, problem+json."""
from __future__ import annotations

import importlib

from flask import Flask
from flask_smorest import Api

from saas.api import auth, idempotency

# Every domain with a REST surface exposes ``blp`` in ``saas/<domain>/api.py``.
API_MODULES = ("saas.accounts.api", "saas.integrations.api", "saas.jobs_api",
               "saas.catalog.api", "saas.inventory.api", "saas.alerts.api", "saas.orders.api",
               "saas.payments.api")


class OrderlyApi(Api):
    """flask-smorest's Api with Orderly's own error renderer (problem+json) instead of smorest's JSON."""

    def _register_error_handlers(self):
        pass


def register_api(app: Flask, modules=API_MODULES) -> OrderlyApi:
    api = OrderlyApi(app, spec_kwargs={
        "info": {"description": "Orderly's public REST API. See API.md for the contract."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    from saas.extensions import csrf
    for module in modules:
        blueprint = importlib.import_module(module).blp
        csrf.exempt(blueprint)  # the API authenticates with bearer keys, never cookies: no CSRF there
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    auth.init_app(app)
    idempotency.init_app(app)
    return api
