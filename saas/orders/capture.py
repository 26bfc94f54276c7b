"""Taking an order: validate, price, number, write, reserve stock, commit, tell plugins.

The order of the writes matters under a flash sale: the order, its lines and its history rows (which no
other transaction contends for) are written first; ``reserve_stock``'s conditional UPDATEs of the hot
``stock_levels`` rows come last, so their row locks are held only for the moment before COMMIT.

The rows are written with Core INSERTs (one statement per table, ids from RETURNING) rather than through the
ORM's unit of work: under a flash sale the Python cost per order is what caps orders/s, and the unit of
work was most of it. Callers still get an ``Order`` instance, made persistent from the values written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from marshmallow import ValidationError
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from saas import settings as shop_settings
from saas.catalog.models import Product, Sku
from saas.errors import ValidationFailed, flatten_errors
from saas.events import Lazy, fire_committed
from saas.extensions import utcnow
from saas.inventory.service import ReservationPlan, plan_reservation, reserve_planned
from saas.money import MAX_AMOUNT, Money
from saas.orders.models import ORDER_NUMBER_SEQUENCE, Order, OrderHistory, OrderLine
from saas.orders.schemas import MAX_LINES, OrderIn
from saas.orders.states import INITIAL
from tenants.context import require_tenant

ADDRESS_FIELDS = ("name", "phone", "country", "province", "city", "district", "line1", "line2", "postcode")
ORDERS, LINES, HISTORY = Order.__table__, OrderLine.__table__, OrderHistory.__table__
# Writes other domains make for every new order, in its transaction: fn(connection, order row values).
# Payments registers the buyer's pay link here (capture writes with Core, so mapper events do not fire).
ORDER_INSERTED: list[Callable[[object, dict], None]] = []
# One instance for every call: building the nested schema costs four times what loading with it does, and
# ``load`` keeps no state between calls.
_ORDER_IN = OrderIn()

# The statements of every capture, built once: constructing a statement costs more CPU than running it.
_CATALOGUE = (select(Sku.id, Sku.sku, Sku.name, Sku.price_amount, Sku.currency,
                     Product.name.label("product_name")).join(Product)
              .where(Sku.sku.in_(bindparam("codes", expanding=True)), Sku.active, Product.active))
_NEXT_SEQUENCE = {"postgresql": select(ORDER_NUMBER_SEQUENCE.next_value())}
_MAX_PLUS_ONE = select(func.coalesce(func.max(ORDERS.c.sequence), 0) + 1)  # SQLite (see next_order_number)
_INSERT_ORDER = insert(ORDERS).returning(ORDERS.c.id)
_INSERT_ROWS = {table: insert(table).returning(table.c.id, sort_by_parameter_order=True)
                for table in (LINES, HISTORY)}


@dataclass(frozen=True)
class PricedLine:
    sku: str
    sku_id: int
    name: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


def validate_order_input(data) -> dict:
    """The cleaned order input, or ValidationFailed with every bad field (``lines.0.quantity``…)."""
    if not isinstance(data, dict):
        raise ValidationFailed("The order must be a JSON object.", errors={"_schema": ["Expected an object."]})
    lines = data.get("lines")
    if isinstance(lines, list) and len(lines) > MAX_LINES:  # refuse before validating 10,000 of them
        raise ValidationFailed("Too many lines.", errors={"lines": [f"Give 1 to {MAX_LINES} lines."]})
    try:
        return _ORDER_IN.load(data)
    except ValidationError as exc:
        raise ValidationFailed("Some fields are invalid; see errors.", errors=flatten_errors(exc.messages))


def _catalogue(session, codes) -> dict:
    """code -> (id, sku, name, price_amount, currency, product_name) of the sellable SKUs among ``codes``."""
    return {row.sku: row for row in session.connection().execute(_CATALOGUE, {"codes": list(codes)})}


def line_name(product: str, variant: str) -> str:
    """What the order line shows forever: "Longjing tea · 250 g". A variant name alone ("250 g") says
    nothing on a packing slip or a pay page; a variant named like its product is not repeated."""
    if not variant or variant == product:
        return product
    return f"{product} · {variant}"[:200]


def price_lines(session, lines: list[dict]) -> tuple[list[PricedLine], str]:
    """Catalogue names (snapshotted) and prices (unless a line brings its own), all in one currency.

    One query for every SKU of the order rather than ``price_of`` per line: an order may have 500 lines.
    """
    catalogue = _catalogue(session, {line["sku"] for line in lines})
    errors: dict[str, list[str]] = {}
    priced: list[PricedLine] = []
    for i, line in enumerate(lines):
        sku = catalogue.get(line["sku"])
        if sku is None:
            errors[f"lines.{i}.sku"] = [f"Unknown or inactive SKU {line['sku']}."]
            continue
        price = Money(**line["unit_price"]) if line["unit_price"] else Money(sku.price_amount, sku.currency)
        priced.append(PricedLine(sku.sku, sku.id, line_name(sku.product_name, sku.name), line["quantity"], price))
    currency = priced[0].unit_price.currency if priced else None
    for i, line in enumerate(lines):
        _check_line_currency(errors, i, line, catalogue, currency)
    if not errors and sum(p.total.amount for p in priced) > MAX_AMOUNT:
        errors["lines"] = ["The order total is too large."]
    if errors:
        raise ValidationFailed("Some lines are invalid; see errors.", errors=errors)
    return priced, currency


def _check_line_currency(errors, i, line, catalogue, currency) -> None:
    sku = catalogue.get(line["sku"])
    if sku is None:
        return
    line_currency = line["unit_price"]["currency"] if line["unit_price"] else sku.currency
    if line_currency != currency:
        field = f"lines.{i}.unit_price" if line["unit_price"] else f"lines.{i}.sku"
        errors[field] = [f"All lines must be in one currency ({currency}); this one is {line_currency}."]


def next_order_number(connection, now: dt.datetime) -> tuple[int, str]:
    """(sequence, number) such as ``SO20250314-000042``: unique in the shop, readable on the phone.

    PostgreSQL: the tenant's own sequence (no lock, gaps allowed). SQLite: max + 1, safe because every
    SQLite transaction here starts with BEGIN IMMEDIATE, so writers are serialised anyway.
    """
    sequence = connection.scalar(_NEXT_SEQUENCE.get(connection.dialect.name, _MAX_PLUS_ONE))
    return sequence, f"SO{now:%Y%m%d}-{sequence:06d}"


def find_by_external_id(session, channel: str, external_id: str | None) -> Order | None:
    if external_id is None:
        return None
    return session.scalar(select(Order).where(Order.channel == channel, Order.external_id == external_id))


def order_values(clean: dict, priced: list[PricedLine], currency: str, sequence: int, number: str,
                 now: dt.datetime) -> dict:
    """Every column of the new order's row but ``id``."""
    initial = INITIAL[clean["payment_method"]]
    customer, address = clean["customer"], clean["shipping_address"]
    subtotal = sum(line.total.amount for line in priced)
    expires_at = None
    if clean["payment_method"] == "online":
        expires_at = now + dt.timedelta(seconds=shop_settings.payment_timeout(require_tenant()))
    return {"sequence": sequence, "number": number, "channel": clean["channel"],
            "external_id": clean["external_id"], "customer_name": customer["name"],
            "customer_phone": customer["phone"], "customer_email": customer["email"],
            **{f"ship_{field}": address[field] for field in ADDRESS_FIELDS},
            "payment_method": clean["payment_method"], **initial, "currency": currency,
            "subtotal_amount": subtotal, "shipping_amount": 0, "discount_amount": 0, "total_amount": subtotal,
            "note": clean["note"], "expires_at": expires_at, "created_at": now, "updated_at": now, "version": 1}


