"""``flask --app wsgi …`` commands: init-db, tenants migrate, demo, worker, serve."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

tenants_cli = AppGroup("tenants", help="Tenant schemas: list, migrate.")


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the control plane (schema 'shared'). Tenants are created by signup."""
    from saas import init_control_plane
    init_control_plane(current_app.extensions["orderly_router"])
    click.echo("control plane ready")


@tenants_cli.command("migrate")
@click.option("--only", multiple=True, help="Slugs to migrate (default: every tenant).")
@with_appcontext
def migrate_tenants(only):
    """Bring every tenant schema to head, one transaction per tenant; reruns resume after failures."""
    from tenants.orchestrate import migrate_all
    report = migrate_all(only=list(only) or None, echo=click.echo)
    click.echo(f"migrated {report.migrated}, already at head {report.current}, failed {report.failed} "
               f"in {report.seconds:.1f} s")
    if report.failed:
        raise SystemExit(1)


@tenants_cli.command("list")
@with_appcontext
def list_tenants():
    from sqlalchemy import select
    from saas.extensions import db
    from tenants.models import Tenant
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.id)):
        click.echo(f"{tenant.id:>6} {tenant.slug:<40} {tenant.status:<12} {tenant.schema} {tenant.schema_revision}")


@click.command("demo")
@click.option("--slug", default="demo")
@with_appcontext
def demo(slug):
    """Create (once) a demo shop with data; print its login."""
    from saas.demo import seed_demo
    login = seed_demo(slug)
    click.echo(f"demo shop '{slug}': log in as {login['email']} / {login['password']}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run queued jobs, then stop.")
@click.option("--queues", default="sync,tracking,notify,default")
@with_appcontext
def worker(burst, queues):
    """An RQ worker (forking work-horse per job) with the scheduler and the cron fan-out."""
    from rq import Worker
    from saas.jobs import CronThread, TenantJob
    runner = current_app.extensions["orderly_jobs"]
    names = [q.strip() for q in queues.split(",") if q.strip()]
    cron = None
    if not burst:
        cron = CronThread(current_app._get_current_object())
        cron.start()
    w = Worker([runner.queue(n) for n in names], connection=runner.connection, job_class=TenantJob)
    w.work(burst=burst, with_scheduler=True)
    if cron:
        cron.stop()


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--demo/--no-demo", "with_demo", default=True)
@with_appcontext
def serve(host, port, with_demo):
    """Run Orderly with its embedded worker thread (the quick start)."""
    from saas.jobs import EmbeddedJobThread
    app: Flask = current_app._get_current_object()
    app.config["ORDERLY_BASE_URL"] = f"http://{host}:{port}"
    login = None
    if with_demo:
        from saas.demo import seed_demo
        login = seed_demo("demo")
    thread = EmbeddedJobThread(app)
    if app.config["ORDERLY_EMBEDDED_WORKER"] or not app.config["REDIS_URL"]:
        thread.start()
    backend = "PostgreSQL" if app.config["DATABASE_URL"] else f"SQLite files in {app.instance_path}"
    click.echo("")
    click.echo(f"  Orderly is running at http://{host}:{port}/")
    if login:
        click.echo(f"  Demo shop: log in as {login['email']} / {login['password']}")
    click.echo(f"  Data: {backend}; jobs: {'Redis' if app.config['REDIS_URL'] else 'in-process (fakeredis)'}")
    click.echo("  API docs: http://%s:%d/api/v1/docs   (Ctrl+C to stop)" % (host, port))
    click.echo("", nl=True)
    time.sleep(0.1)
    # Not app.run(): Flask ignores it inside a ``flask`` CLI command, and the command would just exit.
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def register_cli(app: Flask) -> None:
    for command in (init_db, demo, worker, serve):
        app.cli.add_command(command)
    app.cli.add_command(tenants_cli)
