"""User rules with no framework imports: roles, who may change what, the manager
hierarchy (no cycles), and the snapshot every user event carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import Conflict, Forbidden, ValidationFailed

ROLES = ("admin", "manager", "sales", "finance", "warehouse")
# who reads the whole directory (roles, managers, activity); the others get names and ids
DIRECTORY_ROLES = ("admin", "manager")
DIRECTORY_FIELDS = ("id", "username", "full_name")
ADMIN_FIELDS = {"full_name", "role", "manager_id", "region", "active", "password"}
SELF_FIELDS = {"full_name"}
MAX_DEPTH = 1000


def snapshot(user: Mapping[str, Any]) -> dict[str, Any]:
    """The full state carried by gateway.user.* events (shared.events.gateway.UserSnapshot)."""
    return {
        "id": str(user["id"]),
        "username": user["username"],
        "full_name": user.get("full_name"),
        "role": user["role"],
        "manager_id": str(user["manager_id"]) if user.get("manager_id") else None,
        "active": bool(user["active"]),
        "region": user.get("region"),
    }


def public_view(user: Mapping[str, Any]) -> dict[str, Any]:
    """A user as the API answers it (never the password hash)."""
    out = snapshot(user)
    out["must_change_password"] = bool(user.get("must_change_password", False))
    created = user.get("created_at")
    out["created_at"] = created.isoformat() if created is not None else None
    return out


def directory_view(user: Mapping[str, Any], actor_id: str, actor_role: str) -> dict[str, Any]:
    """A user as GET /users answers it to this caller: the whole record for admins,
    managers and the user themself, names and ids (for pickers) for everyone else."""
    full = public_view(user)
    if actor_role in DIRECTORY_ROLES or full["id"] == actor_id:
        return full
    return {name: full[name] for name in DIRECTORY_FIELDS}


def check_directory_filters(actor_role: str, *, role: str | None, manager_id: str | None,
                            active: bool | None) -> None:
    """Filters that would tell roles, hierarchy or activity are for admins and managers."""
    if actor_role in DIRECTORY_ROLES:
        return
    refused = [name for name, value in (("role", role), ("manager_id", manager_id)) if value]
    if active is False:
        refused.append("active")
    if refused:
        raise Forbidden("only admins and managers may filter users by role, manager or activity",
                        details={name: ["admins and managers only"] for name in refused})


def session_ending_change(before: Mapping[str, Any], after: Mapping[str, Any], *,
                          password_changed: bool) -> str | None:
    """Why a change to a user ends all their sessions (None: it does not)."""
    if password_changed:
        return "password_reset"
    if before["active"] and not after["active"]:
        return "deactivated"
    if before["role"] != after["role"]:
        return "role_changed"
    return None


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed("unknown role", details={"role": [f"must be one of: {', '.join(ROLES)}"]})


def check_may_create(actor_role: str) -> None:
    if actor_role != "admin":
        raise Forbidden("only an admin may create users")


def check_may_update(actor_id: str, actor_role: str, target_id: str, changes: Mapping[str, Any]) -> None:
    """Admins change anything but their own role and activity (so the last admin cannot
    lock everyone out); a user may change only their own full name."""
    if actor_role == "admin":
        if actor_id == target_id and (changes.get("role", "admin") != "admin" or changes.get("active") is False):
            raise Conflict("you cannot demote or deactivate yourself", code="cannot_change_own_role")
        return
    if actor_id != target_id:
        raise Forbidden("only an admin may change other users")
    forbidden = sorted(set(changes) - SELF_FIELDS)
    if forbidden:
        raise Forbidden("only an admin may change these fields", details={f: ["admin only"] for f in forbidden})


def check_may_deactivate(actor_id: str, actor_role: str, target_id: str) -> None:
    if actor_role != "admin":
        raise Forbidden("only an admin may deactivate users")
    if actor_id == target_id:
        raise Conflict("you cannot deactivate yourself", code="cannot_deactivate_self")


def check_manager(user_id: str | None, manager_id: str | None,
                  manager_of: Callable[[str], str | None | bool]) -> None:
    """manager_id must name an existing user and must not make a cycle.

    manager_of(uid) returns that user's manager id, None when they have none, or False
    when the user does not exist.
    """
    if manager_id is None:
        return
    if user_id is not None and manager_id == user_id:
        raise ValidationFailed("a user cannot be their own manager", code="manager_cycle",
                               details={"manager_id": ["cannot be the user themself"]})
    current: str | None = manager_id
    first = True
    for _ in range(MAX_DEPTH):
        parent = manager_of(current)  # type: ignore[arg-type]
        if parent is False:
            if first:
                raise ValidationFailed("manager does not exist", details={"manager_id": ["no such user"]})
            return
        first = False
        if parent is None:
            return
        if user_id is not None and parent == user_id:
            raise ValidationFailed("the manager hierarchy would have a cycle", code="manager_cycle",
                                   details={"manager_id": ["would make a cycle in the hierarchy"]})
        current = parent  # type: ignore[assignment]
    raise ValidationFailed("the manager hierarchy is too deep or has a cycle", code="manager_cycle",
                           details={"manager_id": ["hierarchy too deep"]})
