"""Request and response bodies of the gateway's own endpoints (marshmallow)."""

from marshmallow import Schema, ValidationError, fields, validate

from gateway.passwords import password_problems
from shared.events.fields import uuid_str


def _policy(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise ValidationError(problems)


_password_rules = [validate.Length(max=200), _policy]
_password = {"required": True, "validate": _password_rules}


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = fields.String(required=True, validate=validate.Length(max=200))
    remember = fields.Boolean(load_default=False, metadata={
        "description": "true: the refresh token is set as an HttpOnly cookie (path /api/v1/auth) instead "
                       "of being returned in the body (also with the header X-CRM-Client: portal)"})


class RefreshIn(Schema):
    refresh_token = fields.String(validate=validate.Length(max=200), metadata={
        "description": "the current refresh token; without it, the refresh cookie is used"})


class TokenOut(Schema):
    access_token = fields.String(metadata={"description": "bearer token, valid expires_in seconds (at most "
                                                          "900) while its session lives"})
    token_type = fields.String()
    expires_in = fields.Integer()
    refresh_token = fields.String(metadata={
        "description": "opaque; exchange it at POST /auth/refresh for new tokens (it works once); absent when "
                       "it was set as a cookie"})
    refresh_expires_in = fields.Integer(metadata={"description": "seconds the refresh token stays valid unused"})
    user = fields.Dict(metadata={"description": "a refresh through the portal's cookie: the user, as GET /auth/me "
                                                "answers it (one round trip less when a page is reloaded)"})
    password_change_required = fields.Boolean(metadata={"description": "present and true when the password "
                                                        "must be changed before any other call"})


class PasswordChangeIn(Schema):
    old_password = fields.String(required=True, validate=validate.Length(max=200))
    new_password = fields.String(**_password)


class UserCreateIn(Schema):
    username = fields.String(required=True, validate=[
        validate.Length(min=1, max=150),
        validate.Regexp(r"^[^\s/]+$", error="no spaces or slashes"),
    ])
    password = fields.String(**_password)
    full_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    role = fields.String(required=True)
    manager_id = uuid_str(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class UserPatchIn(Schema):
    full_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    role = fields.String()
    manager_id = uuid_str(allow_none=True)
    region = fields.String(allow_none=True, validate=validate.Length(max=40))
    active = fields.Boolean()
    password = fields.String(validate=_password_rules)


_PRIVILEGED = "only for admins and managers (and in the caller's own record)"


class UserOut(Schema):
    id = fields.String()
    username = fields.String()
    full_name = fields.String(allow_none=True)
    role = fields.String(metadata={"description": _PRIVILEGED})
    manager_id = fields.String(allow_none=True, metadata={"description": _PRIVILEGED})
    active = fields.Boolean(metadata={"description": _PRIVILEGED})
    region = fields.String(allow_none=True, metadata={"description": _PRIVILEGED})
    must_change_password = fields.Boolean(metadata={"description": _PRIVILEGED})
    created_at = fields.String(allow_none=True, metadata={"description": _PRIVILEGED})


class UserPage(Schema):
    items = fields.List(fields.Nested(UserOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class UserListQuery(Schema):
    """Query parameters of GET /users (documentation; the handler checks them)."""

    page = fields.Integer(metadata={"description": "from 1"})
    per_page = fields.Integer(metadata={"description": "1 to 200, default 50"})
    role = fields.String(metadata={"description": "admin, manager, sales, finance or warehouse (admins and "
                                                  "managers only)"})
    manager_id = fields.String(metadata={"description": "direct reports of this user (admins and managers only)"})
    active = fields.Boolean(metadata={"description": "admins and managers only; other roles see active users"})
    q = fields.String(metadata={"description": "part of the username or full name"})


class SavedView(Schema):
    name = fields.String(required=True, metadata={"description": "the view's name, unique per list"})
    query = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "list filters"})


class PreferencesDoc(Schema):
    """The portal's per-user settings; a PUT replaces the parts it names."""

    language = fields.String(allow_none=True, validate=validate.OneOf(["zh-CN", "en"]))
    saved_views = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(SavedView)))
    columns = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
