from marshmallow import Schema, fields, validate

from saas.api.pagination import PageArgs, page_of


class AlertArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "resolved"]))
    type = fields.String(load_default=None)


class AlertOut(Schema):
    id = fields.Integer()
    type = fields.String()
    severity = fields.String()
    subject = fields.String()
    message = fields.String()
    data = fields.Dict()
    status = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)


AlertPage = page_of(AlertOut, "AlertPage")
