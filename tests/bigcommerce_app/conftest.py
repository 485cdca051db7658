"""BigCommerce app fixtures: our app's credentials, signed payloads as BigCommerce makes
them (platforms.md §2: HS256 with the client secret, aud = client id, sub = stores/{hash}),
an installed store behind the API stand-in."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import respx
from django.utils import timezone

from apps.stores.models import Store
from config.celery import app as celery_app
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.build import demo_store
from tests.integrations.bigcommerce.contract_world import bigcommerce_store

CLIENT_ID = "bc-client-id-0123456789abcdef"
CLIENT_SECRET = "bc-client-secret-fedcba9876543210"
HASH = "abc123"


@pytest.fixture(autouse=True)
def _bigcommerce_app(settings: Any) -> None:
    settings.BIGCOMMERCE_CLIENT_ID = CLIENT_ID
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET
    settings.APP_URL = "https://app.aftersale.test"


def signed_payload(store_hash: str = HASH, *, secret: str = CLIENT_SECRET, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "aud": CLIENT_ID,
        "iss": "bc",
        "iat": now,
        "nbf": now - 5,
        "exp": now + 24 * 3600,
        "jti": uuid.uuid4().hex,
        "operation": "load",
        "store_hash": store_hash,
        "sub": f"stores/{store_hash}",
        "timestamp": now,
        "user": {"id": 9671, "email": "owner@example.com", "locale": "en-US"},
        "owner": {"id": 9671, "email": "owner@example.com"},
        "url": "/",
        "channel_id": None,
        **overrides,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def standin() -> Iterator[BigCommerceStandIn]:
    found = BigCommerceStandIn(HASH, token="bc_installed_token")
    demo_store(found, timezone.now())
    with respx.mock(assert_all_called=False) as router:
        found.mount(router)
        yield found


@pytest.fixture
def bc_store(db: None) -> Store:
    return bigcommerce_store(HASH, "bc_installed_token")


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
