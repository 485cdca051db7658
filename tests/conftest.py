"""Suite-wide fixtures: no internet, a clean Redis database per test, common personas."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.conf import settings

from tests.factories import StoreFactory

_real_connect = socket.socket.connect


def _guarded_connect(sock: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise OSError(f"tests must not reach the network (tried {host})")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def _block_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to leave the machine fails loudly; respx fixtures stand in for providers."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    """Each test starts with an empty test Redis database (locks, rate limits, buckets)."""
    from apps.core.redis import get_redis

    client = get_redis()
    if client is not None:
        client.flushdb()


@pytest.fixture
def store(db):  # type: ignore[no-untyped-def]
    return StoreFactory()


@pytest.fixture
def other_store(db):  # type: ignore[no-untyped-def]
    return StoreFactory()


@pytest.fixture
def shopify_secret() -> str:
    return settings.SHOPIFY_API_SECRET


# A real Celery worker process for end-to-end tests (see tests/worker.py for the API).
from tests.worker import celery_worker_env, celery_worker_process  # noqa: E402, F401
