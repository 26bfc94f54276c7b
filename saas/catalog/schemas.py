from marshmallow import Schema, fields, validate

from saas.api.pagination import PageArgs, page_of
from saas.money import SUPPORTED_CURRENCIES


class MoneySchema(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**13))
    currency = fields.String(required=True, validate=validate.OneOf(sorted(SUPPORTED_CURRENCIES)))


class VariantIn(Schema):
    sku = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    price = fields.Nested(MoneySchema, required=True)
    weight_grams = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1_000_000))
    barcode = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    active = fields.Boolean(load_default=True)


class VariantPatch(VariantIn):
    """Matched by ``sku``; only the given fields change (a new ``sku`` needs name and price)."""
    name = fields.String(validate=validate.Length(min=1, max=200))
    price = fields.Nested(MoneySchema)
    weight_grams = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    barcode = fields.String(allow_none=True, validate=validate.Length(max=64))
    active = fields.Boolean()


class ProductIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    active = fields.Boolean(load_default=True)
    variants = fields.List(fields.Nested(VariantIn), required=True, validate=validate.Length(min=1, max=100))


class ProductPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    active = fields.Boolean()
    variants = fields.List(fields.Nested(VariantPatch), validate=validate.Length(max=100))


class VariantOut(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    price = fields.Function(lambda v: v.price.as_dict())
    weight_grams = fields.Integer()
    barcode = fields.String(allow_none=True)
    active = fields.Boolean()


class ProductOut(Schema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()
    variants = fields.List(fields.Nested(VariantOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


ProductPage = page_of(ProductOut, "ProductPage")


class ProductListArgs(PageArgs):
    q = fields.String(load_default=None, metadata={"description": "Matches name, SKU or barcode."})
