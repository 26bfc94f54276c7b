"""The reservation API orders code against (re-exported by ``saas.inventory.service``).

Why the statements come in this order: the ``stock_levels`` rows are the hot rows every order of a SKU
touches, so their locks must be held as briefly as possible. Reservation and ledger rows (which nobody else
contends for) are written first; the conditional UPDATEs of the stock rows come last, in (sku_id,
warehouse_id) order so that two multi-line orders always lock in the same order and cannot deadlock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update

from saas.catalog.models import Sku
from saas.errors import Conflict, ValidationFailed
from saas.inventory.models import StockReservation, Warehouse
from saas.inventory.service import (LEVELS, MOVEMENTS, RESERVATIONS, OutOfStock, Reservation, _ledger,
                                    _numbers, _raise_if_low, _review_low_stock, active_skus, check_quantity,
                                    ledger_values)


def _wanted_quantities(lines) -> dict[str, int]:
    """Sum the same SKU over several lines; every quantity must be a positive int <= 1,000,000."""
    wanted: dict[str, int] = defaultdict(int)
    for i, (sku, quantity) in enumerate(lines):
        wanted[sku] += check_quantity(quantity, f"lines.{i}.quantity")
    if not wanted:
        raise ValidationFailed("Nothing to reserve.", errors={"lines": ["Give at least one line."]})
    return dict(wanted)


# The statements of every reservation, built once: constructing a statement costs more CPU than running it.
_CANDIDATES = (select(LEVELS.c.id, LEVELS.c.sku_id, LEVELS.c.warehouse_id, Warehouse.code,
                      (LEVELS.c.on_hand - LEVELS.c.reserved).label("available"))
               .join(Warehouse, Warehouse.id == LEVELS.c.warehouse_id)
               .where(LEVELS.c.sku_id.in_(bindparam("sku_ids", expanding=True)))
               .order_by(Warehouse.priority, Warehouse.id))
_INSERT = {table: insert(table).returning(table.c.id, sort_by_parameter_order=True)
           for table in (RESERVATIONS, MOVEMENTS)}
_TAKE = (update(LEVELS).where(LEVELS.c.id == bindparam("level_id"),
                              LEVELS.c.on_hand - LEVELS.c.reserved >= bindparam("quantity"))
         .values(reserved=LEVELS.c.reserved + bindparam("quantity")).returning(*_numbers()))


def _candidates(session, sku_ids) -> dict[int, list]:
    """Fresh numbers per SKU: rows (level id, sku_id, warehouse id/code, available), by warehouse priority."""
    rows = session.connection().execute(_CANDIDATES, {"sku_ids": list(sku_ids)}).all()
    by_sku = defaultdict(list)
    for row in rows:
        by_sku[row.sku_id].append(row)
    return by_sku


def _split(candidates: list, quantity: int) -> list[tuple[object, int]] | None:
    """One warehouse that can serve it all (first by priority); else spread by priority; None if short."""
    for row in candidates:
        if row.available >= quantity:
            return [(row, quantity)]
    parts, left = [], quantity
    for row in candidates:
        take = min(max(row.available, 0), left)
        if take:
            parts.append((row, take))
            left -= take
    return None if left else parts


def _plan(session, wanted: dict[int, int], codes: dict[int, str]):
    """(parts sorted by (sku_id, warehouse_id), shortages {sku code: total available})."""
    by_sku = _candidates(session, list(wanted))
    parts, shortages = [], {}
    for sku_id, quantity in wanted.items():
        split = _split(by_sku.get(sku_id, []), quantity)
        if split is None:
            shortages[codes[sku_id]] = sum(max(r.available, 0) for r in by_sku.get(sku_id, []))
        else:
            parts.extend(split)
    parts.sort(key=lambda part: (part[0].sku_id, part[0].warehouse_id))
    return parts, shortages


def _claim(connection, parts, reference: str, actor: str) -> tuple[list[int], list[int]]:
    """Reservation and ledger rows for ``parts`` (one INSERT each); returns their ids."""
    reservations = [{"reference": reference, "sku_id": row.sku_id, "warehouse_id": row.warehouse_id,
                     "quantity": quantity, "status": "active"} for row, quantity in parts]
    movements = [ledger_values(row.sku_id, row.warehouse_id, 0, quantity, "reserved", reference, actor)
                 for row, quantity in parts]
    return tuple(connection.execute(_INSERT[table], rows).scalars().all() if len(rows) > 1
                 else [connection.scalar(_INSERT[table], rows[0])]  # a plain INSERT costs less
                 for table, rows in ((RESERVATIONS, reservations), (MOVEMENTS, movements)))


def _unclaim(connection, claimed, taken) -> None:
    """Undo a lost attempt: give back the units already taken (we still hold those rows' locks, so nobody
    saw them) and delete the attempt's reservation and ledger rows."""
    for row, quantity in taken:
        connection.execute(update(LEVELS).where(LEVELS.c.id == row.id)
                           .values(reserved=LEVELS.c.reserved - quantity))
    reservation_ids, movement_ids = claimed
    connection.execute(delete(RESERVATIONS).where(RESERVATIONS.c.id.in_(reservation_ids)))
    connection.execute(delete(MOVEMENTS).where(MOVEMENTS.c.id.in_(movement_ids)))


