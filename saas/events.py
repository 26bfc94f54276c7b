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


class Lazy:
    """A hook argument computed only when it is about to be passed (see ``fire_committed``)."""

    def __init__(self, compute):
        self.compute = compute

    def __call__(self):
        return self.compute()


def fire_after_commit(session, hook_name: str, **kwargs) -> None:
    """Queue ``hook_name(tenant=..., **kwargs)`` to run once ``session`` commits.

    The hook runs inside the commit, where the session can no longer read: give plain values here, and use
    ``fire_committed`` for a payload (``Lazy``) that needs queries.
    """
    after_commit(session, _hook_call(session, hook_name, kwargs))


def fire_committed(session, hook_name: str, **kwargs) -> None:
    """Call ``hook_name(tenant=..., **kwargs)`` now, for a caller that has just committed what it reports.

    A keyword whose value is a ``Lazy`` is computed only if some enabled plugin implements the hook, and may
    read through ``session`` (in a new transaction): building an order's full payload costs queries that a
    flash sale cannot afford while it holds stock row locks, and that nobody needs when no plugin listens.
    """
    _hook_call(session, hook_name, kwargs)()


def _hook_call(session, hook_name: str, kwargs: dict):
    tenant = require_tenant()
    host = current_app.extensions["orderly_plugins"]
    enabled = _enabled_plugins_if_they_matter(session, host, hook_name)

    def call():
        try:
            caller = host.hook_for(hook_name, enabled)
            if not caller.get_hookimpls():
                return
            caller(tenant=tenant, **{name: value() if isinstance(value, Lazy) else value
                                     for name, value in kwargs.items()})
        except Exception:
            log.exception("plugin hook %s failed for tenant %s", hook_name, tenant.id)
    return call


def _enabled_plugins_if_they_matter(session, host, hook_name: str) -> set[str] | None:
    """The tenant's enabled plugins, read only if some provider plugin implements the hook; else None
    (every implementation is from a plugin that is always on). Saves a query per event in the common case."""
    implementers = {impl.plugin_name for impl in getattr(host.manager.hook, hook_name).get_hookimpls()}
    if not implementers & set(host.owners.values()):
        return None
    from saas.integrations.service import enabled_plugin_names
    return enabled_plugin_names(session)
