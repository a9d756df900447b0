"""Rules behind sessions, login throttling and the user directory (no I/O)."""

from __future__ import annotations

import pytest

from gateway.config import MAX_ACCESS_TTL_S, GatewayConfig
from gateway.ratelimit import LoginLimits, address_key, login_wait
from gateway.sessions import hash_token, new_refresh_token, plausible_refresh_token
from gateway.users import check_directory_filters, directory_view, session_ending_change
from shared.errors import Forbidden

KEYS = {"k1": "k1-secret-0123456789abcdef0123456789abcdef"}
LIMITS = LoginLimits(window_s=900, max_per_pair=5, max_per_address=200, backoff_s=30)


def test_access_tokens_live_at_most_15_minutes():
    assert GatewayConfig(jwt_keys=KEYS).access_ttl == 900 == MAX_ACCESS_TTL_S
    assert GatewayConfig(jwt_keys=KEYS, jwt_ttl=3600).access_ttl == 900  # a longer setting is capped
    assert GatewayConfig(jwt_keys=KEYS, jwt_ttl=120).access_ttl == 120
    assert GatewayConfig(jwt_keys=KEYS, jwt_ttl=0).access_ttl == 1


def test_refresh_tokens_are_random_and_stored_as_hashes():
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)  # 32 random bytes
    token = tokens.pop()
    assert hash_token(token) == hash_token(token) and token not in hash_token(token) and len(hash_token(token)) == 64
    assert not plausible_refresh_token(None) and not plausible_refresh_token("") and not plausible_refresh_token(1)
    assert not plausible_refresh_token("x" * 201) and plausible_refresh_token(token)


def test_a_pair_may_fail_a_few_times_then_backs_off_doubling():
    assert login_wait(LIMITS, 4, 0.0, 4, 0.0) == 0
    assert login_wait(LIMITS, 5, 0.0, 5, 0.0) == 30
    assert login_wait(LIMITS, 5, 29.5, 5, 0.0) == 1
    assert login_wait(LIMITS, 5, 30.0, 5, 0.0) == 0  # the back-off has passed: one more try
    assert login_wait(LIMITS, 6, 0.0, 6, 0.0) == 60
    assert login_wait(LIMITS, 8, 0.0, 8, 0.0) == 240
    assert login_wait(LIMITS, 40, 0.0, 40, 0.0) == 900  # never longer than the window


def test_an_address_is_stopped_at_its_ceiling_until_old_failures_leave_the_window():
    assert login_wait(LIMITS, 0, None, 199, 800.0) == 0
    assert login_wait(LIMITS, 0, None, 200, 800.0) == 100
    assert login_wait(LIMITS, 1, 10.0, 200, 899.5) == 1


def test_address_keys():
    assert address_key("10.1.2.3") == "10.1.2.3"
    assert address_key("::ffff:10.1.2.3") == "10.1.2.3"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("unknown") == "unknown"


USER = {"id": "u1", "username": "wang", "full_name": "王", "role": "admin", "manager_id": "m1", "active": True,
        "region": "cn-east", "must_change_password": False, "created_at": None}


@pytest.mark.parametrize("role", ["sales", "finance", "warehouse"])
def test_directory_gives_other_roles_names_and_ids_only(role):
    assert directory_view(USER, "someone-else", role) == {"id": "u1", "username": "wang", "full_name": "王"}
    assert directory_view(USER, "u1", role)["role"] == "admin"  # one's own record in full


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_directory_is_whole_for_admins_and_managers(role):
    view = directory_view(USER, "someone-else", role)
    assert view["role"] == "admin" and view["manager_id"] == "m1" and view["active"] is True


def test_directory_filters_that_tell_roles_are_for_admins_and_managers():
    for kwargs in ({"role": "admin", "manager_id": None, "active": None},
                   {"role": None, "manager_id": "m1", "active": None},
                   {"role": None, "manager_id": None, "active": False}):
        with pytest.raises(Forbidden):
            check_directory_filters("sales", **kwargs)
        check_directory_filters("manager", **kwargs)
    check_directory_filters("sales", role=None, manager_id=None, active=True)


def test_which_changes_end_sessions():
    before = {"active": True, "role": "sales"}
    assert session_ending_change(before, before, password_changed=True) == "password_reset"
    assert session_ending_change(before, {"active": False, "role": "sales"}, password_changed=False) == "deactivated"
    assert session_ending_change(before, {"active": True, "role": "manager"}, password_changed=False) == "role_changed"
    assert session_ending_change(before, dict(before), password_changed=False) is None
