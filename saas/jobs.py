"""Background work on RQ: queues, a job class that runs inside its tenant's context, the embedded worker
thread, and the cron fan-out that enqueues periodic per-tenant jobs.

Production: ``REDIS_URL`` and ``flask --app wsgi worker`` processes. Embedded default: fakeredis (with Lua,
so RateLimit and unique jobs work) and an in-process worker thread, so retries, schedules and rate limits
behave as in production with no server (tenancy.md §3.2, §5 D6/D8).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import redis
from flask import Flask, current_app
from rq import Queue, RateLimit, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.timeouts import TimerDeathPenalty

from tenants.context import TenantRef, current_tenant, tenant_context

log = logging.getLogger(__name__)
QUEUE_NAMES = ("sync", "tracking", "notify", "default")
_fake_server = None
_fake_lock = threading.Lock()


def redis_connection(app: Flask):
    url = app.config.get("REDIS_URL")
    if url:
        return redis.Redis.from_url(url)
    import fakeredis
    global _fake_server
    with _fake_lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_server)


class TenantJob(Job):
    """Runs the job function inside an app context and, when ``meta["tenant"]`` is set, inside that tenant.

    The tenant is re-read from the control plane at run time: a suspended or deleted tenant's jobs fail.
    """

    app: Flask | None = None  # the worker's app; set by ``JobRunner``

    def perform(self):
        app = self.app or current_app._get_current_object()
        with app.app_context():
            tenant_id = self.meta.get("tenant")
            if tenant_id is None:
                return super().perform()
            with tenant_context(load_active_tenant(tenant_id)):
                return super().perform()


def load_active_tenant(tenant_id: int) -> TenantRef:
    from saas.extensions import db
    from tenants.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status != "active":
        raise RuntimeError(f"tenant {tenant_id} is not active")
    ref = tenant.ref()
    db.session.remove()
    return ref


@dataclass
class JobRunner:
    """What ``app.extensions["orderly_jobs"]`` holds: the connection and the queues."""
    app: Flask
    connection: object
    queues: dict[str, Queue]
    job_class: type[TenantJob] = TenantJob

    def queue(self, name: str) -> Queue:
        return self.queues[name]

    def worker(self, names=QUEUE_NAMES, worker_class=None):
        cls = worker_class or EmbeddedWorker
        return cls([self.queues[n] for n in names], connection=self.connection, job_class=self.job_class)

    def run_until_idle(self, names=QUEUE_NAMES, max_rounds: int = 20) -> None:
        """Run queued (and due scheduled) jobs in this thread until none are left. Used by tests and CLI."""
        for _ in range(max_rounds):
            if not any(self.queues[n].count for n in names) and not self._due_scheduled(names):
                return
            self.worker(names).work(burst=True, with_scheduler=True)

    def _due_scheduled(self, names) -> bool:
        now = dt.datetime.now(dt.timezone.utc)
        return any(self.queues[n].scheduled_job_registry.get_jobs_to_schedule(now.timestamp()) for n in names)


class EmbeddedWorker(SimpleWorker):
    """SimpleWorker that can run in a background thread: timer-based timeouts, no signal handlers."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):  # private RQ API (pinned to 3.0.x; tested)
        pass


def init_jobs(app: Flask) -> JobRunner:
    connection = redis_connection(app)
    # A job class bound to this app: with several apps in one process (tests, benchmarks) a job must run
    # in the app whose worker picked it, not in whichever app was created last.
    job_class = type("TenantJob", (TenantJob,), {"app": app, "__module__": TenantJob.__module__})
    queues = {name: Queue(name, connection=connection, job_class=job_class,
                          death_penalty_class=TimerDeathPenalty) for name in QUEUE_NAMES}
    TenantJob.app = app  # for ``rq worker -j saas.jobs.TenantJob`` (one app per process)
    runner = JobRunner(app, connection, queues, job_class)
    app.extensions["orderly_jobs"] = runner
    return runner


def enqueue(queue_name: str, func: Callable | str, *args, tenant: TenantRef | None | bool = True,
            job_id: str | None = None, retry: Retry | None = None, at: dt.datetime | None = None,
            **kwargs) -> Job | None:
    """Enqueue ``func`` for the current tenant (``tenant=True``), a given tenant, or none (``None``).

    Tenant jobs share a per-tenant RateLimit so one merchant cannot fill the queues. With ``job_id`` the
    job is unique: while one with that id exists, enqueueing again does nothing and returns None.
    """
    runner: JobRunner = current_app.extensions["orderly_jobs"]
    queue = runner.queue(queue_name)
    if tenant is True:
        tenant = current_tenant.get()
    options: dict = {"meta": {"tenant": tenant.id if tenant else None}, "retry": retry}
    if tenant and queue.is_async:
        slots = current_app.config["ORDERLY_TENANT_JOB_SLOTS"]
        options["rate_limit"] = RateLimit(key=f"t-{tenant.id}", concurrency=slots)
    if job_id:
        options["job_id"] = job_id
        if "rate_limit" not in options:
            options["unique"] = True

    def put():
        if at is not None:
            return queue.enqueue_at(at, func, *args, kwargs=kwargs, **options)
        return queue.enqueue_call(func, args=args, kwargs=kwargs, **options)

    try:
        if job_id and "rate_limit" in options:
            return _enqueue_unique_rate_limited(queue, job_id, put)
        return put()
    except DuplicateJobError:
        return None


