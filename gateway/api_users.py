"""Users: create (admin), list, read, change, deactivate / activate."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from gateway import user_store
from gateway import users as rules
from gateway.auth import current_user
from gateway.context import gateway_context
from gateway.schemas import UserCreateIn, UserListQuery, UserOut, UserPage, UserPatchIn
from gateway.users import directory_view, public_view
from shared.errors import ValidationFailed
from shared.openapi import api_doc
from shared.outbox import EventContext
from shared.web import load, page_args, page_response, path_id, uuid_arg

bp = Blueprint("gateway_users", __name__, url_prefix="/api/v1/users")


def _event_context() -> EventContext:
    return EventContext(actor_id=current_user()["id"], correlation_id=g.get("request_id"))


@bp.post("")
@api_doc(body=UserCreateIn, response=UserOut, status=201, summary="Create a user (admin)",
         responses={403: "not an admin", 409: "duplicate username", 422: "invalid fields"})
def create_user():
    actor = current_user()
    rules.check_may_create(actor["role"])
    data = load(UserCreateIn())
    ctx = gateway_context()
    with ctx.engine.begin() as conn:
        row = user_store.create_user(conn, ctx.outbox, _event_context(), username=data["username"].strip(),
                                     password=data["password"], role=data["role"], full_name=data["full_name"],
                                     manager_id=data["manager_id"], region=data["region"] or ctx.settings.region)
    return jsonify(public_view(row)), 201


@bp.get("")
@api_doc(response=UserPage, query=UserListQuery,
         summary="List users, newest first (admins and managers: whole records; others: id, username and "
                 "full_name of active users)",
         responses={403: "a filter by role, manager or activity from another role"})
def list_users():
    actor = current_user()
    page, per_page = page_args()
    role = request.args.get("role") or None
    if role:
        rules.check_role(role)
    active_arg = request.args.get("active")
    active = None
    if active_arg not in (None, ""):
        if active_arg.lower() not in ("true", "false", "1", "0"):
            raise ValidationFailed("invalid filter", details={"active": ["must be true or false"]})
        active = active_arg.lower() in ("true", "1")
    manager_id = uuid_arg(request.args.get("manager_id"), "manager_id")
    rules.check_directory_filters(actor["role"], role=role, manager_id=manager_id, active=active)
    if actor["role"] not in rules.DIRECTORY_ROLES:
        active = True  # pickers: the people one may pick
    ctx = gateway_context()
    with ctx.engine.connect() as conn:
        rows, total = user_store.list_users(
            conn, page=page, per_page=per_page, role=role, manager_id=manager_id, active=active,
            q=(request.args.get("q") or "").strip()[:100] or None)
    return page_response([directory_view(r, actor["id"], actor["role"]) for r in rows], total, page, per_page)


@bp.get("/<user_id>")
@api_doc(response=UserOut, summary="One user (admins, managers and the user themself: the whole record; "
                                   "others: id, username and full_name)")
def get_user(user_id: str):
    actor = current_user()
    ctx = gateway_context()
    with ctx.engine.connect() as conn:
        return jsonify(directory_view(user_store.get_user(conn, path_id(user_id, "user")), actor["id"], actor["role"]))


@bp.patch("/<user_id>")
@api_doc(body=UserPatchIn, response=UserOut,
         summary="Change a user (admin; a user may change their own full_name). A new password, a new role "
                 "or a deactivation ends every session of the user at once")
def patch_user(user_id: str):
    target = path_id(user_id, "user")
    actor = current_user()
    data = load(UserPatchIn(), partial=True)
    rules.check_may_update(actor["id"], actor["role"], target, data)
    if data.get("active") is False:
        rules.check_may_deactivate(actor["id"], actor["role"], target)
    ctx = gateway_context()
    with ctx.engine.begin() as conn:
        row = user_store.update_user(conn, ctx.outbox, _event_context(), target, data)
    return jsonify(public_view(row))


def _set_active(user_id: str, active: bool):
    target = path_id(user_id, "user")
    actor = current_user()
    rules.check_may_deactivate(actor["id"], actor["role"], target)
    ctx = gateway_context()
    with ctx.engine.begin() as conn:
        row = user_store.update_user(conn, ctx.outbox, _event_context(), target, {"active": active})
    return jsonify(public_view(row))


@bp.post("/<user_id>/deactivate")
@api_doc(response=UserOut, summary="Deactivate a user (admin): every session of the user ends at once")
def deactivate_user(user_id: str):
    return _set_active(user_id, False)


@bp.post("/<user_id>/activate")
@api_doc(response=UserOut, summary="Activate a user again (admin)")
def activate_user(user_id: str):
    return _set_active(user_id, True)
