"""Installing plugin providers for a tenant; building a configured provider for a call."""
from __future__ import annotations

import json

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec import APISpec
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from saas.errors import NotFound, ValidationFailed, flatten_errors
from saas.integrations.models import Integration
from saas.plugins import PluginHost, UnknownProvider
from saas.providers import Provider
from tenants.context import require_tenant

KINDS = ("payment_gateway", "courier", "channel")


def plugin_host() -> PluginHost:
    return current_app.extensions["orderly_plugins"]


def _fernet() -> Fernet:
    return Fernet(current_app.config["ORDERLY_ENCRYPTION_KEY"].encode())


def encrypt_credentials(credentials: dict) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode() if credentials else ""


def decrypt_credentials(ciphertext: str) -> dict:
    if not ciphertext:
        return {}
    try:
        return json.loads(_fernet().decrypt(ciphertext.encode()))
    except InvalidToken:
        raise RuntimeError("credentials cannot be decrypted: ORDERLY_ENCRYPTION_KEY changed?") from None


def _json_schema(schema_cls) -> dict:
    spec = APISpec("plugin", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    return spec.plugins[0].converter.schema2jsonschema(schema_cls())


def available_plugins() -> list[dict]:
    """Every provider this installation offers, with the JSON schema of its settings and credentials."""
    host = plugin_host()
    return [{"kind": kind, "name": cls.name, "label": cls.label,
             "settings_schema": _json_schema(cls.settings_schema),
             "credentials_schema": _json_schema(cls.credentials_schema)}
            for kind in KINDS for cls in sorted(host.providers[kind].values(), key=lambda c: c.name)]


def _provider_class(kind: str, plugin: str) -> type[Provider]:
    if kind not in KINDS:
        raise ValidationFailed("Unknown kind.", errors={"kind": [f"Choose from {', '.join(KINDS)}."]})
    try:
        return plugin_host().provider(kind, plugin)
    except UnknownProvider:
        raise ValidationFailed("Unknown plugin.", errors={"plugin": [f"No {kind} plugin named {plugin!r}."]})


def _load(schema_cls, data, field: str, partial=False) -> dict:
    try:
        return schema_cls().load(data or {}, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(f"Invalid {field}.", errors={f"{field}.{k}": v for k, v in
                                                             flatten_errors(exc.messages).items()})


def install(session, kind: str, plugin: str, name: str, settings: dict, credentials: dict) -> Integration:
    cls = _provider_class(kind, plugin)
    integration = Integration(kind=kind, plugin=plugin, name=(name or cls.label).strip()[:120],
                              settings=_load(cls.settings_schema, settings, "settings"),
                              credentials_ciphertext=encrypt_credentials(
                                  _load(cls.credentials_schema, credentials, "credentials")))
    session.add(integration)
    session.commit()
    return integration


def get(session, integration_id: int) -> Integration:
    integration = session.get(Integration, integration_id)
    if integration is None:
        raise NotFound("No such integration.")
    return integration


def update(session, integration_id: int, changes: dict) -> Integration:
    integration = get(session, integration_id)
    cls = _provider_class(integration.kind, integration.plugin)
    if "name" in changes:
        integration.name = changes["name"].strip()[:120]
    if "enabled" in changes:
        integration.enabled = bool(changes["enabled"])
    if "settings" in changes:
        merged = {**integration.settings, **(changes["settings"] or {})}
        integration.settings = _load(cls.settings_schema, merged, "settings")
    if "credentials" in changes:
        merged = {**decrypt_credentials(integration.credentials_ciphertext), **(changes["credentials"] or {})}
        integration.credentials_ciphertext = encrypt_credentials(_load(cls.credentials_schema, merged, "credentials"))
    session.commit()
    return integration


def remove(session, integration_id: int) -> None:
    session.delete(get(session, integration_id))
    session.commit()


def list_integrations(session, kind: str | None = None) -> list[Integration]:
    stmt = select(Integration).order_by(Integration.id)
    if kind:
        stmt = stmt.where(Integration.kind == kind)
    return list(session.scalars(stmt))


def hook_url(integration: Integration) -> str:
    base = current_app.config["ORDERLY_BASE_URL"].rstrip("/")
    return f"{base}/hooks/{require_tenant().slug}/{integration.id}"


def provider_for(integration: Integration) -> Provider:
    """A provider instance configured with the integration's settings and decrypted credentials."""
    cls = _provider_class(integration.kind, integration.plugin)
    return cls(integration.settings, decrypt_credentials(integration.credentials_ciphertext),
               notify_url=hook_url(integration))


def enabled_plugin_names(session) -> set[str]:
    """Names of the pluggy plugins that own a provider this tenant has installed and enabled."""
    owners = plugin_host().owners
    rows = session.execute(select(Integration.kind, Integration.plugin).where(Integration.enabled)).all()
    return {owners[(kind, plugin)] for kind, plugin in rows if (kind, plugin) in owners}
