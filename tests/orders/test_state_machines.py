"""Every transition of every machine in states.py: the legal ones move and are written to history, the
illegal ones are refused with IllegalTransition and change nothing."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from saas.errors import IllegalTransition
from saas.extensions import db
from saas.orders.models import Order, OrderHistory
from saas.orders.service import apply_transition
from saas.orders.states import TRANSITIONS, states_of

EVENTS = {axis: sorted({event for _, event in table}) for axis, table in TRANSITIONS.items()}
_sequence = itertools.count(10**9)
CASES = [(axis, state, event) for axis in TRANSITIONS for state in sorted(states_of(axis)) for event in EVENTS[axis]]


def bare_order(**states) -> Order:
    """An order put directly in the wanted state (no stock involved: only the machine is under test)."""
    from orders.support import ADDRESS
    sequence = next(_sequence)
    states = {"status": "pending_payment", "payment_status": "unpaid", "fulfilment_status": "unfulfilled",
              **states}
    order = Order(sequence=sequence, number=f"SO-T-{sequence}", customer_name="T", payment_method="online",
                  currency="CNY", **states, **{f"ship_{k}": v for k, v in ADDRESS.items()})
    db.session.add(order)
    db.session.commit()
    return order


@pytest.fixture(scope="module")
def machine_shop(make_shop_module):
    return make_shop_module()


@pytest.fixture(scope="module")
def make_shop_module(app):
    from conftest import Shop, unique_slug
    from saas.accounts.service import signup

    def factory():
        slug = unique_slug("machine")
        with app.app_context():
            result = signup(db.session, slug, slug, f"{slug}@example.com", "password-123")
            db.session.remove()
        return Shop(result.tenant, result.api_key, f"{slug}@example.com", "password-123")
    return factory


@pytest.mark.parametrize("axis,state,event", CASES, ids=[f"{a}:{s}+{e}" for a, s, e in CASES])
def test_transition_follows_the_table(machine_shop, in_tenant, axis, state, event):
    expected = TRANSITIONS[axis].get((state, event))
    with in_tenant(machine_shop):
        order = bare_order(**{axis: state})
        if expected is None:
            with pytest.raises(IllegalTransition):
                apply_transition(db.session, order, axis, event, "tester", "why")
            db.session.rollback()
            assert db.session.get(Order, order.id).__getattribute__(axis) == state
            assert db.session.scalars(select(OrderHistory).where(OrderHistory.order_id == order.id)).all() == []
            return
        assert apply_transition(db.session, order, axis, event, "tester", "why") == expected
        db.session.commit()
        [row] = db.session.scalars(select(OrderHistory).where(OrderHistory.order_id == order.id)).all()
        assert (row.axis, row.from_status, row.to_status, row.event, row.actor, row.reason) == (
            axis, state, expected, event, "tester", "why")
        assert getattr(db.session.get(Order, order.id), axis) == expected


def test_transition_fires_the_status_changed_hook_after_commit(app, machine_shop, in_tenant):
    calls = []

    class Recorder:
        from saas.plugins import hookimpl

        @hookimpl
        def orderly_order_status_changed(self, tenant, order_number, axis, from_status, to_status, actor, reason):
            calls.append((order_number, axis, from_status, to_status))

    host = app.extensions["orderly_plugins"]
    recorder = Recorder()
    host.manager.register(recorder, name="order-recorder")
    try:
        with in_tenant(machine_shop):
            order = bare_order()
            apply_transition(db.session, order, "status", "cancel", "tester")
            assert calls == []
            db.session.commit()
            assert calls == [(order.number, "status", "pending_payment", "cancelled")]
    finally:
        host.manager.unregister(recorder)
