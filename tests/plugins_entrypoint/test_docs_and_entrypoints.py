"""docs/plugins.md documents every hook with its signature; a plugin installed as a distribution with an
``orderly`` entry point is loaded at start and hears the events of the tenant it runs for."""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from saas import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def hook_signatures() -> dict[str, str]:
    return {name: f"{name}{inspect.signature(func)}" for name, func in vars(hookspecs).items()
            if name.startswith("orderly_") and callable(func)}


def test_every_hook_is_documented_with_its_signature():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert hook_signatures(), "no hooks found in saas/hookspecs.py"
    missing = [sig for sig in hook_signatures().values() if sig not in docs]
    assert not missing, "docs/plugins.md lacks these hook signatures:\n  " + "\n  ".join(missing)


@pytest.fixture
def installed_example_plugin(tmp_path, monkeypatch):
    """Install tests/example_plugin as a distribution (a dist-info with an entry point) on sys.path."""
    dist_info = tmp_path / "orderly_example_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: orderly-example-plugin\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[orderly]\nexample = example_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    sys.modules.pop("example_plugin", None)
    import example_plugin
    example_plugin.received.clear()
    return example_plugin


def test_entry_point_plugin_is_loaded_and_hears_tenant_events(installed_example_plugin, tmp_path_factory):
    from conftest import Shop, make_app, unique_slug
    from saas.accounts.service import signup
    from saas.events import fire_after_commit
    from saas.extensions import db
    from tenants.context import tenant_context

    app = make_app("sqlite", tmp_path_factory)
    manager = app.extensions["orderly_plugins"].manager
    assert manager.get_plugin("example") is installed_example_plugin
    assert ("example", "orderly-example-plugin") in [(manager.get_name(p), d.project_name)
                                                     for p, d in manager.list_plugin_distinfo()]
    slug = unique_slug("ep")
    with app.app_context():
        tenant = signup(db.session, "Entry", slug, f"{slug}@example.com", "password-123").tenant
        db.session.remove()
        with tenant_context(tenant):
            fire_after_commit(db.session, "orderly_order_created", order={"number": "SO-1"})
            assert installed_example_plugin.received == []  # only after the commit
            db.session.commit()
    assert installed_example_plugin.received == [{"tenant": slug, "order": "SO-1"}]
