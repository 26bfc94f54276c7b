"""Inventory rules: warehouses, stock levels and their ledger, and the reservation API used by orders.

Nothing here commits: the caller owns the transaction. Every change of ``on_hand`` or ``reserved`` writes
one ``stock_movements`` row, so summing the ledger gives today's levels. Stock rows are only ever changed by
conditional UPDATEs (never read-then-write), taken in (sku_id, warehouse_id) order so that concurrent
multi-line orders cannot deadlock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, update

from saas.alerts.service import raise_alert, resolve_alert
from saas.api.pagination import paginate
from saas.catalog.models import Product, Sku
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.insert_ignore import insert_ignoring_conflict
from saas.inventory.models import StockLevel, StockMovement, StockReservation, Warehouse
from saas.money import Money

MAX_QUANTITY = 1_000_000
LEVELS = StockLevel.__table__
RESERVATIONS = StockReservation.__table__
MOVEMENTS = StockMovement.__table__


@dataclass(frozen=True)
class Reservation:
    """One active reservation as orders expose it in ``reservations``."""
    sku: str
    warehouse: str
    quantity: int


class OutOfStock(Conflict):
    """Some lines cannot be reserved. ``shortages`` maps each short SKU to what is available in total."""
    code, title = "out-of-stock", "Out of stock"

    def __init__(self, shortages: dict[str, int]):
        self.shortages = dict(shortages)
        super().__init__("Not enough stock for " + ", ".join(sorted(shortages)) + ".",
                         errors={sku: [f"only {n} available"] for sku, n in shortages.items()},
                         shortages=self.shortages)


class UnknownSku(ValidationFailed):
    """SKUs that are not in the catalogue (or are inactive)."""
    code = "unknown-sku"

    def __init__(self, skus):
        self.skus = sorted(set(skus))
        super().__init__("Unknown SKU: " + ", ".join(self.skus) + ".",
                         errors={sku: ["unknown or inactive SKU"] for sku in self.skus})


# --- look-ups and checks -----------------------------------------------------------------------------

def check_quantity(value, field: str = "quantity", allow_negative: bool = False) -> int:
    """A quantity is an int in 1..1,000,000 (or a non-zero -1,000,000..1,000,000 for adjustments)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < abs(value) <= MAX_QUANTITY
    if not ok or (value < 0 and not allow_negative):
        raise ValidationFailed("Invalid quantity.", errors={field: [
            f"A whole number from {'-' if allow_negative else ''}1 to {MAX_QUANTITY:,}"
            f"{' (not 0)' if allow_negative else ''}."]})
    return value


def active_skus(session, codes) -> dict[str, Sku]:
    """code -> Sku for sellable SKUs; UnknownSku naming every missing or inactive one."""
    codes = set(codes)
    rows = session.scalars(select(Sku).join(Product).where(Sku.sku.in_(codes), Sku.active, Product.active))
    found = {s.sku: s for s in rows}
    if codes - set(found):
        raise UnknownSku(codes - set(found))
    return found


def price_of(session, sku: str) -> Money:
    """The catalogue price of a sellable SKU; UnknownSku if it is missing or inactive."""
    return active_skus(session, [sku])[sku].price


def find_sku_or_fail(session, code: str, field: str | None = None) -> Sku:
    """Unknown SKU: 422 naming ``field`` for a body field, 404 for a path parameter (field None)."""
    sku = session.scalar(select(Sku).where(Sku.sku == code))
    if sku is None:
        if field is None:
            raise NotFound(f"No SKU {code}.")
        raise ValidationFailed("Unknown SKU.", errors={field: [f"No SKU {code}."]})
    return sku


def find_warehouse_or_fail(session, code: str, field: str | None = None) -> Warehouse:
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        if field is None:
            raise NotFound(f"No warehouse {code}.")
        raise ValidationFailed("Unknown warehouse.", errors={field: [f"No warehouse {code}."]})
    return warehouse


# --- warehouses ----------------------------------------------------------------------------------------