def _insert_returning_ids(connection, table, rows: list[dict]) -> list[dict]:
    """INSERT every row in one statement; returns the rows with their new ``id``."""
    if len(rows) == 1:  # a plain INSERT costs less than the many-rows path
        return [{**rows[0], "id": connection.scalar(_INSERT_ROWS[table], rows[0])}]
    ids = connection.execute(_INSERT_ROWS[table], rows).scalars().all()
    return [{**row, "id": id_} for row, id_ in zip(rows, ids)]


def write_order(connection, clean: dict, priced: list[PricedLine], currency: str, actor: str):
    """Insert the order, its lines and one creation history row per axis; returns the rows written."""
    now = utcnow()
    sequence, number = next_order_number(connection, now)
    values = order_values(clean, priced, currency, sequence, number, now)
    values["id"] = connection.scalar(_INSERT_ORDER, values)
    for inserted in ORDER_INSERTED:
        inserted(connection, values)
    lines = _insert_returning_ids(connection, LINES, [
        {"order_id": values["id"], "position": i, "sku": p.sku, "name": p.name, "quantity": p.quantity,
         "unit_price_amount": p.unit_price.amount, "line_total_amount": p.total.amount}
        for i, p in enumerate(priced)])
    history = _insert_returning_ids(connection, HISTORY, [
        {"order_id": values["id"], "axis": axis, "from_status": None, "to_status": state, "event": "create",
         "at": now, "actor": actor, "reason": ""} for axis, state in INITIAL[clean["payment_method"]].items()])
    return values, lines, history


