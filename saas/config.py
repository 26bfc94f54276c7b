"""Settings from the environment, with the embedded defaults a newcomer gets when nothing is set."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _persistent_secret(instance: Path, name: str, make) -> str:
    """A secret kept in ``instance/`` so restarts of the embedded app keep sessions and credentials."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


def _postgres_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and always use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    env = os.environ
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("ORDERLY_INSTANCE_PATH") or ROOT / "instance")
    database_url = overrides.pop("DATABASE_URL", env.get("DATABASE_URL"))
    redis_url = overrides.pop("REDIS_URL", env.get("REDIS_URL"))
    config = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": _postgres_url(database_url) if database_url else None,
        "REDIS_URL": redis_url or None,
        "SECRET_KEY": env.get("SECRET_KEY") or _persistent_secret(instance, "secret_key", lambda: secrets.token_hex(32)),
        "ORDERLY_ENCRYPTION_KEY": env.get("ORDERLY_ENCRYPTION_KEY") or _persistent_secret(
            instance, "encryption_key", _new_fernet_key),
        "ORDERLY_BASE_URL": env.get("ORDERLY_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Orderly <no-reply@orderly.local>"),
        # The embedded worker thread runs jobs in-process; tests drive jobs explicitly instead.
        "ORDERLY_EMBEDDED_WORKER": env.get("ORDERLY_EMBEDDED_WORKER", "1") == "1",
        "ORDERLY_TENANT_JOB_SLOTS": int(env.get("ORDERLY_TENANT_JOB_SLOTS", "4")),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_SIGNUP": env.get("RATELIMIT_SIGNUP", "10 per minute;50 per hour"),
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "20 per minute"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "saas" / "translations"),
        "LANGUAGES": {"en": "English", "zh_Hans": "简体中文"},
        # flask-smorest / OpenAPI
        "API_TITLE": "Orderly API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
    }
    config.update(overrides)
    return config


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet
    return Fernet.generate_key().decode()
