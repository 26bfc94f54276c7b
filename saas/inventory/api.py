"""Warehouses, stock levels, adjustments, the ledger and purchase orders (API.md 'Catalogue and inventory')."""
from flask.views import MethodView
from flask_smorest import Blueprint

from saas.api.auth import api_actor, require_scope
from saas.extensions import db
from saas.inventory import purchasing, service
from saas.inventory.schemas import (AdjustmentIn, MovementArgs, MovementPage, PurchaseOrderIn,
                                    PurchaseOrderListArgs, PurchaseOrderOut, PurchaseOrderPage, ReceiptIn,
                                    SafetyStockIn, StockArgs, StockLevelOut, StockList, WarehouseIn,
                                    WarehouseList, WarehouseOut)

blp = Blueprint("inventory_api", __name__, description="Warehouses, stock and purchase orders")
READ = ("inventory:read", "inventory:write")


@blp.route("/warehouses")
class Warehouses(MethodView):
    @require_scope(*READ)
    @blp.response(200, WarehouseList)
    def get(self):
        """Warehouses by priority (lower ships first)."""
        return {"items": service.list_warehouses(db.session), "next_cursor": None}

    @require_scope("inventory:write")
    @blp.arguments(WarehouseIn)
    @blp.response(201, WarehouseOut)
    def post(self, data):
        warehouse = service.create_warehouse(db.session, **data)
        db.session.commit()
        return warehouse


@blp.route("/stock", methods=["GET"])
@require_scope(*READ)
@blp.arguments(StockArgs, location="query")
@blp.response(200, StockList)
def stock(args):
    """Per SKU and warehouse: on_hand, reserved, available (= on_hand - reserved), safety_stock."""
    return {"items": service.list_stock(db.session, args["sku"], args["warehouse"]), "next_cursor": None}


@blp.route("/stock/<sku>/<warehouse>/safety-stock", methods=["PUT"])
@require_scope("inventory:write")
@blp.arguments(SafetyStockIn)
@blp.response(200, StockLevelOut)
def safety_stock(data, sku, warehouse):
    """Set the low-stock threshold; available at or under it raises one ``low_stock`` alert."""
    level = service.set_safety_stock(db.session, sku, warehouse, data["safety_stock"])
    db.session.commit()
    return level


@blp.route("/stock/adjustments", methods=["POST"])
@require_scope("inventory:write")
@blp.arguments(AdjustmentIn)
@blp.response(201, StockLevelOut)
def adjustment(data):
    """Change on_hand by ``delta`` (stocktake, damage…); taking it below what is reserved is a 409."""
    level = service.adjust_stock(db.session, data["sku"], data["warehouse"], data["delta"], data["reason"],
                                 api_actor(), data["reference"])
    db.session.commit()
    return level


@blp.route("/stock/movements", methods=["GET"])
@require_scope(*READ)
@blp.arguments(MovementArgs, location="query")
@blp.response(200, MovementPage)
def movements(args):
    """The ledger, newest first; summing it gives today's levels."""
    rows, cursor = service.list_movements(db.session, args["sku"], args["warehouse"], args["limit"], args["cursor"])
    return {"items": rows, "next_cursor": cursor}


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @require_scope(*READ)
    @blp.arguments(PurchaseOrderListArgs, location="query")
    @blp.response(200, PurchaseOrderPage)
    def get(self, args):
        rows, cursor = purchasing.list_purchase_orders(db.session, args["status"], args["limit"], args["cursor"])
        return {"items": rows, "next_cursor": cursor}

    @require_scope("inventory:write")
    @blp.arguments(PurchaseOrderIn)
    @blp.response(201, PurchaseOrderOut)
    def post(self, data):
        po = purchasing.create_purchase_order(db.session, data["supplier"], data["lines"], data["expected_date"],
                                              data["warehouse"], data["note"])
        db.session.commit()
        return po


@blp.route("/purchase-orders/<int:po_id>", methods=["GET"])
@require_scope(*READ)
@blp.response(200, PurchaseOrderOut)
def purchase_order(po_id):
    return purchasing.get_purchase_order(db.session, po_id)


@blp.route("/purchase-orders/<int:po_id>/receive", methods=["POST"])
@require_scope("inventory:write")
@blp.arguments(ReceiptIn)
@blp.response(200, PurchaseOrderOut)
def receive(data, po_id):
    """Book a (partial) receipt; more than is outstanding on a line is a 409."""
    lines = [(line["sku"], line["quantity"]) for line in data["lines"]]
    po = purchasing.receive_purchase_order(db.session, po_id, lines, api_actor(), data["warehouse"])
    db.session.commit()
    return po