def _try_reserve(session, parts, codes, reference: str, actor: str) -> bool:
    """Write reservations and ledger, then the hot UPDATEs; undo this attempt if one row lost the race.

    No savepoint: its RELEASE would be one more round trip while the stock rows are locked. A lost race is
    rare (the plan read the numbers a moment ago), so it pays for the undo instead.
    """
    connection = session.connection()
    claimed = _claim(connection, parts, reference, actor)
    after, taken = [], []
    for row, quantity in parts:
        numbers = connection.execute(_TAKE, {"level_id": row.id, "quantity": quantity}).first()
        if numbers is None:  # someone took the units between our read and our UPDATE
            _unclaim(connection, claimed, taken)
            return False
        taken.append((row, quantity))
        after.append((codes[row.sku_id], row.code, numbers))
    for sku, warehouse, numbers in after:
        _raise_if_low(session, sku, warehouse, *numbers)
    return True


def reserve_stock(session, lines: list[tuple[str, int]], reference: str, actor: str) -> list[Reservation]:
    """Reserve every line or nothing, in the caller's transaction.

    ``lines`` are (sku, quantity); the same SKU on several lines is summed. A line is served by one
    warehouse when one can (by priority), else spread over warehouses by priority. Raises UnknownSku,
    ValidationFailed (quantity), or OutOfStock naming every short SKU with what is available in total.
    """
    wanted_by_code = _wanted_quantities(lines)
    skus = active_skus(session, wanted_by_code)
    wanted = {skus[code].id: quantity for code, quantity in wanted_by_code.items()}
    return _reserve(session, wanted, {sku.id: code for code, sku in skus.items()}, reference, actor)


@dataclass(frozen=True)
class ReservationPlan:
    """Where each SKU would be reserved from, as read at one moment (see ``plan_reservation``)."""
    wanted: dict[int, int]   # sku_id -> quantity
    codes: dict[int, str]    # sku_id -> code
    parts: list              # (candidate row, quantity), in (sku_id, warehouse_id) order


def plan_reservation(session, lines: list[tuple[str, int]], sku_ids: dict[str, int]) -> ReservationPlan:
    """Read where ``lines`` would be reserved from, or raise OutOfStock (as ``reserve_stock`` would), writing
    nothing; then ``reserve_planned`` reserves. For order capture, which has just looked every code up as a
    sellable SKU in this transaction (``sku_ids``: code -> id; a missing code is looked up here): in a flash
    sale most buyers are refused, and each used to write (and roll back) a whole order before hearing so."""
    wanted_by_code = _wanted_quantities(lines)
    missing = set(wanted_by_code) - set(sku_ids)
    if missing:
        sku_ids = {**sku_ids, **{code: sku.id for code, sku in active_skus(session, missing).items()}}
    wanted = {sku_ids[code]: quantity for code, quantity in wanted_by_code.items()}
    codes = {sku_ids[code]: code for code in wanted_by_code}
    parts, shortages = _plan(session, wanted, codes)
    if shortages:
        raise OutOfStock(shortages)
    return ReservationPlan(wanted, codes, parts)


def reserve_planned(session, plan: ReservationPlan, reference: str, actor: str) -> list[Reservation]:
    """Reserve as ``plan`` says, in the caller's transaction. The numbers may have moved since it was read:
    a row that no longer has the units loses its conditional UPDATE and the reservation re-plans from fresh
    numbers, exactly as ``reserve_stock`` does after a lost race. Raises OutOfStock."""
    return _reserve(session, plan.wanted, plan.codes, reference, actor, parts=plan.parts)


def _reserve(session, wanted: dict[int, int], codes: dict[int, str], reference: str, actor: str,
             parts: list | None = None) -> list[Reservation]:
    session.flush()  # the caller's pending ORM rows go in now, not at COMMIT behind the stock locks
    for _attempt in range(2):  # a lost race re-plans once from fresh numbers
        if parts is None:
            parts, shortages = _plan(session, wanted, codes)
            if shortages:
                raise OutOfStock(shortages)
        if _try_reserve(session, parts, codes, reference, actor):
            return [Reservation(codes[row.sku_id], row.code, quantity) for row, quantity in parts]
        parts = None
    parts, shortages = _plan(session, wanted, codes)
    raise OutOfStock(shortages or {code: 0 for code in codes.values()})


def _active_rows(session, reference: str, sku_id: int | None = None, warehouse_id: int | None = None):
    stmt = (select(StockReservation).where(StockReservation.reference == reference,
                                           StockReservation.status == "active")
            .order_by(StockReservation.sku_id, StockReservation.warehouse_id, StockReservation.id)
            .execution_options(populate_existing=True))
    if sku_id is not None:
        stmt = stmt.where(StockReservation.sku_id == sku_id, StockReservation.warehouse_id == warehouse_id)
    return list(session.scalars(stmt))


