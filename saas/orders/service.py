"""Order rules: finding orders, moving their state machines, cancelling, expiring unpaid ones, listing.

Creating an order lives in ``capture.py`` and the API/hook shape in ``presentation.py``; both are
re-exported here so other domains import everything about orders from this one module.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import func, or_, select

from saas.api.pagination import paginate
from saas.errors import Conflict, IllegalTransition, NotFound
from saas.events import fire_after_commit
from saas.extensions import utcnow
from saas.inventory.service import release_reservations
from saas.orders.capture import create_order, validate_order_input  # noqa: F401  (re-exported)
from saas.orders.models import Order, OrderHistory
from saas.orders.presentation import ORDER_DETAIL_SECTIONS, order_as_dict  # noqa: F401  (re-exported)
from saas.orders.states import TRANSITIONS, next_state

SYSTEM = "system"
SHIPPED_STATES = frozenset({"partially_shipped", "shipped", "delivered"})
REFUNDABLE_ON_CANCEL = frozenset({"paid", "partially_refunded"})
EXPIRY_BATCH = 200
# Other domains add search terms (fulfilment: tracking numbers): fn(q) -> SQL condition over Order.
ORDER_SEARCH_CLAUSES: list[Callable[[str], object]] = []


# --- finding ------------------------------------------------------------------------------------------

def get_order(session, number: str) -> Order:
    """The order with this number in the current shop, or NotFound (404)."""
    order = session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound(f"No order {number}.")
    return order


def get_order_for_update(session, number: str) -> Order:
    """The order, row-locked until the transaction ends (PostgreSQL FOR UPDATE; SQLite transactions are
    serialised by BEGIN IMMEDIATE), with fresh column values."""
    stmt = (select(Order).where(Order.number == number).with_for_update()
            .execution_options(populate_existing=True))
    order = session.scalar(stmt)
    if order is None:
        raise NotFound(f"No order {number}.")
    return order


# --- the state machines -------------------------------------------------------------------------------

def apply_transition(session, order: Order, axis: str, event: str, actor: str, reason: str = "") -> str:
    """Move ``order`` along ``axis`` by ``event`` and return the new state. The ONE way states change.

    Locks the row, re-checks the current state (another transaction may have moved it since the caller
    read it), writes, records history and queues ``orderly_order_status_changed`` for after commit.
    Raises IllegalTransition (409) when the machine forbids it. Does NOT commit: the caller owns the
    transaction, so several moves (and their side effects) commit or roll back together.
    """
    if axis not in TRANSITIONS:
        raise ValueError(f"unknown axis {axis!r}")
    session.scalars(select(Order).where(Order.id == order.id).with_for_update()
                    .execution_options(populate_existing=True)).one()  # same identity: ``order`` is refreshed
    current = getattr(order, axis)
    target = next_state(axis, current, event)
    if target is None:
        raise IllegalTransition(axis, current, event)
    now = utcnow()
    setattr(order, axis, target)
    order.version += 1
    order.updated_at = now
    session.add(OrderHistory(order_id=order.id, axis=axis, from_status=current, to_status=target, event=event,
                             at=now, actor=actor, reason=reason or ""))
    session.flush()
    fire_after_commit(session, "orderly_order_status_changed", order_number=order.number, axis=axis,
                      from_status=current, to_status=target, actor=actor, reason=reason or "")
    return target


# --- cancelling and expiry ----------------------------------------------------------------------------

def refund_on_cancel(session, order: Order, reason: str, actor: str) -> None:
    """Hook point for payments: refund a paid order in full through its gateway as it is cancelled.

    ``saas.payments.service.refund_order_in_full(session, order, reason=, actor=)`` does the work (it must
    not commit). Until the payments domain is installed, a paid order cannot be cancelled.
    """
    try:
        from saas.payments.service import refund_order_in_full
    except ImportError as exc:
        if exc.name and not exc.name.startswith("saas.payments"):
            raise  # a missing third-party library must not look like a missing payments domain
        raise Conflict("paid orders cannot be cancelled until payments are installed")
    refund_order_in_full(session, order, reason=reason, actor=actor)


def cancel_order(session, number: str, reason: str, actor: str) -> Order:
    """Cancel an order that has not shipped, refund it if paid, release its stock; commits.

    Shipped or partly shipped → Conflict (409; that is an after-sales case). Already cancelled, completed
    or closed → IllegalTransition (409).
    """
    try:
        order = get_order_for_update(session, number)
        if order.status in SHIPPED_STATES or order.fulfilment_status in SHIPPED_STATES:
            raise Conflict(f"Order {number} has shipped; open an after-sales case instead of cancelling.")
        apply_transition(session, order, "status", "cancel", actor, reason)
        if order.fulfilment_status == "allocated":
            apply_transition(session, order, "fulfilment_status", "deallocate", actor, reason)
        if order.payment_status in REFUNDABLE_ON_CANCEL:
            refund_on_cancel(session, order, reason, actor)
        release_reservations(session, order.number, reason="order_cancelled", actor=actor)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return order


def _expire_one(session, number: str, now: dt.datetime) -> bool:
    """Expire one order in its own short transaction; False if it was paid or cancelled meanwhile."""
    try:
        order = get_order_for_update(session, number)
        if order.status != "pending_payment" or order.expires_at is None or order.expires_at > now:
            session.rollback()  # a payment (or a cancel) won the race: nothing to do
            return False
        apply_transition(session, order, "status", "expire", SYSTEM, "payment_timeout")
        release_reservations(session, number, reason="payment_timeout", actor=SYSTEM)
        session.commit()
        return True
    except BaseException:
        session.rollback()
        raise


def expire_unpaid_orders(session, now: dt.datetime | None = None) -> int:
    """Cancel online orders still pending payment past ``expires_at`` (reason ``payment_timeout``),
    releasing their stock; returns how many. Safe to race a payment: each order is locked and re-checked.

    A gateway success arriving after expiry is the payments domain's to refund.
    """
    now = now or utcnow()
    expired, seen = 0, set()
    while True:
        stmt = (select(Order.number).where(Order.status == "pending_payment", Order.payment_method == "online",
                                           Order.expires_at <= now)
                .order_by(Order.expires_at).limit(EXPIRY_BATCH))
        numbers = [n for n in session.scalars(stmt) if n not in seen]
        session.rollback()  # end the read: each order gets its own short write transaction
        for number in numbers:
            seen.add(number)
            expired += _expire_one(session, number, now)
        if not numbers:
            return expired


# --- lists --------------------------------------------------------------------------------------------

def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(q: str):
    """Number (exact or prefix), customer name, phone, external id, and what other domains register."""
    q = q.strip()
    terms = [Order.number == q.upper(), Order.number.like(_like(q.upper()) + "%", escape="\\"),
             Order.customer_name.ilike(f"%{_like(q)}%", escape="\\"),
             Order.customer_phone.like(f"%{_like(q)}%", escape="\\"),
             Order.ship_phone.like(f"%{_like(q)}%", escape="\\"), Order.external_id == q]
    return or_(*terms, *(clause(q) for clause in ORDER_SEARCH_CLAUSES))


def filtered_orders(filters: dict):
    stmt = select(Order)
    for field in ("status", "payment_status", "fulfilment_status", "channel"):
        if filters.get(field):
            stmt = stmt.where(getattr(Order, field) == filters[field])
    if filters.get("created_after"):
        stmt = stmt.where(Order.created_at >= filters["created_after"])
    if filters.get("created_before"):
        stmt = stmt.where(Order.created_at < filters["created_before"])
    if (filters.get("q") or "").strip():
        stmt = stmt.where(search_clause(filters["q"]))
    return stmt


def list_orders(session, filters: dict, limit: int = 50, cursor: str | None = None) -> tuple[list[Order], str | None]:
    """Newest first, filtered by status, payment_status, fulfilment_status, channel, created_after,
    created_before and ``q``; returns (orders, next_cursor)."""
    return paginate(session, filtered_orders(filters), Order.id, limit, cursor)


def count_by_status(session) -> dict[str, int]:
    """``{status: n}`` for the console's tabs (one GROUP BY over the status index)."""
    return dict(session.execute(select(Order.status, func.count()).group_by(Order.status)).all())


def dashboard_numbers(session, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = session.scalar(select(func.count()).select_from(Order).where(Order.created_at >= midnight))
    waiting = session.scalar(select(func.count()).select_from(Order)
                             .where(Order.status == "awaiting_fulfilment"))
    return {"today": today or 0, "awaiting_fulfilment": waiting or 0}
