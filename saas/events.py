"""Firing plugin event hooks: after the transaction commits, only to plugins the tenant enabled.

An exception in a plugin is logged and swallowed: the change it reports is already committed and other
plugins still deserve to hear about it.
"""
from __future__ import annotations

import logging

from flask import current_app

from saas.extensions import after_commit
from tenants.context import require_tenant

log = logging.getLogger(__name__)


def fire_after_commit(session, hook_name: str, **kwargs) -> None:
    """Queue ``hook_name(tenant=..., **kwargs)`` to run once ``session`` commits."""
    tenant = require_tenant()
    from saas.integrations.service import enabled_plugin_names
    enabled = enabled_plugin_names(session)

    def call():
        host = current_app.extensions["orderly_plugins"]
        try:
            host.hook_for(hook_name, enabled)(tenant=tenant, **kwargs)
        except Exception:
            log.exception("plugin hook %s failed for tenant %s", hook_name, tenant.id)

    after_commit(session, call)
