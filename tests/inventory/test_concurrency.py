"""Many buyers at once: conditional UPDATEs never oversell, multi-line orders never deadlock or half-reserve."""
from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_sku, add_warehouse, stock_of
from saas.extensions import db
from saas.inventory.service import OutOfStock, reservations_for, reserve_stock
from tenants.context import tenant_context


def run_buyers(app, tenant, orders: list[list[tuple[str, int]]]) -> Counter:
    """Each order in its own thread, app context, tenant context and transaction; counts outcomes."""
    outcomes: Counter = Counter()
    lock, start = threading.Lock(), threading.Barrier(len(orders))

    def buy(i, lines):
        with app.app_context(), tenant_context(tenant):
            start.wait()
            try:
                reserve_stock(db.session, lines, f"SO-{i}", "buyer")
                db.session.commit()
                outcome = "reserved"
            except OutOfStock:
                db.session.rollback()
                outcome = "out_of_stock"
            except Exception as exc:  # a deadlock or anything else is a failure of the test
                db.session.rollback()
                outcome = f"error: {type(exc).__name__}: {exc}"[:200]
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=buy, args=(i, lines)) for i, lines in enumerate(orders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def buyers(backend: str, postgres: int, sqlite: int) -> int:
    return postgres if backend == "postgres" else sqlite


def test_concurrent_single_unit_buyers_never_oversell(app, backend, shop, in_tenant):
    with in_tenant(shop):
        add_warehouse("WH1", 1)
        add_sku("HOT", stock={"WH1": 50})
        db.session.commit()
    n = buyers(backend, 200, 60)
    outcomes = run_buyers(app, shop.tenant, [[("HOT", 1)]] * n)
    assert outcomes == Counter({"reserved": 50, "out_of_stock": n - 50})
    with in_tenant(shop):
        assert stock_of("HOT", "WH1") == (50, 50)
        assert_ledger_matches_levels(db.session)


def test_concurrent_multi_line_orders_do_not_deadlock_or_half_reserve(app, backend, shop, in_tenant):
    with in_tenant(shop):
        add_warehouse("WH1", 1)
        add_warehouse("WH2", 2)
        for code in ("X", "Y", "Z"):
            add_sku(code, stock={"WH1": 20, "WH2": 10})
        db.session.commit()
    rng = random.Random(7)
    orders = []
    for _ in range(buyers(backend, 80, 30)):
        skus = ["X", "Y", "Z"]
        rng.shuffle(skus)  # mixed line order: the service must still lock in one order
        orders.append([(sku, rng.randint(1, 3)) for sku in skus])
    outcomes = run_buyers(app, shop.tenant, orders)
    assert set(outcomes) <= {"reserved", "out_of_stock"}, outcomes
    with in_tenant(shop):
        for i, lines in enumerate(orders):
            held = Counter()
            for reservation in reservations_for(db.session, f"SO-{i}"):
                held[reservation.sku] += reservation.quantity
            assert held == Counter() or held == Counter(dict(lines)), (i, held, lines)  # all or nothing
        reserved = sum(stock_of(sku, wh)[1] for sku in "XYZ" for wh in ("WH1", "WH2"))
        assert reserved == sum(q for i, lines in enumerate(orders) for _, q in lines
                               if reservations_for(db.session, f"SO-{i}"))
        assert_ledger_matches_levels(db.session)
