"""Jobs carry their tenant and run in its schema; no tenant means no tenant data."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job

import saas.jobs as jobs
from saas.extensions import db
from tenancy.rows import add_integration
from tenants.models import Tenant
from jobs import tenant_tasks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def twins(app, make_shop):
    a, b = make_shop("job-a"), make_shop("job-b")
    add_integration(app, a, "A's row")
    add_integration(app, b, "B's row")
    return a, b


def _enqueue(app, shop_or_none, func, **kw):
    with app.app_context():
        tenant = shop_or_none.tenant if shop_or_none else None
        return jobs.enqueue("default", func, tenant=tenant, **kw)


def _fetch(app, job_id):
    return Job.fetch(job_id, connection=app.extensions["orderly_jobs"].connection)


def test_job_runs_in_its_tenants_schema(app, twins, run_jobs):
    a, b = twins
    job_a = _enqueue(app, a, tenant_tasks.what_this_tenant_sees)
    job_b = _enqueue(app, b, tenant_tasks.what_this_tenant_sees)
    run_jobs()
    assert _fetch(app, job_a.id).return_value() == {"tenant": a.slug, "names": ["A's row"]}
    assert _fetch(app, job_b.id).return_value() == {"tenant": b.slug, "names": ["B's row"]}


def test_job_with_no_tenant_cannot_read_a_tenant_table(app, twins, run_jobs):
    job = _enqueue(app, None, tenant_tasks.read_tenant_table_without_tenant)
    run_jobs()
    job = _fetch(app, job.id)
    assert job.get_status() == "failed"
    assert "integrations" in job.latest_result().exc_string.lower()


def test_job_of_a_suspended_tenant_fails(app, shop, run_jobs):
    job = _enqueue(app, shop, tenant_tasks.noop)
    with app.app_context():
        db.session.get(Tenant, shop.tenant.id).status = "suspended"
        db.session.commit()
    run_jobs()
    job = _fetch(app, job.id)
    assert job.get_status() == "failed"
    assert "not active" in job.latest_result().exc_string


def test_tenant_jobs_share_a_per_tenant_rate_limit(app, shop):
    job = _fetch(app, _enqueue(app, shop, tenant_tasks.noop).id)
    assert job.rate_limit_key == f"t-{shop.tenant.id}"
    assert job.rate_limit_concurrency == app.config["ORDERLY_TENANT_JOB_SLOTS"]


def test_jobs_api_hides_another_tenants_job(app, client, twins, run_jobs):
    a, b = twins
    job = _enqueue(app, a, tenant_tasks.noop)
    run_jobs()
    assert client.get(f"/api/v1/jobs/{job.id}", headers=b.headers).status_code == 404
    assert client.get("/api/v1/jobs/no-such-job", headers=a.headers).status_code == 404
    mine = client.get(f"/api/v1/jobs/{job.id}", headers=a.headers)
    assert mine.status_code == 200 and mine.json["status"] == "finished" and mine.json["result"] == "ok"


def test_cron_tick_enqueues_once_per_tenant_per_slot(app, make_shop, monkeypatch):
    make_shop("cron"), make_shop("cron")
    task = jobs.PeriodicTask("test-tick", "jobs.tenant_tasks.noop", 3600)
    monkeypatch.setattr(jobs, "PERIODIC_TASKS", [task])
    slot_start = dt.datetime(2030, 1, 1, 10, 0, 5, tzinfo=dt.timezone.utc)
    with app.app_context():
        active = db.session.query(Tenant).filter(Tenant.status == "active").count()
        db.session.remove()
        assert jobs.cron_tick(slot_start) == active
        assert jobs.cron_tick(slot_start + dt.timedelta(minutes=30)) == 0  # same slot: nothing new
        queued = app.extensions["orderly_jobs"].queue("default").get_job_ids()
    ids = [j for j in queued if j.startswith("test-tick-")]
    assert len(ids) == len(set(ids)) == active
    app.extensions["orderly_jobs"].queue("default").empty()


def test_embedded_worker_thread_runs_a_job_on_its_own(app, shop):
    job = _enqueue(app, shop, tenant_tasks.what_this_tenant_sees)
    thread = jobs.EmbeddedJobThread(app, poll=0.1)
    thread._next_cron = float("inf")  # only the worker loop is under test
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while _fetch(app, job.id).get_status() != "finished":
            assert time.monotonic() < deadline, "the embedded worker did not run the job"
            time.sleep(0.1)
    finally:
        thread.stop()
        thread.join(5)
    assert _fetch(app, job.id).return_value()["tenant"] == shop.slug


@pytest.mark.postgres
def test_a_real_forking_worker_runs_the_job_in_its_tenant(app, backend, twins):
    if backend != "postgres":
        pytest.skip("a forking worker needs a real Redis: the postgres backend covers it")
    a, b = twins
    job = _enqueue(app, b, tenant_tasks.what_this_tenant_sees)
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config["REDIS_URL"],
           "ORDERLY_INSTANCE_PATH": app.instance_path, "ORDERLY_EMBEDDED_WORKER": "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    job = _fetch(app, job.id)
    assert job.get_status() == "finished", done.stderr[-3000:]
    assert job.return_value() == {"tenant": b.slug, "names": ["B's row"]}
