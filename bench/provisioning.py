"""How long signup (tenant provisioning) takes on PostgreSQL, and how it grows with the number of tenants.

    python bench/provisioning.py [N ...]        (default: 10 100 1000)

Each N runs on a fresh database (``orderly_bench``, created next to ``ORDERLY_BENCH_DATABASE_URL``'s,
default postgresql://127.0.0.1:5432/test), provisions N shops through the real signup service, prints
per-signup ms (p50/p95/max, and of the last 10 %), the total, then times ``tenants migrate`` over them.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
BASE_URL = os.environ.get("ORDERLY_BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
BENCH_DB = "orderly_bench"


def fresh_database() -> str:
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    return BASE_URL.rsplit("/", 1)[0] + "/" + BENCH_DB


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(n: int) -> None:
    from saas import create_app
    from saas.accounts.service import signup
    from saas.extensions import db
    from tenants.orchestrate import migrate_all

    app = create_app({"DATABASE_URL": fresh_database(), "REDIS_URL": None, "TESTING": True,
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="orderly-bench-"), "SECRET_KEY": "bench",
                      "ORDERLY_EMBEDDED_WORKER": False, "RATELIMIT_ENABLED": False})
    timings = []
    with app.app_context():
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            signup(db.session, f"Bench {i}", f"bench-{i:05d}", f"bench-{i:05d}@example.com", "password-123")
            db.session.remove()
            timings.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - started
        tail = timings[-max(1, n // 10):]
        print(f"N={n:>5}  signup ms: p50 {statistics.median(timings):6.1f}  p95 {pct(timings, 0.95):6.1f}  "
              f"max {max(timings):6.1f}  last-10% p50 {statistics.median(tail):6.1f}  total {total:6.1f} s")
        report = migrate_all()
        print(f"N={n:>5}  tenants migrate: {report.current} at head, {report.migrated} migrated, "
              f"{report.failed} failed in {report.seconds:.1f} s")
        db.engine.dispose()


if __name__ == "__main__":
    import logging
    logging.disable(logging.INFO)
    for count in [int(a) for a in sys.argv[1:]] or [10, 100, 1000]:
        run(count)
