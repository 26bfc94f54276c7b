from marshmallow import Schema, fields, validate

from saas.api.auth import SCOPES
from saas.api.pagination import page_of


class SignupIn(Schema):
    shop_name = fields.String(required=True)
    slug = fields.String(required=True)
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TenantOut(Schema):
    slug = fields.String()
    name = fields.String()


class UserOut(Schema):
    email = fields.String()


class SignupOut(Schema):
    tenant = fields.Nested(TenantOut)
    user = fields.Nested(UserOut)
    api_key = fields.String(metadata={"description": "Shown once; only its hash is stored."})


class ApiKeyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(min=1))


class ApiKeyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    key = fields.String(metadata={"description": "Present only in the response that creates the key."})


ApiKeyPage = page_of(ApiKeyOut, "ApiKeyPage")
