"""User rules: roles, permissions, the manager hierarchy without cycles."""

from __future__ import annotations

import pytest

from gateway import users as rules
from shared import events
from shared.errors import Conflict, Forbidden, ValidationFailed

A, B, C, D = (f"00000000-0000-0000-0000-00000000000{i}" for i in range(1, 5))


def lookup(managers: dict[str, str | None]):
    return lambda uid: managers.get(uid, False)


def test_roles_checked():
    for role in rules.ROLES:
        rules.check_role(role)
    with pytest.raises(ValidationFailed) as exc:
        rules.check_role("boss")
    assert "role" in exc.value.details


def test_only_admin_creates():
    rules.check_may_create("admin")
    for role in ("manager", "sales", "finance", "warehouse"):
        with pytest.raises(Forbidden):
            rules.check_may_create(role)


def test_manager_must_exist():
    with pytest.raises(ValidationFailed) as exc:
        rules.check_manager(A, B, lookup({A: None}))
    assert exc.value.details == {"manager_id": ["no such user"]}


def test_no_self_management_and_no_cycles():
    chain = lookup({A: None, B: A, C: B, D: None})  # C -> B -> A
    with pytest.raises(ValidationFailed):
        rules.check_manager(A, A, chain)
    with pytest.raises(ValidationFailed) as exc:
        rules.check_manager(A, C, chain)  # A under C would close the loop
    assert exc.value.code == "manager_cycle"
    rules.check_manager(D, C, chain)  # D under C is fine
    rules.check_manager(None, C, chain)  # a new user under C is fine
    rules.check_manager(A, None, chain)


def test_update_permissions():
    rules.check_may_update(A, "admin", B, {"role": "manager"})
    rules.check_may_update(A, "admin", A, {"full_name": "x", "role": "admin"})
    with pytest.raises(Conflict):
        rules.check_may_update(A, "admin", A, {"role": "sales"})
    rules.check_may_update(A, "sales", A, {"full_name": "x"})
    with pytest.raises(Forbidden):
        rules.check_may_update(A, "sales", A, {"role": "admin"})
    with pytest.raises(Forbidden):
        rules.check_may_update(A, "manager", B, {"full_name": "x"})


def test_deactivation_permissions():
    rules.check_may_deactivate(A, "admin", B)
    with pytest.raises(Conflict):
        rules.check_may_deactivate(A, "admin", A)
    with pytest.raises(Forbidden):
        rules.check_may_deactivate(A, "manager", B)


def test_snapshot_matches_the_event_schema():
    row = {"id": A, "username": "lisi", "full_name": "李四", "role": "manager", "manager_id": None,
           "active": True, "region": "cn-east", "password_hash": "secret", "created_at": None}
    data = rules.snapshot(row)
    assert "password_hash" not in data
    for event_type in ("gateway.user.created", "gateway.user.updated", "gateway.user.deactivated"):
        events.validate(event_type, data)