def create_warehouse(session, code: str, name: str, region: str = "", address: str = "",
                     priority: int = 100) -> Warehouse:
    """A new warehouse; ``code`` is unique in the shop (409). Lower ``priority`` ships first."""
    code = (code or "").strip()
    if not code or not name.strip():
        raise ValidationFailed("Code and name are required.",
                               errors={k: ["Required."] for k, v in (("code", code), ("name", name)) if not v.strip()})
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is not None:
        raise Conflict(f"Warehouse {code} already exists.", errors={"code": ["This code is already used."]})
    warehouse = Warehouse(code=code, name=name.strip(), region=region, address=address, priority=priority)
    session.add(warehouse)
    session.flush()
    return warehouse


def list_warehouses(session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.priority, Warehouse.id)))


# --- levels and the ledger -----------------------------------------------------------------------------

def ledger_values(sku_id: int, warehouse_id: int, on_hand: int, reserved: int, reason: str, reference: str,
                  actor: str) -> dict:
    """One ``stock_movements`` row (for the ORM or a Core INSERT)."""
    return {"sku_id": sku_id, "warehouse_id": warehouse_id, "delta_on_hand": on_hand, "delta_reserved": reserved,
            "reason": reason[:60], "reference": reference[:120], "actor": actor[:120]}


def _ledger(session, sku_id: int, warehouse_id: int, on_hand: int, reserved: int, reason: str,
            reference: str, actor: str) -> None:
    session.add(StockMovement(**ledger_values(sku_id, warehouse_id, on_hand, reserved, reason, reference, actor)))


def ensure_level(session, sku_id: int, warehouse_id: int) -> int:
    """The id of the (sku, warehouse) stock row, created empty if missing (safe against a racing creator)."""
    stmt = select(LEVELS.c.id).where(LEVELS.c.sku_id == sku_id, LEVELS.c.warehouse_id == warehouse_id)
    level_id = session.scalar(stmt)
    if level_id is None:
        insert_ignoring_conflict(session, LEVELS, {"sku_id": sku_id, "warehouse_id": warehouse_id, "on_hand": 0,
                                                   "reserved": 0, "safety_stock": 0}, ["sku_id", "warehouse_id"])
        level_id = session.scalar(stmt)
    return level_id


def get_level(session, level_id: int) -> StockLevel:
    return session.get(StockLevel, level_id, populate_existing=True)


def _numbers():
    return LEVELS.c.on_hand, LEVELS.c.reserved, LEVELS.c.safety_stock


def change_on_hand(session, sku: Sku, warehouse: Warehouse, delta: int, reason: str, reference: str,
                   actor: str) -> StockLevel:
    """Add (receipt) or remove (adjustment) units; refuses to take on_hand below reserved (409)."""
    level_id = ensure_level(session, sku.id, warehouse.id)
    row = session.execute(update(LEVELS).where(LEVELS.c.id == level_id, LEVELS.c.on_hand + delta >= LEVELS.c.reserved)
                          .values(on_hand=LEVELS.c.on_hand + delta).returning(*_numbers())).first()
    if row is None:
        level = get_level(session, level_id)
        raise Conflict(f"Only {level.available} of {sku.sku} at {warehouse.code} are not reserved.",
                       errors={"delta": [f"on hand cannot go below reserved ({level.reserved})"]})
    _ledger(session, sku.id, warehouse.id, delta, 0, reason, reference, actor)
    _review_low_stock(session, sku.sku, warehouse.code, *row)
    session.flush()
    return get_level(session, level_id)


def adjust_stock(session, sku: str, warehouse: str, delta: int, reason: str, actor: str,
                 reference: str = "") -> StockLevel:
    """Stocktake, damage…: change on_hand by ``delta`` with a reason; never below what is reserved."""
    check_quantity(delta, "delta", allow_negative=True)
    if not (reason or "").strip():
        raise ValidationFailed("A reason is required.", errors={"reason": ["Say why (stocktake, damage…)."]})
    return change_on_hand(session, find_sku_or_fail(session, sku, "sku"),
                          find_warehouse_or_fail(session, warehouse, "warehouse"), delta, reason.strip(),
                          reference, actor)


