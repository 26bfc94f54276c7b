"""Flash sale on one hot SKU, on PostgreSQL: the floor (plain SQL through psycopg), the service layer, and HTTP
against gunicorn. Prints orders/s, p50/p95/p99 latency, oversold units and ledger consistency, each figure
also as a ratio of the floor measured in the same run.

    python bench/flash_sale.py --buyers 3000 --stock 2000 --concurrency 32

Needs PostgreSQL (``--database-url``, default the local test database). Creates its own tenant and a
``bench_floor`` schema; drops nothing else.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgresql://127.0.0.1:5432/test"


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # successful orders only, seconds
    ok: int = 0
    sold_out: int = 0
    errors: int = 0
    oversold: int = 0
    ledger_ok: bool | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# --- the floor: the same transaction as plain SQL ---------------------------------------------

FLOOR_DDL = """
DROP SCHEMA IF EXISTS bench_floor CASCADE;
CREATE SCHEMA bench_floor;
CREATE TABLE bench_floor.stock_levels (id bigint PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL,
  CHECK (reserved >= 0 AND reserved <= on_hand));
CREATE TABLE bench_floor.orders (id bigserial PRIMARY KEY, number text UNIQUE NOT NULL, status text NOT NULL,
  total bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_floor.order_lines (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES bench_floor.orders,
  sku text NOT NULL, quantity int NOT NULL, unit_price bigint NOT NULL);
CREATE TABLE bench_floor.stock_movements (id bigserial PRIMARY KEY, stock_level_id bigint NOT NULL,
  delta_on_hand int NOT NULL, delta_reserved int NOT NULL, reason text NOT NULL, reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_floor.order_history (id bigserial PRIMARY KEY, order_id bigint NOT NULL, axis text NOT NULL,
  from_status text, to_status text NOT NULL, actor text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE SEQUENCE bench_floor.order_number_seq;
"""


FLOOR_INSERTS = """
WITH n AS (SELECT 'SO' || nextval('bench_floor.order_number_seq') AS number),
     o AS (INSERT INTO bench_floor.orders (number, status, total) SELECT number, 'pending_payment', 1999 FROM n
           RETURNING id, number),
     l AS (INSERT INTO bench_floor.order_lines (order_id, sku, quantity, unit_price)
           SELECT id, 'HOT', 1, 1999 FROM o),
     h AS (INSERT INTO bench_floor.order_history (order_id, axis, to_status, actor)
           SELECT id, 'status', 'pending_payment', 'bench' FROM o)
INSERT INTO bench_floor.stock_movements (stock_level_id, delta_on_hand, delta_reserved, reason, reference)
SELECT 1, 0, 1, 'reserve', number FROM o
"""


def _floor_buyer(url: str, count: int, queue) -> None:
    import psycopg
    lat, sold_out, errors = [], 0, 0
    with psycopg.connect(url, prepare_threshold=None) as conn:
        for _ in range(count):
            started = time.perf_counter()
            try:
                with conn.transaction():
                    # One round trip for every insert (a data-modifying CTE), then the hot row last:
                    # its lock is held only until the commit right after.
                    conn.execute(FLOOR_INSERTS)
                    updated = conn.execute("UPDATE bench_floor.stock_levels SET reserved = reserved + 1 "
                                           "WHERE id = 1 AND on_hand - reserved >= 1").rowcount
                    if updated == 0:
                        raise LookupError("sold out")
                lat.append(time.perf_counter() - started)
            except LookupError:
                sold_out += 1
            except Exception:
                errors += 1
    queue.put((lat, sold_out, errors))


def run_floor(url: str, buyers: int, stock: int, concurrency: int) -> Run:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(FLOOR_DDL)
        conn.execute("INSERT INTO bench_floor.stock_levels VALUES (1, %s, 0)", (stock,))
    run = _run_processes("floor (plain SQL)", _floor_buyer, (url,), buyers, concurrency)
    with psycopg.connect(url, autocommit=True) as conn:
        on_hand, reserved = conn.execute("SELECT on_hand, reserved FROM bench_floor.stock_levels").fetchone()
        ledger = conn.execute("SELECT coalesce(sum(delta_reserved), 0) FROM bench_floor.stock_movements").fetchone()[0]
        orders = conn.execute("SELECT count(*) FROM bench_floor.orders").fetchone()[0]
        conn.execute("DROP SCHEMA bench_floor CASCADE")
    run.oversold = max(0, reserved - on_hand)
    run.ledger_ok = ledger == reserved == orders == run.ok
    return run


def _run_processes(name: str, target, args: tuple, buyers: int, concurrency: int, setup=None) -> Run:
    """``concurrency`` buyers as threads spread over one process per core (Python threads share a GIL).

    Each process runs ``setup()`` first (e.g. builds the app); the clock starts when every process is ready.
    """
    processes = max(1, min(os.cpu_count() or 1, concurrency))
    queue, ready, go = mp.Queue(), mp.Queue(), mp.Event()
    procs = [mp.Process(target=_threads, args=(target, args, threads, n, queue, ready, go, setup))
             for threads, n in zip(_split(concurrency, processes), _split(buyers, processes))]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    started = time.perf_counter()
    go.set()
    results = [queue.get() for _ in range(concurrency)]
    run = Run(name, seconds=time.perf_counter() - started)
    for p in procs:
        p.join()
    for lat, sold_out, errors in results:
        run.latencies += lat
        run.sold_out += sold_out
        run.errors += errors
    run.ok = len(run.latencies)
    return run


def _threads(target, args, threads: int, buyers: int, queue, ready, go, setup) -> None:
    if setup is not None:
        setup()
    workers = [threading.Thread(target=_after(go, target), args=(*args, n, queue))
               for n in _split(buyers, threads)]
    for w in workers:
        w.start()
    ready.put(True)
    for w in workers:
        w.join()


def _after(go, target):
    def wait_then_run(*args):
        go.wait()
        target(*args)
    return wait_then_run


# --- the service layer ------------------------------------------------------------------------

ORDER = {"customer": {"name": "Flash Buyer", "phone": "13800000000"},
         "shipping_address": {"name": "Flash Buyer", "phone": "13800000000", "country": "CN", "province": "上海",
                              "city": "上海", "line1": "1 Bench Road"},
         "lines": [{"sku": "HOT-1", "quantity": 1}], "payment_method": "online"}


def _bench_app(url: str, redis_url: str | None):
    from saas import create_app
    config = {"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "ORDERLY_EMBEDDED_WORKER": False,
              "INSTANCE_PATH": tempfile.mkdtemp(prefix="orderly-bench-")}
    if redis_url:
        config["REDIS_URL"] = redis_url
    return create_app(config)


_process_app = {}


def _service_setup(url: str, redis_url: str | None):
    def setup():
        _process_app["app"] = _bench_app(url, redis_url)
    return setup


def _service_buyer(tenant, count: int, queue) -> None:
    from saas.errors import Conflict
    from saas.extensions import db
    from saas.orders.service import create_order
    from tenants.context import tenant_context
    lat, sold_out, errors = [], 0, 0
    with _process_app["app"].app_context():
        for _ in range(count):
            started = time.perf_counter()
            try:
                with tenant_context(tenant):
                    create_order(db.session, dict(ORDER), actor="bench")
                lat.append(time.perf_counter() - started)
            except Conflict:
                sold_out += 1
            except Exception as exc:  # the first one is printed so a broken run is visible
                errors += 1
                if errors == 1:
                    print(f"  service error: {type(exc).__name__}: {exc}", file=sys.stderr)
    queue.put((lat, sold_out, errors))


def setup_shop(url: str, redis_url: str | None, stock: int):
    """A fresh tenant with one hot SKU holding ``stock`` units; returns (TenantRef, api_key)."""
    from saas.accounts.service import signup
    from saas.extensions import db
    app = _bench_app(url, redis_url)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        result = signup(db.session, "Flash Sale Bench", slug, f"{slug}@example.com", "password-123")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {result.api_key}"}
    for path, body in (("/api/v1/warehouses", {"code": "WH1", "name": "Main", "region": "CN-SH",
                                                "address": "1 Bench Road", "priority": 1}),
                       ("/api/v1/products", {"name": "Hot item", "variants": [
                           {"sku": "HOT-1", "name": "Hot item", "price": {"amount": 1999, "currency": "CNY"},
                            "weight_grams": 100}]}),
                       ("/api/v1/stock/adjustments", {"sku": "HOT-1", "warehouse": "WH1", "delta": stock,
                                                      "reason": "stocktake"})):
        response = client.post(path, json=body, headers=headers)
        if response.status_code >= 300:
            raise SystemExit(f"setup failed at {path}: {response.status_code} {response.get_data(as_text=True)}")
    return app, result.tenant, result.api_key


def check_shop(app, tenant, run: Run) -> None:
    from saas.extensions import db
    from tenants.context import tenant_context
    from saas.inventory.models import StockLevel, StockMovement
    from sqlalchemy import func, select
    with app.app_context(), tenant_context(tenant):
        level = db.session.scalars(select(StockLevel)).one()
        ledger_on_hand, ledger_reserved = db.session.execute(
            select(func.coalesce(func.sum(StockMovement.delta_on_hand), 0),
                   func.coalesce(func.sum(StockMovement.delta_reserved), 0))).one()
        run.oversold = max(0, level.reserved - level.on_hand)
        run.ledger_ok = (ledger_on_hand, ledger_reserved) == (level.on_hand, level.reserved) and \
            level.reserved == run.ok


def run_service(url: str, redis_url: str | None, buyers: int, stock: int, concurrency: int) -> Run:
    app, tenant, _key = setup_shop(url, redis_url, stock)
    run = _run_processes("service layer", _service_buyer, (tenant,), buyers, concurrency,
                         setup=_service_setup(url, redis_url))
    check_shop(app, tenant, run)
    return run


# --- HTTP against gunicorn ----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_buyer(port: int, api_key: str, count: int, queue) -> None:
    import http.client
    import json
    lat, sold_out, errors = [], 0, 0
    body = json.dumps(ORDER)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/orders", body=body, headers={
                "Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status == 201:
                lat.append(time.perf_counter() - started)
            elif response.status == 409:
                sold_out += 1
            else:
                errors += 1
        except Exception:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    queue.put((lat, sold_out, errors))


def run_http(url: str, redis_url: str | None, buyers: int, stock: int, concurrency: int, workers: int,
             threads: int) -> Run:
    app, tenant, api_key = setup_shop(url, redis_url, stock)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "RATELIMIT_ENABLED": "0", "ORDERLY_EMBEDDED_WORKER": "0",
           "ORDERLY_INSTANCE_PATH": app.instance_path}
    if redis_url:
        env["REDIS_URL"] = redis_url
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app", "-b", f"127.0.0.1:{port}",
                               "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                               "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        _wait_for_port(port)
        _wait_for_app(port, api_key)
        run = _run_processes("HTTP (gunicorn)", _http_buyer, (port, api_key), buyers, concurrency)
    finally:
        server.terminate()
        server.wait(10)
    check_shop(app, tenant, run)
    return run


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _wait_for_app(port: int, api_key: str, timeout: float = 60) -> None:
    """Until a worker answers. The master binds the port before any worker has loaded the app, so without
    this the first few dozen orders wait out worker start-up and show as multi-second p99 latencies."""
    import http.client
    deadline = time.time() + timeout
    while time.time() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/api/v1/orders?limit=1", headers={"Authorization": f"Bearer {api_key}"})
            if conn.getresponse().status == 200:
                time.sleep(2)  # the other workers load in parallel with the first
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise SystemExit("gunicorn workers did not answer")


def report(runs: list[Run]) -> None:
    floor = runs[0]
    print(f"\n{'run':<20} {'orders/s':>9} {'x floor':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'ok':>6} {'409':>6} {'err':>5} {'oversold':>9} {'ledger':>7}")
    for run in runs:
        ratio = run.rate / floor.rate if floor.rate else 0
        print(f"{run.name:<20} {run.rate:>9.0f} {ratio:>8.2f} {run.pct(50):>8.1f} {run.pct(95):>8.1f} "
              f"{run.pct(99):>8.1f} {run.ok:>6} {run.sold_out:>6} {run.errors:>5} {run.oversold:>9} "
              f"{'ok' if run.ledger_ok else 'BAD':>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--buyers", type=int, default=3000)
    parser.add_argument("--stock", type=int, default=2000, help="units of the hot SKU (fewer than buyers: some sell out)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--gunicorn-threads", type=int, default=8)
    parser.add_argument("--only", choices=["floor", "service", "http"], action="append")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    chosen = args.only or ["floor", "service", "http"]
    runs = [run_floor(url, args.buyers, args.stock, args.concurrency)]
    print(f"floor done: {runs[0].rate:.0f} orders/s", flush=True)
    if "service" in chosen:
        runs.append(run_service(url, args.redis_url, args.buyers, args.stock, args.concurrency))
        print(f"service done: {runs[-1].rate:.0f} orders/s", flush=True)
    if "http" in chosen:
        runs.append(run_http(url, args.redis_url, args.buyers, args.stock, args.concurrency,
                             args.gunicorn_workers, args.gunicorn_threads))
    print(f"\nflash sale: {args.buyers} buyers, {args.stock} units of one SKU, concurrency {args.concurrency}, "
          f"{os.cpu_count()} cores")
    report(runs)


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
