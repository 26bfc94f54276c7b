"""An order as the API, the plugin hooks and the console show it.

Other domains add their part of the detail (payments, shipments, after-sales, alerts) by registering a
function in ``ORDER_DETAIL_SECTIONS``; orders never import them.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import object_session

from saas.inventory.service import reservations_for
from saas.orders.models import Order

# section name -> fn(session, order) -> list of dicts. Sections nobody registered are shown empty.
ORDER_DETAIL_SECTIONS: dict[str, Callable[[object, Order], list]] = {}
DEFAULT_SECTIONS = ("payments", "shipments", "after_sales", "alerts")


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def customer_dict(order: Order) -> dict:
    return {"name": order.customer_name, "phone": order.customer_phone, "email": order.customer_email}


def address_dict(order: Order) -> dict:
    fields = ("name", "phone", "country", "province", "city", "district", "line1", "line2", "postcode")
    return {field: getattr(order, f"ship_{field}") for field in fields}


def lines_list(order: Order) -> list[dict]:
    return [{"sku": line.sku, "name": line.name, "quantity": line.quantity,
             "unit_price": order.money(line.unit_price_amount).as_dict(),
             "line_total": order.money(line.line_total_amount).as_dict()} for line in order.lines]


def totals_dict(order: Order) -> dict:
    return {name: order.money(getattr(order, f"{name}_amount")).as_dict()
            for name in ("subtotal", "shipping", "discount", "total")}


def history_list(order: Order) -> list[dict]:
    return [{"axis": h.axis, "from": h.from_status, "to": h.to_status, "event": h.event, "at": _time(h.at),
             "actor": h.actor, "reason": h.reason} for h in order.history]


def order_as_dict(order: Order, detail: bool = True) -> dict:
    """The order as the API returns it. ``detail=False`` (lists) leaves out reservations, history and the
    other domains' sections, which cost a query each."""
    body = {"number": order.number, "status": order.status, "payment_status": order.payment_status,
            "fulfilment_status": order.fulfilment_status, "channel": order.channel,
            "external_id": order.external_id, "customer": customer_dict(order),
            "shipping_address": address_dict(order), "payment_method": order.payment_method,
            "lines": lines_list(order), "totals": totals_dict(order), "expires_at": _time(order.expires_at),
            "created_at": _time(order.created_at), "note": order.note}
    if detail:
        session = object_session(order)
        body["reservations"] = [{"sku": r.sku, "warehouse": r.warehouse, "quantity": r.quantity}
                                for r in reservations_for(session, order.number)]
        body["history"] = history_list(order)
        for name in DEFAULT_SECTIONS:
            body[name] = []
        for name, section in ORDER_DETAIL_SECTIONS.items():
            body[name] = section(session, order)
    return body
