from marshmallow import Schema, fields, validate

from saas.api.pagination import page_of


class IntegrationIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["payment_gateway", "courier", "channel"]))
    plugin = fields.String(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=120))
    settings = fields.Dict(load_default=dict)
    credentials = fields.Dict(load_default=dict, load_only=True)


class IntegrationPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    enabled = fields.Boolean()
    settings = fields.Dict()
    credentials = fields.Dict(load_only=True)


class IntegrationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    plugin = fields.String()
    name = fields.String()
    enabled = fields.Boolean()
    settings = fields.Dict()
    hook_url = fields.String(metadata={"description": "Hand this URL to the provider for notifications."})
    created_at = fields.DateTime()


IntegrationPage = page_of(IntegrationOut, "IntegrationPage")


class PluginOut(Schema):
    kind = fields.String()
    name = fields.String()
    label = fields.String()
    settings_schema = fields.Dict()
    credentials_schema = fields.Dict()


class PluginList(Schema):
    items = fields.List(fields.Nested(PluginOut))
