"""Orderly: multi-tenant order management. ``create_app`` is the application factory."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from saas.config import ROOT, load_config

# Console blueprints: (module, attribute). Domains add theirs here.
CONSOLE_MODULES = (
    ("saas.console.auth_views", "bp"),
    ("saas.console.views", "bp"),
    ("saas.integrations.hooks", "bp"),
    ("saas.catalog.views", "bp"),
    ("saas.inventory.views", "bp"),
    ("saas.orders.views", "bp"),
    ("saas.alerts.views", "bp"),
    ("saas.payments.pages", "bp"),
    ("saas.payments.views", "bp"),
    ("saas.payments.integrations_views", "bp"),
    ("plugins.sandbox_pay.pages", "bp"),
)


def create_app(config: dict | None = None, plugins=None) -> Flask:
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # it narrates every plugin it loads
    _init_database(app)
    _init_extensions(app)
    _init_plugins(app, plugins)
    from saas.jobs import init_jobs
    init_jobs(app)
    from saas.api import register_api
    register_api(app)
    for module, attribute in CONSOLE_MODULES:
        app.register_blueprint(getattr(importlib.import_module(module), attribute))
    from saas.errors import register_error_handlers
    register_error_handlers(app)
    from saas.console import reset_console_tenant
    app.teardown_request(reset_console_tenant)
    _register_template_helpers(app)
    from saas.cli import register_cli
    register_cli(app)
    return app


def _init_database(app: Flask) -> None:
    from saas.extensions import db
    import saas.models_registry  # noqa: F401

    if app.config["DATABASE_URL"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "pool_recycle": 1800,  # bounds each backend's catalog cache across many schemas (tenancy.md §1.6)
            "pool_size": 10, "max_overflow": 20,
            # No server-side prepared statements: per-tenant SQL text would churn them (tenancy.md §1.6), and
            # unqualified names resolve only in 'shared' so code with no tenant cannot reach tenant tables.
            "connect_args": {"prepare_threshold": None, "options": "-c search_path=shared"},
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    else:
        # Not "sqlite://": Flask-SQLAlchemy gives that URL a StaticPool, one connection shared by every thread,
        # so web threads and the worker thread would interleave their transactions on it ("cannot start a
        # transaction within a transaction"). A private in-memory main database per connection, with
        # shared.db attached (install_sqlite_hooks), keeps every thread on its own connection.
        control = Path(app.instance_path).resolve() / "control"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///file:{control}?mode=memory&uri=true"
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
    db.init_app(app)
    from tenants.routing import TenantRouter, install_sqlite_hooks
    with app.app_context():
        router = TenantRouter(db.engine, app.instance_path)
        if router.is_sqlite:
            (Path(app.instance_path) / "tenants").mkdir(parents=True, exist_ok=True)
            install_sqlite_hooks(db.engine, router.shared_db_path)
        app.extensions["orderly_router"] = router
        init_control_plane(router)


def init_control_plane(router) -> None:
    """Create schema ``shared`` and bring it to head; safe to run from several processes at once."""
    from tenants import migrate
    from tenants.models import shared_tables
    from saas.extensions import db

    with router.control_engine.begin() as conn:
        if not router.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))  # one initialiser at a time
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS shared"))
        if migrate.shared_head() is None:
            db.metadata.create_all(conn, tables=shared_tables())
            return
        cfg = migrate.alembic_config("shared")
        cfg.attributes["connection"] = conn
        from alembic import command
        command.upgrade(cfg, "head")


def _init_extensions(app: Flask) -> None:
    from saas.extensions import babel, csrf, limiter, login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(user_id):
        from saas.extensions import db
        from tenants.models import User
        return db.session.get(User, int(user_id))

    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    limiter.init_app(app)


def _select_locale() -> str:
    from flask import current_app
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans", "zh-SG"])
    return "zh_Hans" if best and best.startswith("zh") else "en"


def _bundled_plugin_present(name: str) -> bool:
    # A trimmed install may ship without plugins/ at all; find_spec raises rather than returning None then.
    try:
        return importlib.util.find_spec(f"plugins.{name}") is not None
    except ModuleNotFoundError:
        return False


def _init_plugins(app: Flask, plugins) -> None:
    from saas.plugins import BUNDLED, build_plugin_host
    bundled = [name for name in BUNDLED if _bundled_plugin_present(name)]
    app.extensions["orderly_plugins"] = build_plugin_host(bundled, extra_plugins=plugins or ())


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale
    from saas.console import NAV_ITEMS

    def has_endpoint(endpoint: str) -> bool:
        return endpoint in app.view_functions

    def nav_active(endpoint: str) -> bool:
        """Dashboard and Settings share the console blueprint; other items own a blueprint each."""
        current = request.endpoint or ""
        if endpoint == "console.dashboard":
            return current == endpoint
        if endpoint == "console.settings":
            return current.startswith("console.") and current != "console.dashboard"
        return current.split(".")[0] == endpoint.split(".")[0]

    @app.context_processor
    def _helpers():
        return {"nav_items": [(e, label) for e, label in NAV_ITEMS if has_endpoint(e)],
                "has_endpoint": has_endpoint, "nav_active": nav_active, "current_locale": str(get_locale()),
                "languages": app.config["LANGUAGES"]}

    from saas.money import Money

    @app.template_filter("money")
    def _money(value):
        if value is None:
            return ""
        if isinstance(value, dict):
            value = Money(value["amount"], value["currency"])
        return str(value)
