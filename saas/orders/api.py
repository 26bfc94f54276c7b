"""Orders over REST (API.md 'Orders'). Thin: parse, call one service, render."""
from __future__ import annotations

import json

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from saas.api.auth import api_actor, require_scope
from saas.errors import DomainError
from saas.extensions import db
from saas.orders import jobs  # noqa: F401  (registers the periodic expiry job at app start)
from saas.orders import service
from saas.orders.schemas import CancelIn, OrderFilters, OrderIn, OrderOut, OrderPage

blp = Blueprint("orders_api", __name__, description="Orders")


def _json_body():
    """The parsed body, any Content-Type; the service validates its shape field by field."""
    try:
        return json.loads(request.get_data())
    except ValueError:  # also UnicodeDecodeError
        raise DomainError("The request body is not valid JSON.")


@blp.route("/orders")
class Orders(MethodView):
    @require_scope("orders:read", "orders:write")
    @blp.arguments(OrderFilters, location="query")
    @blp.response(200, OrderPage)
    def get(self, args):
        """Orders, newest first, filtered by status, payment_status, fulfilment_status, channel,
        created_after, created_before and ``q`` (number, customer name, phone)."""
        limit, cursor = args.pop("limit"), args.pop("cursor")
        orders, next_cursor = service.list_orders(db.session, args, limit, cursor)
        return {"items": [service.order_as_dict(o, detail=False) for o in orders], "next_cursor": next_cursor}

    @require_scope("orders:write")
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OrderIn}}})
    @blp.response(201, OrderOut, description="The new order; stock for every line is reserved.")
    @blp.alt_response(200, schema=OrderOut, description="(channel, external_id) existed: that order.")
    @blp.alt_response(409, description="Not enough stock: ``errors`` names each short SKU.")
    def post(self):
        """Take an order: reserve stock for every line, or nothing (409 naming each short SKU)."""
        order, created = service.create_order(db.session, _json_body(), api_actor())
        return service.order_as_dict(order), 201 if created else 200


@blp.route("/orders/<string:number>")
class OrderItem(MethodView):
    @require_scope("orders:read", "orders:write")
    @blp.response(200, OrderOut)
    def get(self, number):
        """The order with its history, reservations, payments, shipments, after-sales cases and alerts."""
        return service.order_as_dict(service.get_order(db.session, number))


@blp.route("/orders/<string:number>/cancel", methods=["POST"])
@require_scope("orders:write")
@blp.arguments(CancelIn)
@blp.response(200, OrderOut)
def cancel(args, number):
    """Cancel an unshipped order: stock is released and a paid order refunded. Shipped → 409."""
    order = service.cancel_order(db.session, number, args.get("reason", ""), api_actor())
    return service.order_as_dict(order)
