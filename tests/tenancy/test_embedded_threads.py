"""The embedded default serves web threads and a worker thread at once: each must get its own control-plane
connection, or their transactions interleave on one SQLite connection."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from saas.extensions import db
from tenants.models import Tenant


def test_two_threads_hold_control_plane_transactions_without_sharing_a_connection(app, backend, shop):
    if backend != "sqlite":
        pytest.skip("PostgreSQL always pools separate connections per thread")
    first_in_transaction, outcome = threading.Event(), {}

    def first():
        with app.app_context():
            db.session.scalars(select(Tenant)).all()  # BEGIN IMMEDIATE on this thread's connection
            first_in_transaction.set()
            threading.Event().wait(0.3)
            db.session.rollback()

    def second():
        first_in_transaction.wait(5)
        with app.app_context():
            try:
                outcome["slugs"] = [t.slug for t in db.session.scalars(select(Tenant))]
                db.session.rollback()
            except Exception as exc:  # a shared connection fails: "cannot start a transaction within a transaction"
                outcome["error"] = repr(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert "error" not in outcome, outcome["error"]
    assert shop.slug in outcome["slugs"]
