"""A flash sale: many buyers at once through create_order never oversell, never deadlock and never leave
half an order behind."""
from __future__ import annotations

import random
import threading
from collections import Counter

from sqlalchemy import func, select

from inventory.ledger import assert_ledger_matches_levels
from orders.support import order_body, stock_up
from saas.extensions import db
from saas.inventory.service import OutOfStock, reservations_for
from saas.orders.models import Order
from saas.orders.service import create_order
from tenants.context import tenant_context


def run_buyers(app, tenant, bodies: list[dict]) -> Counter:
    """Each body in its own thread, app context and tenant context, all released at once."""
    outcomes: Counter = Counter()
    lock, start = threading.Lock(), threading.Barrier(len(bodies))

    def buy(body):
        with app.app_context(), tenant_context(tenant):
            start.wait()
            try:
                create_order(db.session, body, "buyer")
                outcome = "created"
            except OutOfStock:
                outcome = "out_of_stock"
            except Exception as exc:  # a deadlock or anything else fails the test
                outcome = f"error: {type(exc).__name__}: {exc}"[:300]
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=buy, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return outcomes


def _levels(client, shop, sku):
    [level] = client.get(f"/api/v1/stock?sku={sku}", headers=shop.headers).get_json()["items"]
    return level["on_hand"], level["reserved"], level["available"]


def test_flash_sale_sells_exactly_the_stock(app, backend, client, shop, in_tenant):
    buyers = 200 if backend == "postgres" else 40
    stock = 50 if backend == "postgres" else 10
    stock_up(client, shop, {"HOT": stock})
    outcomes = run_buyers(app, shop.tenant, [order_body(("HOT", 1)) for _ in range(buyers)])
    assert outcomes == Counter({"created": stock, "out_of_stock": buyers - stock})
    assert _levels(client, shop, "HOT") == (stock, stock, 0)
    with in_tenant(shop):
        assert db.session.scalar(select(func.count()).select_from(Order)) == stock
        numbers = db.session.scalars(select(Order.number)).all()
        assert len(set(numbers)) == stock
        assert_ledger_matches_levels(db.session)


def test_multi_line_orders_in_mixed_order_never_deadlock_or_half_reserve(app, backend, client, shop, in_tenant):
    buyers = 120 if backend == "postgres" else 30
    stock_up(client, shop, {"X": 40, "Y": 40, "Z": 40})
    rng = random.Random(7)
    bodies = []
    for _ in range(buyers):
        skus = ["X", "Y", "Z"]
        rng.shuffle(skus)
        bodies.append(order_body(*[(sku, rng.randint(1, 2)) for sku in skus]))
    outcomes = run_buyers(app, shop.tenant, bodies)
    assert set(outcomes) <= {"created", "out_of_stock"}, outcomes
    with in_tenant(shop):
        orders = db.session.scalars(select(Order)).all()
        assert len(orders) == outcomes["created"]
        for order in orders:  # every order holds all its lines, never a part
            held = {r.sku: r.quantity for r in reservations_for(db.session, order.number)}
            assert held == {line.sku: line.quantity for line in order.lines}
        assert_ledger_matches_levels(db.session)
