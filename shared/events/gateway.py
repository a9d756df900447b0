"""Events the gateway publishes: users, roles and the manager hierarchy."""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import uuid_str

ROLES = ("admin", "manager", "sales", "finance", "warehouse")

_USER_SAMPLE = {
    "id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "username": "zhangsan",
    "full_name": "张三",
    "role": "sales",
    "manager_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c",
    "active": True,
    "region": "cn-east",
}


class UserSnapshot(Schema):
    id = uuid_str(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    manager_id = uuid_str(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    region = fields.String(required=True, allow_none=True)


@register("gateway.user.created", sample=_USER_SAMPLE,
          summary_en="user {username} created", summary_zh="创建了用户 {username}")
class UserCreated(UserSnapshot):
    pass


@register("gateway.user.updated", sample=_USER_SAMPLE,
          summary_en="user {username} updated", summary_zh="修改了用户 {username}")
class UserUpdated(UserSnapshot):
    pass


@register("gateway.user.deactivated", sample={**_USER_SAMPLE, "active": False},
          summary_en="user {username} deactivated", summary_zh="停用了用户 {username}")
class UserDeactivated(UserSnapshot):
    pass
