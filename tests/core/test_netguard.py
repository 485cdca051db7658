"""Only public addresses for hosts a merchant named: resolved, checked and pinned per
request, with a resolver the tests control (no DNS)."""

from __future__ import annotations

import httpx
import pytest

from apps.core.netguard import NonPublicAddress, PublicOnlyTransport, is_public, public_addresses

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1::248"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.10",  # documentation
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",  # IPv4-mapped
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "not an address",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "::ffff:93.184.216.34"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address)


def test_one_private_record_among_public_ones_refuses_the_name() -> None:
    with pytest.raises(NonPublicAddress):
        public_addresses("shop.example.com", resolver=lambda h, p: [PUBLIC_V4, "10.0.0.7"])
    with pytest.raises(NonPublicAddress):
        public_addresses("nowhere.example.com", resolver=lambda h, p: [])
    assert public_addresses("shop.example.com", resolver=lambda h, p: [PUBLIC_V4]) == [PUBLIC_V4]
    with pytest.raises(NonPublicAddress):
        public_addresses("127.0.0.1", resolver=lambda h, p: [PUBLIC_V4])  # a literal is itself


class _Seen(httpx.BaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


def test_the_request_goes_to_the_checked_address_under_the_store_s_name() -> None:
    inner = _Seen()
    transport = PublicOnlyTransport(inner, resolver=lambda host, port: [PUBLIC_V6])
    with httpx.Client(transport=transport) as client:
        response = client.get("https://shop.example.com/wp-json/wc/v3/orders?page=2")

    assert response.json() == {"ok": True}
    sent = inner.requests[0]
    assert sent.url.host == PUBLIC_V6
    assert sent.url.path == "/wp-json/wc/v3/orders"
    assert sent.url.params["page"] == "2"
    assert sent.headers["Host"] == "shop.example.com"
    assert sent.extensions["sni_hostname"] == "shop.example.com"  # TLS checks the name


def test_a_name_that_turns_private_after_the_check_is_refused_before_sending() -> None:
    """DNS rebinding: the first answer public, the next one the metadata service."""
    answers = iter([[PUBLIC_V4], ["169.254.169.254"]])
    inner = _Seen()
    transport = PublicOnlyTransport(inner, resolver=lambda host, port: next(answers))
    with httpx.Client(transport=transport) as client:
        client.get("https://shop.example.com/wp-json/")
        with pytest.raises(NonPublicAddress):
            client.get("https://shop.example.com/wp-json/")

    assert len(inner.requests) == 1
