"""Taking an order: validate, price, number, write, reserve stock, commit, tell plugins.

The order of the writes matters under a flash sale: the order, its lines and its history rows (which no
other transaction contends for) are written first; ``reserve_stock``'s conditional UPDATEs of the hot
``stock_levels`` rows come last, so their row locks are held only for the moment before COMMIT.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from saas import settings as shop_settings
from saas.catalog.models import Product, Sku
from saas.errors import ValidationFailed, flatten_errors
from saas.events import Lazy, fire_after_commit
from saas.extensions import utcnow
from saas.inventory.service import reserve_stock
from saas.money import MAX_AMOUNT, Money
from saas.orders.models import ORDER_NUMBER_SEQUENCE, Order, OrderHistory, OrderLine
from saas.orders.schemas import MAX_LINES, OrderIn
from saas.orders.states import INITIAL
from tenants.context import require_tenant

ADDRESS_FIELDS = ("name", "phone", "country", "province", "city", "district", "line1", "line2", "postcode")


@dataclass(frozen=True)
class PricedLine:
    sku: str
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
        return OrderIn().load(data)
    except ValidationError as exc:
        raise ValidationFailed("Some fields are invalid; see errors.", errors=flatten_errors(exc.messages))


def price_lines(session, lines: list[dict]) -> tuple[list[PricedLine], str]:
    """Catalogue names (snapshotted) and prices (unless a line brings its own), all in one currency.

    One query for every SKU of the order rather than ``price_of`` per line: an order may have 500 lines.
    """
    codes = {line["sku"] for line in lines}
    rows = session.scalars(select(Sku).join(Product).where(Sku.sku.in_(codes), Sku.active, Product.active))
    catalogue = {sku.sku: sku for sku in rows}
    errors: dict[str, list[str]] = {}
    priced: list[PricedLine] = []
    for i, line in enumerate(lines):
        sku = catalogue.get(line["sku"])
        if sku is None:
            errors[f"lines.{i}.sku"] = [f"Unknown or inactive SKU {line['sku']}."]
            continue
        price = Money(**line["unit_price"]) if line["unit_price"] else sku.price
        priced.append(PricedLine(sku.sku, sku.name, line["quantity"], price))
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


def next_order_number(session, now: dt.datetime) -> tuple[int, str]:
    """(sequence, number) such as ``SO20250314-000042``: unique in the shop, readable on the phone.

    PostgreSQL: the tenant's own sequence (no lock, gaps allowed). SQLite: max + 1, safe because every
    SQLite transaction here starts with BEGIN IMMEDIATE, so writers are serialised anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.scalar(select(ORDER_NUMBER_SEQUENCE.next_value()))
    else:
        sequence = session.scalar(select(func.coalesce(func.max(Order.sequence), 0) + 1))
    return sequence, f"SO{now:%Y%m%d}-{sequence:06d}"


def find_by_external_id(session, channel: str, external_id: str | None) -> Order | None:
    if external_id is None:
        return None
    return session.scalar(select(Order).where(Order.channel == channel, Order.external_id == external_id))


def build_order(session, clean: dict, priced: list[PricedLine], currency: str, actor: str) -> Order:
    """The new order with its lines and one creation history row per axis (not yet flushed)."""
    now = utcnow()
    sequence, number = next_order_number(session, now)
    initial = INITIAL[clean["payment_method"]]
    address = clean["shipping_address"]
    subtotal = sum(line.total.amount for line in priced)
    order = Order(sequence=sequence, number=number, channel=clean["channel"], external_id=clean["external_id"],
                  customer_name=clean["customer"]["name"], customer_phone=clean["customer"]["phone"],
                  customer_email=clean["customer"]["email"], payment_method=clean["payment_method"],
                  currency=currency, subtotal_amount=subtotal, shipping_amount=0, discount_amount=0,
                  total_amount=subtotal, note=clean["note"], created_at=now, updated_at=now, **initial,
                  **{f"ship_{field}": address[field] for field in ADDRESS_FIELDS})
    if clean["payment_method"] == "online":
        order.expires_at = now + dt.timedelta(seconds=shop_settings.payment_timeout(require_tenant()))
    order.lines = [OrderLine(position=i, sku=p.sku, name=p.name, quantity=p.quantity,
                             unit_price_amount=p.unit_price.amount, line_total_amount=p.total.amount)
                   for i, p in enumerate(priced)]
    order.history = [OrderHistory(axis=axis, from_status=None, to_status=state, event="create", at=now,
                                  actor=actor, reason="") for axis, state in initial.items()]
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
        order = build_order(session, clean, priced, currency, actor)
        session.flush()
    except IntegrityError:  # a concurrent create of the same (channel, external_id) committed first
        session.rollback()
        existing = find_by_external_id(session, clean["channel"], clean["external_id"])
        if existing is None:
            raise
        return existing, False
    except BaseException:
        session.rollback()
        raise
    return _reserve_and_commit(session, order, actor), True


def _reserve_and_commit(session, order: Order, actor: str) -> Order:
    from saas.orders.presentation import order_as_dict
    try:
        # Registered before reserving: nothing may run between the hot stock UPDATEs and COMMIT.
        fire_after_commit(session, "orderly_order_created", order=Lazy(lambda: order_as_dict(order)))
        reserve_stock(session, [(line.sku, line.quantity) for line in order.lines], order.number, actor)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return order
