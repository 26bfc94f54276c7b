"""The shape of an order as the API takes and gives it. ``OrderIn`` is also what ``create_order`` validates
every caller's input with (API, console, channel sync), so the field rules live here once."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from saas.api.pagination import PageArgs, page_of
from saas.money import MAX_AMOUNT, SUPPORTED_CURRENCIES
from saas.orders.states import states_of

MAX_LINES = 500
MAX_LINE_QUANTITY = 10_000


class WholeNumber(fields.Integer):
    """An int and nothing else: no "5", no 5.0, no true."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """A trimmed string; ``required`` ones may not be blank."""

    def __init__(self, max_length: int, required: bool = False, **kwargs):
        minimum = 1 if required else 0
        if not required:
            kwargs.setdefault("load_default", "")
        super().__init__(required=required, validate=validate.Length(min=minimum, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Loose(Schema):
    class Meta:
        unknown = EXCLUDE  # extra fields (a channel's own keys) are ignored, not refused


class MoneyIn(Loose):
    amount = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_AMOUNT))
    currency = fields.String(required=True, validate=validate.OneOf(sorted(SUPPORTED_CURRENCIES),
                                                                     error="Unsupported currency."))


class CustomerIn(Loose):
    name = Text(120, required=True)
    phone = Text(40)
    email = Text(254)


class AddressIn(Loose):
    name = Text(120, required=True)
    phone = Text(40, required=True)
    country = Text(60, required=True)
    province = Text(120, required=True)
    city = Text(120, required=True)
    district = Text(120)
    line1 = Text(300, required=True)
    line2 = Text(300)
    postcode = Text(20)


class LineIn(Loose):
    sku = Text(64, required=True)
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))
    unit_price = fields.Nested(MoneyIn, load_default=None)


class OrderIn(Loose):
    channel = fields.String(load_default="api", validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$"))
    external_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120))
    customer = fields.Nested(CustomerIn, required=True)
    shipping_address = fields.Nested(AddressIn, required=True)
    lines = fields.List(fields.Nested(LineIn), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES,
                                                 error=f"Give 1 to {MAX_LINES} lines."))
    payment_method = fields.String(required=True, validate=validate.OneOf(["online", "cod"]))
    note = Text(2000)


class CancelIn(Loose):
    reason = Text(500)


class OrderFilters(PageArgs):
    status = fields.String(validate=validate.OneOf(sorted(states_of("status"))))
    payment_status = fields.String(validate=validate.OneOf(sorted(states_of("payment_status"))))
    fulfilment_status = fields.String(validate=validate.OneOf(sorted(states_of("fulfilment_status"))))
    channel = fields.String(validate=validate.Length(max=40))
    created_after = fields.AwareDateTime(default_timezone=None)
    created_before = fields.AwareDateTime(default_timezone=None)
    q = fields.String(validate=validate.Length(max=120))


class MoneyOut(Schema):
    amount = fields.Integer()
    currency = fields.String()


class OrderOut(Schema):
    """The order as ``order_as_dict`` builds it (documented here for the OpenAPI document)."""
    number = fields.String()
    status = fields.String()
    payment_status = fields.String()
    fulfilment_status = fields.String()
    channel = fields.String()
    external_id = fields.String(allow_none=True)
    customer = fields.Dict()
    shipping_address = fields.Dict()
    payment_method = fields.String()
    lines = fields.List(fields.Dict())
    totals = fields.Dict(keys=fields.String(), values=fields.Nested(MoneyOut))
    reservations = fields.List(fields.Dict())
    expires_at = fields.String(allow_none=True)
    created_at = fields.String()
    note = fields.String()
    history = fields.List(fields.Dict())
    payments = fields.List(fields.Dict())
    payment_url = fields.String(allow_none=True)
    shipments = fields.List(fields.Dict())
    after_sales = fields.List(fields.Dict())
    alerts = fields.List(fields.Dict())


OrderPage = page_of(OrderOut, "OrderPage")