def _close(session, reservation: StockReservation, quantity: int, status: str) -> bool:
    """Mark ``quantity`` of an active reservation released/consumed; False if another transaction did first.

    Conditional, so a cancel racing the expiry job cannot release the same units twice.
    """
    if quantity == reservation.quantity:
        stmt = update(RESERVATIONS).where(RESERVATIONS.c.id == reservation.id, RESERVATIONS.c.status == "active")
        return session.execute(stmt.values(status=status)).rowcount == 1
    stmt = update(RESERVATIONS).where(RESERVATIONS.c.id == reservation.id, RESERVATIONS.c.status == "active",
                                      RESERVATIONS.c.quantity > quantity)
    if session.execute(stmt.values(quantity=RESERVATIONS.c.quantity - quantity)).rowcount != 1:
        return False
    session.add(StockReservation(reference=reservation.reference, sku_id=reservation.sku_id,
                                 warehouse_id=reservation.warehouse_id, quantity=quantity, status=status))
    return True


def _take_out(session, taken: list[tuple[StockReservation, int]], consume: bool, reason: str,
              reference: str, actor: str) -> None:
    """Ledger rows, then the stock rows in (sku, warehouse) order: reserved -= q (and on_hand -= q)."""
    totals: dict[tuple, int] = defaultdict(int)
    for reservation, quantity in taken:
        _ledger(session, reservation.sku_id, reservation.warehouse_id, -quantity if consume else 0, -quantity,
                reason, reference, actor)
        totals[(reservation.sku_id, reservation.warehouse_id, reservation.sku.sku, reservation.warehouse.code)] += quantity
    session.flush()
    for (sku_id, warehouse_id, sku, warehouse), quantity in sorted(totals.items()):
        values = {"reserved": LEVELS.c.reserved - quantity}
        if consume:
            values["on_hand"] = LEVELS.c.on_hand - quantity
        numbers = session.execute(
            update(LEVELS).where(LEVELS.c.sku_id == sku_id, LEVELS.c.warehouse_id == warehouse_id,
                                 LEVELS.c.reserved >= quantity).values(**values).returning(*_numbers())).one()
        if not consume:  # shipping leaves "available" unchanged; releasing raises it
            _review_low_stock(session, sku, warehouse, *numbers)


def release_reservations(session, reference: str, reason: str, actor: str) -> list[Reservation]:
    """Give back every active reservation of ``reference`` (cancel, expiry); returns what was released."""
    taken = [(r, r.quantity) for r in _active_rows(session, reference)]
    taken = [(r, q) for r, q in taken if _close(session, r, q, "released")]
    _take_out(session, taken, consume=False, reason=reason or "released", reference=reference, actor=actor)
    return [Reservation(r.sku.sku, r.warehouse.code, q) for r, q in taken]


def consume_reservations(session, reference: str, actor: str,
                         items: list[tuple[str, str, int]] | None = None) -> None:
    """Ship reserved units: on_hand and reserved both drop. ``items`` are (sku, warehouse, quantity);
    None ships everything still reserved. Shipping more than is reserved there is a 409."""
    if items is None:
        taken = [(r, r.quantity) for r in _active_rows(session, reference)]
    else:
        taken = _pick_for_items(session, reference, items)
    taken = [(r, q) for r, q in taken if _close(session, r, q, "consumed")]
    _take_out(session, taken, consume=True, reason="shipped", reference=reference, actor=actor)


def _pick_for_items(session, reference: str, items) -> list[tuple[StockReservation, int]]:
    from saas.inventory.service import find_sku_or_fail, find_warehouse_or_fail
    taken = []
    for i, (sku, warehouse, quantity) in enumerate(items):
        check_quantity(quantity, f"items.{i}.quantity")
        sku_row = find_sku_or_fail(session, sku, f"items.{i}.sku")
        wh = find_warehouse_or_fail(session, warehouse, f"items.{i}.warehouse")
        left = quantity
        for reservation in _active_rows(session, reference, sku_row.id, wh.id):
            take = min(left, reservation.quantity)
            if take:
                taken.append((reservation, take))
                left -= take
        if left:
            raise Conflict(f"{reference} has only {quantity - left} of {sku} reserved at {warehouse}.",
                           errors={f"items.{i}.quantity": [f"only {quantity - left} reserved"]})
    return taken


_ACTIVE_BY_CODE = (select(Sku.sku, Warehouse.code, RESERVATIONS.c.quantity)
                   .join(Sku, Sku.id == RESERVATIONS.c.sku_id)
                   .join(Warehouse, Warehouse.id == RESERVATIONS.c.warehouse_id)
                   .where(RESERVATIONS.c.reference == bindparam("reference"), RESERVATIONS.c.status == "active")
                   .order_by(RESERVATIONS.c.sku_id, RESERVATIONS.c.warehouse_id, RESERVATIONS.c.id))


def reservations_for(session, reference: str) -> list[Reservation]:
    """Active reservations of ``reference``, one per (sku, warehouse)."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    # Plain rows, not StockReservation objects: every order response shows this.
    for sku, warehouse, quantity in session.connection().execute(_ACTIVE_BY_CODE, {"reference": reference}):
        totals[(sku, warehouse)] += quantity
    return [Reservation(sku, warehouse, quantity) for (sku, warehouse), quantity in totals.items()]
