"""Property: any sequence of reserve/release/consume/adjust/receive keeps 0 <= reserved <= on_hand and the
ledger equal to the levels, and matches a trivial model of the totals."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_sku, add_warehouse
from saas.errors import DomainError
from saas.extensions import db
from saas.inventory import purchasing
from saas.inventory.service import (adjust_stock, consume_reservations, list_stock, release_reservations,
                                    reservations_for, reserve_stock)

_example = itertools.count(1)
OPS = st.lists(st.tuples(st.sampled_from(["reserve", "release", "consume", "adjust", "receive"]),
                         st.integers(min_value=-6, max_value=8), st.integers(min_value=0, max_value=5)),
               min_size=1, max_size=25)


@pytest.fixture
def property_shop(app, make_shop, in_tenant):
    shop = make_shop("prop")
    with in_tenant(shop):
        add_warehouse("W1", 1)
        add_warehouse("W2", 2)
        db.session.commit()
    return shop


def apply(op: str, amount: int, pick: int, sku: str, refs: list[str], model: dict) -> None:
    """Run one operation; domain refusals (409/422) are allowed and must change nothing."""
    try:
        if op == "reserve" and amount > 0:
            ref = f"{sku}-R{len(refs)}"
            reserve_stock(db.session, [(sku, amount)], ref, "prop")
            refs.append(ref)
            model["reserved"] += amount
        elif op in ("release", "consume") and refs:
            ref = refs[pick % len(refs)]
            held = sum(r.quantity for r in reservations_for(db.session, ref))
            if op == "release":
                release_reservations(db.session, ref, "cancelled", "prop")
            else:
                consume_reservations(db.session, ref, "prop")
                model["on_hand"] -= held
            model["reserved"] -= held
        elif op == "adjust" and amount:
            adjust_stock(db.session, sku, "W1" if pick % 2 else "W2", amount, "stocktake", "prop")
            model["on_hand"] += amount
        elif op == "receive" and amount > 0:
            po = purchasing.create_purchase_order(db.session, "S", [{"sku": sku, "quantity": amount + pick}], warehouse="W2")
            purchasing.receive_purchase_order(db.session, po.id, [(sku, amount)], "prop")
            model["on_hand"] += amount
        db.session.commit()
    except DomainError:
        db.session.rollback()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_operations_keep_the_ledger_and_invariants(property_shop, in_tenant, ops):
    with in_tenant(property_shop):
        sku = f"P{next(_example)}"
        add_sku(sku, stock={"W1": 5, "W2": 3})
        db.session.commit()
        model, refs = {"on_hand": 8, "reserved": 0}, []
        for op, amount, pick in ops:
            apply(op, amount, pick, sku, refs, model)
            levels = list_stock(db.session, sku)
            assert all(0 <= level.reserved <= level.on_hand for level in levels)
            assert (sum(l.on_hand for l in levels), sum(l.reserved for l in levels)) == (model["on_hand"], model["reserved"])
        assert_ledger_matches_levels(db.session)
