"""Calls to hosts a merchant named: only to public addresses, checked where we connect.

A WooCommerce store lives at an address the merchant types in. A host name that passes
every syntax check can still resolve to 127.0.0.1, 10.x, 169.254.169.254 (a cloud's
metadata service) or any other address inside our network, and a name that resolved to a
public address when it was checked can resolve elsewhere a second later (DNS rebinding).
So the name is resolved when the store connects (a clear refusal for the merchant) and
again for every request, and the request goes to the very address that was checked: the
URL is rewritten to that IP, with the `Host` header and the TLS server name (SNI, and so
certificate verification) still the store's name.

Every resolved address must be public: a name with one private record among public ones
is refused, since which record a later lookup returns is not ours to choose.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import httpx

_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[[str, int], list[str]]


class NonPublicAddress(httpx.TransportError):
    """The host is, or resolves to, an address outside the public internet (or to none).

    A TransportError, so callers that already treat a refused connection as "the store is
    unreachable" handle it the same way; it is never retried into success."""


def is_public(address: str) -> bool:
    """Is this IP a public unicast address (not private, loopback, link-local, shared,
    multicast, reserved or unspecified, also when wrapped in IPv6)?"""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return bool(
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        )
    )


def system_resolver(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def public_addresses(host: str, port: int = 443, *, resolver: Resolver | None = None) -> list[str]:
    """The host's addresses, all public; NonPublicAddress when any is not (or none exist)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    resolve = resolver or system_resolver
    addresses = [str(literal)] if literal is not None else resolve(host, port)
    if not addresses:
        raise NonPublicAddress(f"{host} does not resolve")
    refused = [a for a in addresses if not is_public(a)]
    if refused:
        raise NonPublicAddress(f"{host} resolves to a non-public address")
    return addresses


class PublicOnlyTransport(httpx.BaseTransport):
    """Resolve each request's host, refuse non-public answers, send to the checked IP."""

    def __init__(
        self, inner: httpx.BaseTransport | None = None, *, resolver: Resolver | None = None
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.resolver = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        address = public_addresses(url.host, port, resolver=self.resolver)[0]
        extensions = dict(request.extensions)
        extensions.setdefault("sni_hostname", url.host)
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=address),
            headers=request.headers,  # Host: still the store's name
            stream=request.stream,
            extensions=extensions,
        )
        return self.inner.handle_request(pinned)

    def close(self) -> None:
        self.inner.close()
