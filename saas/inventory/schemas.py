from marshmallow import Schema, fields, validate

from saas.api.pagination import PageArgs, page_of
from saas.catalog.schemas import MoneySchema

Quantity = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000), **kw)  # noqa: E731


class WarehouseIn(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    region = fields.String(load_default="", validate=validate.Length(max=120))
    address = fields.String(load_default="", validate=validate.Length(max=2000))
    priority = fields.Integer(load_default=100, strict=True, validate=validate.Range(min=0, max=10_000),
                              metadata={"description": "Lower ships first."})


class WarehouseOut(WarehouseIn):
    id = fields.Integer()
    created_at = fields.DateTime()


WarehouseList = page_of(WarehouseOut, "WarehouseList")


class StockArgs(Schema):
    sku = fields.String(load_default=None)
    warehouse = fields.String(load_default=None)


class MovementArgs(PageArgs, StockArgs):
    pass


class StockLevelOut(Schema):
    sku = fields.Function(lambda level: level.sku.sku)
    warehouse = fields.Function(lambda level: level.warehouse.code)
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    safety_stock = fields.Integer()


StockList = page_of(StockLevelOut, "StockList")


class SafetyStockIn(Schema):
    safety_stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))


class AdjustmentIn(Schema):
    sku = fields.String(required=True)
    warehouse = fields.String(required=True)
    delta = fields.Integer(required=True, strict=True, validate=[
        validate.Range(min=-1_000_000, max=1_000_000), validate.NoneOf([0], error="Must not be 0.")])
    reason = fields.String(required=True, validate=validate.Length(min=1, max=60))
    reference = fields.String(load_default="", validate=validate.Length(max=120))


class MovementOut(Schema):
    id = fields.Integer()
    sku = fields.Function(lambda m: m.sku.sku)
    warehouse = fields.Function(lambda m: m.warehouse.code)
    delta_on_hand = fields.Integer()
    delta_reserved = fields.Integer()
    reason = fields.String()
    reference = fields.String()
    actor = fields.String()
    created_at = fields.DateTime()


MovementPage = page_of(MovementOut, "MovementPage")


class PurchaseLineIn(Schema):
    sku = fields.String(required=True)
    quantity = Quantity(required=True)
    unit_cost = fields.Nested(MoneySchema, load_default=None)


class PurchaseOrderIn(Schema):
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=200))
    expected_date = fields.Date(load_default=None)
    warehouse = fields.String(load_default=None, metadata={"description": "Default destination of receipts."})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(PurchaseLineIn), required=True, validate=validate.Length(min=1, max=500))


class PurchaseLineOut(Schema):
    sku = fields.Function(lambda line: line.sku.sku)
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    unit_cost = fields.Function(lambda line: {"amount": line.unit_cost_amount, "currency": line.currency})


class PurchaseOrderOut(Schema):
    id = fields.Integer()
    supplier = fields.String()
    expected_date = fields.Date(allow_none=True)
    warehouse = fields.Function(lambda po: po.warehouse.code if po.warehouse else None)
    status = fields.String()
    note = fields.String()
    lines = fields.List(fields.Nested(PurchaseLineOut))
    created_at = fields.DateTime()


PurchaseOrderPage = page_of(PurchaseOrderOut, "PurchaseOrderPage")


class PurchaseOrderListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["open", "partially_received", "received", "cancelled"]))


class ReceiptLineIn(Schema):
    sku = fields.String(required=True)
    quantity = Quantity(required=True)


class ReceiptIn(Schema):
    lines = fields.List(fields.Nested(ReceiptLineIn), required=True, validate=validate.Length(min=1, max=500))
    warehouse = fields.String(load_default=None)