def receive_stock(session, sku: str, warehouse: str, quantity: int, reason: str, reference: str,
                  actor: str) -> StockLevel:
    """Units coming in (purchase receipt, return restock, opening stock)."""
    check_quantity(quantity)
    return change_on_hand(session, find_sku_or_fail(session, sku, "sku"),
                          find_warehouse_or_fail(session, warehouse, "warehouse"), quantity, reason, reference, actor)


def set_safety_stock(session, sku: str, warehouse: str, safety_stock: int) -> StockLevel:
    """Set the low-stock threshold of one (sku, warehouse); 0 turns the low-stock alert off."""
    if not isinstance(safety_stock, int) or isinstance(safety_stock, bool) or not 0 <= safety_stock <= MAX_QUANTITY:
        raise ValidationFailed("Invalid safety stock.", errors={"safety_stock": ["A whole number from 0."]})
    sku_row, wh = find_sku_or_fail(session, sku), find_warehouse_or_fail(session, warehouse)
    level_id = ensure_level(session, sku_row.id, wh.id)
    row = session.execute(update(LEVELS).where(LEVELS.c.id == level_id).values(safety_stock=safety_stock)
                          .returning(*_numbers())).first()
    _review_low_stock(session, sku, warehouse, *row)
    session.flush()
    return get_level(session, level_id)


def list_stock(session, sku: str | None = None, warehouse: str | None = None) -> list[StockLevel]:
    stmt = (select(StockLevel).join(StockLevel.sku).join(StockLevel.warehouse)
            .order_by(Sku.sku, Warehouse.priority, Warehouse.code).execution_options(populate_existing=True))
    if sku:
        stmt = stmt.where(Sku.sku == sku)
    if warehouse:
        stmt = stmt.where(Warehouse.code == warehouse)
    return list(session.scalars(stmt))


def list_movements(session, sku: str | None = None, warehouse: str | None = None, limit: int = 50,
                   cursor: str | None = None):
    """The ledger, newest first: (rows, next_cursor)."""
    stmt = select(StockMovement)
    if sku:
        stmt = stmt.where(StockMovement.sku_id.in_(select(Sku.id).where(Sku.sku == sku)))
    if warehouse:
        stmt = stmt.where(StockMovement.warehouse_id.in_(select(Warehouse.id).where(Warehouse.code == warehouse)))
    return paginate(session, stmt, StockMovement.id, limit, cursor)


# --- low stock -----------------------------------------------------------------------------------------

def low_stock_key(sku: str, warehouse: str) -> str:
    return f"sku:{sku}@{warehouse}"


def _review_low_stock(session, sku: str, warehouse: str, on_hand: int, reserved: int, safety_stock: int) -> None:
    """One open ``low_stock`` alert while available <= safety stock; resolved once it is back above."""
    available, key = on_hand - reserved, low_stock_key(sku, warehouse)
    if safety_stock > 0 and available <= safety_stock:
        raise_alert(session, "low_stock", key, key,
                    f"{sku} at {warehouse}: {available} available, safety stock {safety_stock}.",
                    data={"sku": sku, "warehouse": warehouse, "available": available, "safety_stock": safety_stock})
    else:
        resolve_alert(session, "low_stock", key, by="system")


def _raise_if_low(session, sku: str, warehouse: str, on_hand: int, reserved: int, safety_stock: int) -> None:
    """After a reservation: availability only fell, so there is nothing to resolve and, above the safety
    stock, nothing to write (this runs while the stock row is locked)."""
    if safety_stock > 0 and on_hand - reserved <= safety_stock:
        _review_low_stock(session, sku, warehouse, on_hand, reserved, safety_stock)


from saas.inventory.reservations import (  # noqa: E402  (the reservation API lives in its own module)
    ReservationPlan, consume_reservations, plan_reservation, release_reservations, reservations_for, reserve_planned,
    reserve_stock)

__all__ = ["Reservation", "OutOfStock", "UnknownSku", "price_of", "reserve_stock", "plan_reservation",
           "reserve_planned", "ReservationPlan", "release_reservations", "consume_reservations", "reservations_for",
           "adjust_stock", "receive_stock", "set_safety_stock", "create_warehouse", "list_warehouses", "list_stock",
           "list_movements"]