def _enqueue_unique_rate_limited(queue: Queue, job_id: str, put: Callable[[], Job]) -> Job | None:
    """RQ 3.0 refuses ``unique=True`` on rate-limited jobs; give them the same semantics (nothing happens
    while a job with that id exists) under a short Redis lock."""
    with queue.connection.lock(f"orderly:enqueue-lock:{job_id}", timeout=30, blocking_timeout=10):
        if Job.exists(job_id, connection=queue.connection):
            return None
        return put()


def enqueue_after_commit(session, queue_name: str, func, *args, **options) -> None:
    """Enqueue once the current transaction commits, so the job never sees data that rolled back."""
    from saas.extensions import after_commit
    if options.get("tenant", True) is True:
        options["tenant"] = current_tenant.get()  # captured now: the callback may run after a reset
    after_commit(session, lambda: enqueue(queue_name, func, *args, **options))


# --- periodic work ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodicTask:
    name: str                  # also the job id stem: letters, digits, '-' only
    func: str                  # dotted path, run inside each active tenant
    every_seconds: int
    queue: str = "default"
    per_tenant: bool = True


PERIODIC_TASKS: list[PeriodicTask] = [
    PeriodicTask("purge-idempotency", "saas.api.idempotency_jobs.purge_expired_records", 3600, per_tenant=False),
]


def register_periodic(task: PeriodicTask) -> None:
    if all(t.name != task.name for t in PERIODIC_TASKS):
        PERIODIC_TASKS.append(task)


def cron_tick(now: dt.datetime | None = None) -> int:
    """Enqueue every periodic task due in this slot, once per tenant, with deterministic unique ids."""
    from saas.extensions import db
    from tenants.models import Tenant
    from sqlalchemy import select

    now = now or dt.datetime.now(dt.timezone.utc)
    tenants = [t.ref() for t in db.session.scalars(select(Tenant).where(Tenant.status == "active"))]
    db.session.remove()
    enqueued = 0
    for task in PERIODIC_TASKS:
        slot = int(now.timestamp()) // task.every_seconds
        if not task.per_tenant:
            enqueued += enqueue(task.queue, task.func, tenant=None, job_id=f"{task.name}-{slot}") is not None
            continue
        for tenant in tenants:
            job_id = f"{task.name}-{tenant.id}-{slot}"
            enqueued += enqueue(task.queue, task.func, tenant=tenant, job_id=job_id) is not None
    return enqueued


class EmbeddedJobThread(threading.Thread):
    """The embedded default's worker: runs jobs every ``poll`` seconds and the cron fan-out every minute."""

    def __init__(self, app: Flask, poll: float = 1.0):
        super().__init__(name="orderly-worker", daemon=True)
        self.app, self.poll = app, poll
        self.stopping = threading.Event()
        self._next_cron = 0.0

    def run(self):
        runner: JobRunner = self.app.extensions["orderly_jobs"]
        worker = runner.worker()
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    if time.monotonic() >= self._next_cron:
                        self._next_cron = time.monotonic() + 60
                        cron_tick()
                # A burst every second would log start/stop lines each time; only problems are news.
                worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            except Exception:  # the thread must survive a bad job or a transient error
                log.exception("embedded worker loop failed; continuing")
            self.stopping.wait(self.poll)

    def stop(self):
        self.stopping.set()


class CronThread(threading.Thread):
    """Production cron: every worker runs one, and a Redis key per minute elects who fans out that minute.
    Deterministic unique job ids make a double fan-out harmless anyway."""

    def __init__(self, app: Flask, period: int = 60):
        super().__init__(name="orderly-cron", daemon=True)
        self.app, self.period = app, period
        self.stopping = threading.Event()

    def run(self):
        connection = self.app.extensions["orderly_jobs"].connection
        while not self.stopping.is_set():
            slot = int(time.time()) // self.period
            try:
                if connection.set(f"orderly:cron:{slot}", "1", nx=True, ex=self.period * 2):
                    with self.app.app_context():
                        cron_tick()
            except Exception:
                log.exception("cron fan-out failed; will try next period")
            self.stopping.wait(self.period - time.time() % self.period + 0.5)

    def stop(self):
        self.stopping.set()
