from marshmallow import Schema, fields, validate

from saas.api.pagination import page_of
from saas.catalog.schemas import MoneySchema


class PaymentStartIn(Schema):
    integration = fields.Integer(load_default=None, allow_none=True, strict=True)
    gateway = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    return_url = fields.Url(load_default=None, allow_none=True, require_tld=False,
                            schemes={"http", "https"}, validate=validate.Length(max=2000))


class ActionOut(Schema):
    type = fields.String(metadata={"description": "redirect | qr_code | client_secret | none"})
    value = fields.String()


class RefundOut(Schema):
    id = fields.String()
    payment = fields.String(allow_none=True)
    amount = fields.Dict()
    status = fields.String()
    manual = fields.Boolean()
    reason = fields.String()
    gateway_reference = fields.String(allow_none=True)
    failure_message = fields.String(allow_none=True)
    created_at = fields.String()


class PaymentOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    gateway = fields.String()
    integration = fields.Integer(allow_none=True)
    status = fields.String()
    amount = fields.Dict()
    action = fields.Nested(ActionOut)
    gateway_reference = fields.String(allow_none=True)
    failure_code = fields.String(allow_none=True)
    failure_message = fields.String(allow_none=True)
    captured = fields.Dict()
    refunded = fields.Dict()
    refunds = fields.List(fields.Nested(RefundOut))
    created_at = fields.String()
    updated_at = fields.String()


PaymentList = page_of(PaymentOut, "PaymentList")


class RefundIn(Schema):
    amount = fields.Nested(MoneySchema, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class RefundList(Schema):
    items = fields.List(fields.Nested(RefundOut))
