"""Whatever sequence of creates, cancels and expiries happens, stock stays consistent:
0 <= reserved <= on_hand, and the ledger sums to the levels (SQLite; the rules are the same on both)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_sku, add_warehouse
from orders.support import order_body
from saas.errors import DomainError
from saas.extensions import db, utcnow
from saas.inventory.models import StockLevel
from saas.orders.service import cancel_order, create_order, expire_unpaid_orders

SKUS = ("P1", "P2", "P3")
line = st.tuples(st.sampled_from(SKUS), st.integers(min_value=1, max_value=4))
create = st.tuples(st.just("create"), st.lists(line, min_size=1, max_size=3), st.sampled_from(["online", "cod"]))
cancel = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20))
expire = st.tuples(st.just("expire"), st.integers(min_value=0, max_value=90))
steps = st.lists(st.one_of(create, cancel, expire), min_size=1, max_size=12)


@pytest.fixture
def stocked_shop(app, backend, shop, in_tenant):
    if backend != "sqlite":
        pytest.skip("property run on SQLite only (same code path, much faster)")
    with in_tenant(shop):
        add_warehouse("WH1", 1)
        add_warehouse("WH2", 2)
        for sku in SKUS:
            add_sku(sku, stock={"WH1": 5, "WH2": 3})
        db.session.commit()
    return shop


def _apply(step, numbers: list[str]) -> None:
    kind = step[0]
    try:
        if kind == "create":
            order, _ = create_order(db.session, order_body(*step[1], payment_method=step[2]), "prop")
            numbers.append(order.number)
        elif kind == "cancel" and numbers:
            cancel_order(db.session, numbers[step[1] % len(numbers)], "prop", "prop")
        elif kind == "expire":
            expire_unpaid_orders(db.session, now=utcnow() + dt.timedelta(minutes=step[1]))
    except DomainError:  # out of stock, already cancelled…: refused cleanly is fine
        db.session.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_stock_stays_consistent_under_any_sequence(stocked_shop, in_tenant, sequence):
    with in_tenant(stocked_shop):
        numbers: list[str] = []
        for step in sequence:
            _apply(step, numbers)
            levels = db.session.execute(select(StockLevel.on_hand, StockLevel.reserved)).all()
            assert all(0 <= reserved <= on_hand for on_hand, reserved in levels)
            assert_ledger_matches_levels(db.session)
            db.session.rollback()
