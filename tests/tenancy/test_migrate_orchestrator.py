"""``tenants migrate``: every tenant at head is reported as such; a failure stops nobody and a rerun resumes."""
from __future__ import annotations

from sqlalchemy import select

import tenants.orchestrate as orchestrate
from saas.extensions import db
from tenants.models import Tenant


def test_every_tenant_is_already_at_head(app, make_shop):
    shops = [make_shop("mig") for _ in range(3)]
    with app.app_context():
        report = orchestrate.migrate_all(only=[s.slug for s in shops])
    assert (report.current, report.migrated, report.failed) == (3, 0, 0)


def test_a_failed_tenant_is_recorded_and_a_rerun_resumes(app, make_shop, monkeypatch):
    shops = [make_shop("resume") for _ in range(3)]
    slugs = [s.slug for s in shops]
    real_revision = orchestrate.migrate.tenant_revision

    def broken_for_second(conn, schema):
        if schema == shops[1].tenant.schema:
            raise RuntimeError("lock timeout (simulated)")
        return real_revision(conn, schema)

    monkeypatch.setattr(orchestrate.migrate, "tenant_revision", broken_for_second)
    with app.app_context():
        first = orchestrate.migrate_all(only=slugs)
        errors = dict(db.session.execute(select(Tenant.slug, Tenant.migration_error).where(Tenant.slug.in_(slugs))).all())
        db.session.remove()
    assert (first.current, first.failed) == (2, 1)
    assert "simulated" in errors[shops[1].slug] and errors[shops[0].slug] is None

    monkeypatch.undo()
    with app.app_context():
        second = orchestrate.migrate_all(only=slugs)
        errors = dict(db.session.execute(select(Tenant.slug, Tenant.migration_error).where(Tenant.slug.in_(slugs))).all())
        db.session.remove()
    assert (second.current, second.failed) == (3, 0)
    assert set(errors.values()) == {None}


def test_cli_command_reports_and_exits_zero(app, shop):
    result = app.test_cli_runner().invoke(args=["tenants", "migrate", "--only", shop.slug])
    assert result.exit_code == 0, result.output
    assert "already at head 1, failed 0" in result.output