def _persistent_order(session, values: dict, lines: list[dict], history: list[dict]) -> Order:
    """The ``Order`` for rows this transaction wrote and committed, made persistent without reading them back."""
    order = Order(**values)
    children = {"lines": [OrderLine(**row) for row in lines], "history": [OrderHistory(**row) for row in history]}
    for obj in (order, *children["lines"], *children["history"]):
        make_transient_to_detached(obj)
    for name, objects in children.items():
        set_committed_value(order, name, objects)
        for child in objects:
            set_committed_value(child, "order", order)
    session.add(order)
    return order


def create_order(session, data: dict, actor: str) -> tuple[Order, bool]:
    """Validate, write and reserve stock for a new order, then commit; returns (order, created).

    ``created`` is False when the order's ``(channel, external_id)`` already exists: that order is returned
    unchanged (a channel re-sending an order, or two racing syncs). Raises ValidationFailed (422, per field),
    OutOfStock (409, naming each short SKU) — and then nothing at all is written.
    """
    clean = validate_order_input(data)
    existing = find_by_external_id(session, clean["channel"], clean["external_id"])
    if existing is not None:
        return existing, False
    try:
        priced, currency = price_lines(session, clean["lines"])
        # Before writing anything: in a flash sale most buyers are refused, and cheaply.
        plan = plan_reservation(session, [(p.sku, p.quantity) for p in priced], {p.sku: p.sku_id for p in priced})
        rows = write_order(session.connection(), clean, priced, currency, actor)
    except IntegrityError:  # a concurrent create of the same (channel, external_id) committed first
        session.rollback()
        existing = find_by_external_id(session, clean["channel"], clean["external_id"])
        if existing is None:
            raise
        return existing, False
    except BaseException:
        session.rollback()
        raise
    return _reserve_and_commit(session, rows, plan, actor), True


def _reserve_and_commit(session, rows: tuple, plan: ReservationPlan, actor: str) -> Order:
    from saas.orders.presentation import order_as_dict
    try:
        # The hot stock UPDATEs are the last statements: nothing runs between them and COMMIT.
        reserve_planned(session, plan, rows[0]["number"], actor)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    order = _persistent_order(session, *rows)  # after COMMIT, which would expire it
    # After the commit, not inside it, so that the payload can read (reservations, other domains' sections).
    fire_committed(session, "orderly_order_created", order=Lazy(lambda: order_as_dict(order)))
    return order
