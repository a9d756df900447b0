"""Webhook rules without I/O: patterns, signature, back-off, target URLs and addresses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.tracking.domain.webhooks import (
    BadTarget,
    RetryPolicy,
    address_refused,
    check_url,
    matches,
    pattern_problem,
    signature,
    topic_match,
    verify,
)


@pytest.mark.parametrize(("pattern", "event_type", "expected"), [
    ("sales.order.*", "sales.order.placed", True),
    ("sales.order.*", "sales.order", False),
    ("sales.order.*", "sales.quote.sent", False),
    ("sales.order.*", "sales.order.line.added", False),
    ("sales.#", "sales.order.placed", True),
    ("sales.#", "sales", True),
    ("#", "billing.invoice.issued", True),
    ("*.invoice.*", "billing.invoice.issued", True),
    ("*.invoice.*", "billing.payment.recorded", False),
    ("customer.customer.created", "customer.customer.created", True),
    ("customer.customer.created", "customer.customer.updated", False),
    ("sales.#.placed", "sales.order.placed", True),
])
def test_patterns_match_like_the_broker(pattern, event_type, expected):
    assert topic_match(pattern, event_type) is expected


def test_any_pattern_of_a_webhook_matches():
    assert matches(["billing.#", "sales.order.*"], "sales.order.placed")
    assert not matches(["billing.#", "sales.order.*"], "inventory.stock.low")
    assert not matches([], "sales.order.placed")


@pytest.mark.parametrize("bad", ["", "Sales.order.*", "sales..order", "sales.order.**", "sales order", 7, None,
                                 "a." * 70])
def test_bad_patterns_are_named(bad):
    assert pattern_problem(bad)


@pytest.mark.parametrize("good", ["#", "sales.order.*", "customer.service_order.assigned", "*.*.created"])
def test_good_patterns_pass(good):
    assert pattern_problem(good) is None


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = '{"event_type":"sales.order.placed","data":{"名称":"华东"}}'.encode()
    expected = hmac.new(b"s3cret-s3cret-s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret-s3cret-s3cret", "1700000000", body) == "sha256=" + expected


def test_receiver_check_refuses_tampering_other_secrets_and_old_timestamps():
    body, secret = b'{"a":1}', "0123456789abcdef"
    good = signature(secret, "1700000000", body)
    assert verify(secret, "1700000000", body, good, now=1700000100)
    assert not verify(secret, "1700000000", b'{"a":2}', good, now=1700000100)
    assert not verify("another-secret-xyz", "1700000000", body, good, now=1700000100)
    assert not verify(secret, "1700000000", body, good, now=1700000000 + 301)  # replay window: 5 minutes
    assert not verify(secret, "1700000001", body, good, now=1700000100)  # the timestamp is signed
    assert not verify(secret, "soon", body, good, now=1700000100)


def test_back_off_doubles_to_the_cap_and_gives_up_after_the_window():
    policy = RetryPolicy(base=10, cap=3600, window=86400)
    assert [policy.delay(n, rand=0) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert policy.delay(20, rand=0) == 3600
    assert policy.delay(1, rand=1) == pytest.approx(12)  # jitter at most 20 %
    assert not policy.gives_up(age=60, next_delay=40)
    assert policy.gives_up(age=86000, next_delay=3600)
    # 24 h at 10 s doubling to 1 h: about 30 attempts before it fails
    age, attempts = 0.0, 0
    while True:
        attempts += 1
        delay = policy.delay(attempts, rand=0)
        if policy.gives_up(age, delay):
            break
        age += delay
    assert 25 <= attempts <= 35


@pytest.mark.parametrize("url", ["http://example.com/hook", "ftp://example.com/", "example.com/hook", "",
                                 "https://user:pw@example.com/", "https:///nohost", "https://example.com:99999/"])
def test_urls_refused_in_production(url):
    with pytest.raises(BadTarget):
        check_url(url, allow_loopback=False)


def test_http_only_to_loopback_and_only_when_allowed():
    assert check_url("https://hooks.example.com/crm", allow_loopback=False) == ("https", "hooks.example.com")
    assert check_url("http://127.0.0.1:9000/x", allow_loopback=True) == ("http", "127.0.0.1")
    assert check_url("http://localhost:9000/x", allow_loopback=True) == ("http", "localhost")
    with pytest.raises(BadTarget):
        check_url("http://127.0.0.1:9000/x", allow_loopback=False)
    with pytest.raises(BadTarget):
        check_url("http://10.0.0.5/x", allow_loopback=True)


@pytest.mark.parametrize(("address", "refused"), [
    ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True), ("169.254.169.254", True),
    ("127.0.0.1", True), ("::1", True), ("fd00::1", True), ("fe80::1%eth0", True), ("0.0.0.0", True),
    ("100.64.0.1", True), ("224.0.0.1", True), ("::ffff:10.0.0.1", True),
    ("93.184.216.34", False), ("2606:2800:220:1:248:1893:25c8:1946", False),
])
def test_private_addresses_are_refused(address, refused):
    assert address_refused(address, allow_loopback=False) is refused


def test_loopback_addresses_pass_only_when_allowed():
    assert not address_refused("127.0.0.1", allow_loopback=True)
    assert not address_refused("::1", allow_loopback=True)
    assert address_refused("10.0.0.1", allow_loopback=True)
