"""The plugin manager: built once per app, holds bundled and third-party plugins and the provider registry.

Bundled plugins live in ``plugins/<name>/`` and are listed in ``BUNDLED``; third-party packages register
through the ``orderly`` entry-point group. Per-tenant enablement never registers or unregisters anything:
calls for a tenant go through ``pluggy``'s ``subset_hook_caller`` skipping the plugins it has not enabled.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

import pluggy

from saas import hookspecs
from saas.providers import PROVIDER_KINDS, Provider

hookimpl = pluggy.HookimplMarker("orderly")
log = logging.getLogger(__name__)

BUNDLED = ("sandbox_pay", "cod", "stripe", "alipay", "wechatpay")

_REGISTER_HOOKS = {
    "payment_gateway": "orderly_register_payment_gateways",
    "courier": "orderly_register_couriers",
    "channel": "orderly_register_channels",
}


class UnknownProvider(LookupError):
    pass


@dataclass
class PluginHost:
    """What ``create_app`` keeps in ``app.extensions["orderly_plugins"]``."""
    manager: pluggy.PluginManager
    providers: dict[str, dict[str, type[Provider]]]   # kind -> name -> class
    owners: dict[tuple[str, str], str]                 # (kind, name) -> registering plugin's name

    def provider(self, kind: str, name: str) -> type[Provider]:
        try:
            return self.providers[kind][name]
        except KeyError:
            raise UnknownProvider(f"no {kind} plugin named {name!r}") from None

    def hook_for(self, hook_name: str, enabled_plugin_names: set[str] | None):
        """A hook caller that reaches only the plugins a tenant enabled (``None``: every plugin)."""
        caller = getattr(self.manager.hook, hook_name)
        if enabled_plugin_names is None:
            return caller
        skipped = [p for name, p in self.manager.list_name_plugin()
                   if name in self._provider_plugin_names() and name not in enabled_plugin_names]
        return self.manager.subset_hook_caller(hook_name, remove_plugins=skipped) if skipped else caller

    def _provider_plugin_names(self) -> set[str]:
        return set(self.owners.values())


def build_plugin_host(bundled=BUNDLED, extra_plugins=()) -> PluginHost:
    manager = pluggy.PluginManager("orderly")
    manager.add_hookspecs(hookspecs)
    for name in bundled:
        manager.register(importlib.import_module(f"plugins.{name}"), name=name)
    for plugin in extra_plugins:
        manager.register(plugin)
    manager.load_setuptools_entrypoints("orderly")
    manager.check_pending()
    return PluginHost(manager, *_collect_providers(manager))


def _collect_providers(manager):
    providers: dict[str, dict[str, type[Provider]]] = {kind: {} for kind in PROVIDER_KINDS}
    owners: dict[tuple[str, str], str] = {}
    for kind, hook_name in _REGISTER_HOOKS.items():
        hook = getattr(manager.hook, hook_name)
        for impl in hook.get_hookimpls():
            for cls in impl.function() or []:
                if not issubclass(cls, PROVIDER_KINDS[kind]):
                    raise TypeError(f"{impl.plugin_name} returned {cls!r} from {hook_name}: not a {kind}")
                if cls.name in providers[kind]:
                    raise ValueError(f"two {kind} plugins are named {cls.name!r}")
                providers[kind][cls.name] = cls
                owners[(kind, cls.name)] = impl.plugin_name
    return providers, owners
