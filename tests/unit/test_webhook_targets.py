"""Which addresses a webhook may reach, and the signature's form, without a network."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook as Verifier

from api.config import ConfigError, check_config, parse_networks
from api.webhooks.sending import new_secret, sign
from api.webhooks.targets import refusal

LOOPBACK = parse_networks("127.0.0.0/8")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:10.1.2.3", "a private address"),
        ("2002:7f00:1::", "a loopback address"),  # 6to4 around 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "a private address"),  # Teredo around 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "a link-local address"),  # NAT64 around 169.254.169.254
        ("fe80::1", "a link-local address"),
        ("ff02::1", "a multicast address"),
        ("::", "an unspecified address"),
        ("192.168.1.1", "a private address"),
        ("240.0.0.1", "a private address"),
        ("198.51.100.7", "a private address"),  # documentation range
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_only_public_addresses_may_be_reached(address, reason):
    assert refusal(ipaddress.ip_address(address), []) == reason


def test_an_allowed_network_admits_its_addresses_in_any_spelling():
    assert refusal(ipaddress.ip_address("127.0.0.5"), LOOPBACK) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.5"), LOOPBACK) is None
    assert refusal(ipaddress.ip_address("::1"), LOOPBACK) == "a loopback address"
    assert refusal(ipaddress.ip_address("10.0.0.1"), LOOPBACK) == "a private address"


@pytest.mark.parametrize("value", ["10.0.0.0/33", "10.0.0.1/8", "localhost", "127.0.0.0/8,,nope"])
def test_a_bad_allowed_network_stops_the_start(value):
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOWED_NETWORKS"):
        check_config({"WEBHOOK_ALLOWED_NETWORKS": value})


def test_our_signature_is_the_one_the_specifications_library_makes():
    secret = new_secret()
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    body = '{"type":"job.succeeded","data":{"name":"Café 2026"}}'

    ours = sign(secret, "msg_1", int(moment.timestamp()), body.encode())

    assert ours == Verifier(secret).sign("msg_1", moment, body)
    assert sign(new_secret(), "msg_1", int(moment.timestamp()), body.encode()) != ours
