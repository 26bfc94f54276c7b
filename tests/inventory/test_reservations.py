"""The reservation API orders rely on: all-or-nothing, multi-warehouse, ledger always equal to levels."""
from __future__ import annotations

import pytest

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_sku, add_warehouse, stock_of
from saas.errors import Conflict, ValidationFailed
from saas.extensions import db
from saas.inventory.service import (OutOfStock, Reservation, UnknownSku, consume_reservations, price_of,
                                    release_reservations, reservations_for, reserve_stock)
from saas.money import Money


@pytest.fixture
def stocked(shop, in_tenant):
    """WH1 (priority 1) and WH2 (priority 2); A: 5+5, B: 2+10, C: 3 in WH2 only."""
    with in_tenant(shop):
        add_warehouse("WH1", 1)
        add_warehouse("WH2", 2)
        add_sku("A", stock={"WH1": 5, "WH2": 5})
        add_sku("B", stock={"WH1": 2, "WH2": 10})
        add_sku("C", stock={"WH2": 3})
        db.session.commit()
    return shop


def test_reserve_prefers_one_warehouse_by_priority(stocked, in_tenant):
    with in_tenant(stocked):
        result = reserve_stock(db.session, [("A", 4), ("B", 3)], "SO-1", "test")
        db.session.commit()
        assert sorted(result, key=lambda r: r.sku) == [Reservation("A", "WH1", 4), Reservation("B", "WH2", 3)]
        assert stock_of("A", "WH1") == (5, 4) and stock_of("B", "WH2") == (10, 3)
        assert_ledger_matches_levels(db.session)


def test_reserve_spreads_over_warehouses_when_none_can_serve_alone(stocked, in_tenant):
    with in_tenant(stocked):
        result = reserve_stock(db.session, [("A", 6), ("A", 2)], "SO-2", "test")  # same SKU summed: 8
        db.session.commit()
        assert sorted((r.warehouse, r.quantity) for r in result) == [("WH1", 5), ("WH2", 3)]
        assert sorted((r.warehouse, r.quantity) for r in reservations_for(db.session, "SO-2")) == [("WH1", 5), ("WH2", 3)]
        assert_ledger_matches_levels(db.session)


def test_out_of_stock_names_every_short_sku_and_reserves_nothing(stocked, in_tenant):
    with in_tenant(stocked):
        with pytest.raises(OutOfStock) as caught:
            reserve_stock(db.session, [("A", 1), ("B", 13), ("C", 4)], "SO-3", "test")
        db.session.rollback()
        assert caught.value.shortages == {"B": 12, "C": 3}
        assert caught.value.errors == {"B": ["only 12 available"], "C": ["only 3 available"]}
        assert caught.value.status == 409 and caught.value.code == "out-of-stock"
        assert reservations_for(db.session, "SO-3") == []
        assert stock_of("A", "WH1") == (5, 0)
        assert_ledger_matches_levels(db.session)


def test_unknown_sku_and_bad_quantities_are_refused(stocked, in_tenant):
    with in_tenant(stocked):
        with pytest.raises(UnknownSku) as caught:
            reserve_stock(db.session, [("A", 1), ("NOPE", 1), ("ALSO-NOPE", 1)], "SO-4", "test")
        assert set(caught.value.errors) == {"NOPE", "ALSO-NOPE"}
        for bad in (0, -1, 1_000_001, 1.5, True):
            with pytest.raises(ValidationFailed):
                reserve_stock(db.session, [("A", bad)], "SO-4", "test")
        db.session.rollback()


def test_price_of_is_the_catalogue_price(stocked, in_tenant):
    with in_tenant(stocked):
        assert price_of(db.session, "A") == Money(1000, "CNY")
        with pytest.raises(UnknownSku):
            price_of(db.session, "NOPE")


def test_release_gives_everything_back_once(stocked, in_tenant):
    with in_tenant(stocked):
        reserve_stock(db.session, [("A", 8)], "SO-5", "test")
        db.session.commit()
        released = release_reservations(db.session, "SO-5", "cancelled", "test")
        db.session.commit()
        assert sum(r.quantity for r in released) == 8
        assert release_reservations(db.session, "SO-5", "cancelled", "test") == []
        assert stock_of("A", "WH1") == (5, 0) and stock_of("A", "WH2") == (5, 0)
        assert_ledger_matches_levels(db.session)


def test_consume_ships_reserved_units_partially_then_all(stocked, in_tenant):
    with in_tenant(stocked):
        reserve_stock(db.session, [("A", 8), ("C", 2)], "SO-6", "test")
        consume_reservations(db.session, "SO-6", "test", items=[("A", "WH1", 3)])
        db.session.commit()
        assert stock_of("A", "WH1") == (2, 2)
        assert sorted((r.sku, r.warehouse, r.quantity) for r in reservations_for(db.session, "SO-6")) == [
            ("A", "WH1", 2), ("A", "WH2", 3), ("C", "WH2", 2)]
        with pytest.raises(Conflict):
            consume_reservations(db.session, "SO-6", "test", items=[("C", "WH2", 3)])
        db.session.rollback()
        consume_reservations(db.session, "SO-6", "test")
        db.session.commit()
        assert reservations_for(db.session, "SO-6") == []
        assert stock_of("A", "WH1") == (0, 0) and stock_of("A", "WH2") == (2, 0) and stock_of("C", "WH2") == (1, 0)
        assert_ledger_matches_levels(db.session)
