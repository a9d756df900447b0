"""Login throttling and the per-user request limit, as an attacker tries them: guesses
from one address cannot lock the real user out of their right password from another,
an address spraying many usernames is stopped at its ceiling, and one user's flood meets
the default per-user limit."""

from __future__ import annotations

import itertools
import time
import uuid

import pytest

from gateway.bootstrap import create_app
from gateway.config import GatewayConfig

_addresses = itertools.count(1)


def new_address() -> dict[str, str]:
    """A client address no other test uses (10.<run>.<n>.<n>)."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 200 + 20}.{n // 250}.{n % 250 + 1}"}


def attempt(client, username: str, password: str, address: dict[str, str]):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base=address)


@pytest.fixture(scope="module")
def default_limits_app(gateway_settings, gateway_config):
    """The gateway with the login limits it ships with (the shared fixture lowers some)."""
    shipped = GatewayConfig(jwt_keys=gateway_config.jwt_keys)
    app = create_app(gateway_settings, gateway_config.with_(
        login_window_s=shipped.login_window_s, login_max_per_pair=shipped.login_max_per_pair,
        login_backoff_s=shipped.login_backoff_s, login_max_per_address=shipped.login_max_per_address))
    yield app
    app.extensions["gateway"].dispose()


def test_shipped_numbers_are_the_documented_ones():
    shipped = GatewayConfig(jwt_keys={"k": "x" * 40})
    assert (shipped.login_window_s, shipped.login_max_per_pair, shipped.login_backoff_s,
            shipped.login_max_per_address) == (900, 5, 30, 200)
    assert (shipped.user_rate_limit, shipped.user_rate_window_s) == (1200, 60)


def test_wrong_guesses_from_one_address_do_not_lock_out_the_right_password_from_another(default_limits_app,
                                                                                      make_user):
    victim = make_user("sales")
    client = default_limits_app.test_client()
    attacker, office = new_address(), new_address()
    for _ in range(5):
        assert attempt(client, victim.user["username"], "guess-guess", attacker).status_code == 401
    blocked = attempt(client, victim.user["username"], "another-guess", attacker)
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_failed_logins"
    assert 0 < int(blocked.headers["Retry-After"]) <= 30
    # the attacker's own address must wait even with the right password (no oracle) ...
    assert attempt(client, victim.user["username"], "secret-pw", attacker).status_code == 429
    # ... but the real user, from their own address, logs in
    assert attempt(client, victim.user["username"], "secret-pw", office).status_code == 200
    assert attempt(client, victim.user["username"].upper(), "secret-pw", office).status_code == 200


def test_back_off_doubles_for_the_pair(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(login_max_per_pair=2, login_backoff_s=1,
                                                            login_window_s=900))
    try:
        client = app.test_client()
        victim = make_user("sales")
        address = new_address()
        for _ in range(2):
            assert attempt(client, victim.user["username"], "wrong-one", address).status_code == 401
        first = attempt(client, victim.user["username"], "wrong-one", address)
        assert first.status_code == 429 and int(first.headers["Retry-After"]) == 1
        time.sleep(1.1)
        assert attempt(client, victim.user["username"], "wrong-two", address).status_code == 401
        second = attempt(client, victim.user["username"], "wrong-three", address)
        assert second.status_code == 429 and int(second.headers["Retry-After"]) == 2  # doubled
        time.sleep(2.1)
        assert attempt(client, victim.user["username"], "secret-pw", address).status_code == 200
        # a success clears the pair: the next mistake is not punished at once
        assert attempt(client, victim.user["username"], "typo-typo", address).status_code == 401
    finally:
        app.extensions["gateway"].dispose()


def test_an_office_behind_one_nat_is_not_stopped_by_everyday_mistakes(default_limits_app, make_user):
    """60 colleagues behind one address each mistype once, then log in (and one mistypes
    four times): nobody is refused."""
    client = default_limits_app.test_client()
    nat = new_address()
    people = [make_user("sales") for _ in range(60)]
    for person in people:
        assert attempt(client, person.user["username"], "typo-typo", nat).status_code == 401
    for _ in range(3):
        assert attempt(client, people[0].user["username"], "typo-again", nat).status_code == 401
    for person in people:
        assert attempt(client, person.user["username"], "secret-pw", nat).status_code == 200


def test_an_address_spraying_usernames_meets_the_ceiling(default_limits_app, make_user):
    ceiling = default_limits_app.extensions["gateway"].config.login_max_per_address
    client = default_limits_app.test_client()
    sprayer, elsewhere = new_address(), new_address()
    user = make_user("sales")
    for i in range(ceiling):  # one guess each for many usernames: the pair limit never trips
        response = attempt(client, f"spray-{uuid.uuid4().hex[:6]}-{i}", "Summer2024!", sprayer)
        assert response.status_code == 401, (i, response.get_json())
    refused = attempt(client, user.user["username"], "secret-pw", sprayer)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert attempt(client, user.user["username"], "secret-pw", elsewhere).status_code == 200


def test_ipv6_addresses_count_by_their_64(gateway_settings, gateway_config, make_user):
    app = create_app(gateway_settings, gateway_config.with_(login_max_per_pair=3))
    try:
        client = app.test_client()
        victim = make_user("sales")
        prefix = f"2001:db8:{uuid.uuid4().int % 65000:x}:1"
        for host in range(3):  # a new address of the same /64 for each guess
            assert attempt(client, victim.user["username"], "guess-it", {"REMOTE_ADDR": f"{prefix}::{host + 1}"}).status_code == 401
        assert attempt(client, victim.user["username"], "guess-it", {"REMOTE_ADDR": f"{prefix}::99"}).status_code == 429
        other_net = {"REMOTE_ADDR": f"2001:db8:{uuid.uuid4().int % 65000:x}:2::1"}
        assert attempt(client, victim.user["username"], "secret-pw", other_net).status_code == 200
    finally:
        app.extensions["gateway"].dispose()


def test_one_user_flooding_meets_the_default_per_user_limit(gateway_settings, gateway_config, make_user):
    """600 requests in 0.6 s once got no 429: with the shipped default (1,200 a minute) the
    1,201st request within a minute is refused."""
    shipped = GatewayConfig(jwt_keys=gateway_config.jwt_keys)
    app = create_app(gateway_settings, gateway_config.with_(user_rate_limit=shipped.user_rate_limit,
                                                            user_rate_window_s=shipped.user_rate_window_s))
    try:
        client = app.test_client()
        flooder = make_user("sales")
        token = client.post("/api/v1/auth/login", json={"username": flooder.user["username"],
                                                        "password": "secret-pw"}).get_json()["access_token"]
        # the counter is per fixed minute window: start early in one
        left = shipped.user_rate_window_s - time.time() % shipped.user_rate_window_s
        if left < 10:  # 1,200 requests take a few seconds
            time.sleep(left + 0.05)
        headers = {"Authorization": f"Bearer {token}"}
        statuses = [client.get("/api/v1/auth/me", headers=headers).status_code for _ in range(1205)]
        assert statuses[:1200] == [200] * 1200
        assert statuses[1200:] == [429] * 5
        limited = client.get("/api/v1/customers", headers=headers)
        assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
    finally:
        app.extensions["gateway"].dispose()
