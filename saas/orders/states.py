"""The three state machines of an order, each one table (DESIGN.md 'Orders').

``TRANSITIONS[axis][(current, event)] -> next``. Only ``saas.orders.service.apply_transition`` changes an
order's state: it locks the row, re-checks, writes, records history and fires the hook.
"""
from __future__ import annotations

STATUS = {
    ("pending_payment", "pay"): "awaiting_fulfilment",
    ("pending_payment", "cancel"): "cancelled",
    ("pending_payment", "expire"): "cancelled",
    ("awaiting_fulfilment", "cancel"): "cancelled",
    ("awaiting_fulfilment", "ship_part"): "partially_shipped",
    ("awaiting_fulfilment", "ship_all"): "shipped",
    ("partially_shipped", "ship_part"): "partially_shipped",
    ("partially_shipped", "ship_all"): "shipped",
    ("shipped", "deliver"): "delivered",
    ("delivered", "complete"): "completed",
    ("shipped", "close"): "closed",
    ("delivered", "close"): "closed",
    ("completed", "close"): "closed",
    ("awaiting_fulfilment", "close"): "closed",
}

PAYMENT_STATUS = {
    ("unpaid", "start"): "pending",
    ("unpaid", "succeed"): "paid",
    ("unpaid", "fail"): "failed",
    ("pending", "succeed"): "paid",
    ("pending", "fail"): "failed",
    ("pending", "abandon"): "unpaid",
    ("failed", "start"): "pending",
    ("failed", "succeed"): "paid",
    ("paid", "refund_part"): "partially_refunded",
    ("paid", "refund_all"): "refunded",
    ("partially_refunded", "refund_part"): "partially_refunded",
    ("partially_refunded", "refund_all"): "refunded",
    ("cod_due", "collect"): "cod_collected",
    ("cod_collected", "refund_part"): "partially_refunded",
    ("cod_collected", "refund_all"): "refunded",
}

FULFILMENT_STATUS = {
    ("unfulfilled", "allocate"): "allocated",
    ("unfulfilled", "ship_part"): "partially_shipped",
    ("unfulfilled", "ship_all"): "shipped",
    ("allocated", "ship_part"): "partially_shipped",
    ("allocated", "ship_all"): "shipped",
    ("allocated", "deallocate"): "unfulfilled",
    ("partially_shipped", "ship_part"): "partially_shipped",
    ("partially_shipped", "ship_all"): "shipped",
    ("shipped", "deliver"): "delivered",
}

TRANSITIONS = {"status": STATUS, "payment_status": PAYMENT_STATUS, "fulfilment_status": FULFILMENT_STATUS}
INITIAL = {
    "online": {"status": "pending_payment", "payment_status": "unpaid", "fulfilment_status": "unfulfilled"},
    "cod": {"status": "awaiting_fulfilment", "payment_status": "cod_due", "fulfilment_status": "unfulfilled"},
}
TERMINAL_STATUSES = frozenset({"cancelled", "closed", "completed"})


def states_of(axis: str) -> set[str]:
    table = TRANSITIONS[axis]
    return {s for s, _ in table} | set(table.values())


def next_state(axis: str, current: str, event: str) -> str | None:
    """The state ``event`` leads to from ``current``, or None when the machine forbids it."""
    return TRANSITIONS[axis].get((current, event))
