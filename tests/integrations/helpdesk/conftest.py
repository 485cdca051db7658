"""The four helpdesks under one contract: each a stand-in mounted with respx.

To put a provider under the contract: add it to BACKENDS and to `_standin` below.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import respx

from apps.integrations.helpdesk.base import HelpdeskProvider
from apps.integrations.helpdesk.registry import provider_for
from standins.helpdesk.fake_front import FakeFront
from standins.helpdesk.fake_gorgias import FakeGorgias
from standins.helpdesk.fake_intercom import FakeIntercom
from standins.helpdesk.fake_zendesk import FakeZendesk
from standins.helpdesk.standin import StandIn

BACKENDS = ["gorgias", "zendesk", "front", "intercom"]
SECRET = "whsec-0123456789abcdef"


@dataclass
class HelpdeskWorld:
    name: str
    standin: StandIn
    provider: HelpdeskProvider
    # Where the create call goes: a `lost` fault on it plays a timeout after success.
    create_path: str
    missing_thread: str
    foreign_key: str


def standin(name: str) -> tuple[StandIn, str, str, str]:
    """A stand-in, its create path, a thread id it does not have, another tenant's key."""
    ids = {"bot_id": "", "agent_id": "", "secret": SECRET}
    if name == "gorgias":
        return (
            FakeGorgias("northwind", **{**ids, "bot_id": "7001", "agent_id": "7002"}),
            "/api/tickets",
            "999999",
            "southwind",
        )
    if name == "zendesk":
        fake = FakeZendesk("northwind", "10001", **{**ids, "bot_id": "8001", "agent_id": "8002"})
        return fake, "/api/v2/tickets", "999999", "10002"
    if name == "front":
        fake = FakeFront(
            "cmp_a1", "inb_77", **{**ids, "bot_id": "tea_bot", "agent_id": "tea_maria"}
        )
        return fake, "imported_messages", "cnv_nope", "cmp_b2"
    fake = FakeIntercom("abc123", **{**ids, "bot_id": "5001", "agent_id": "5002"})
    return fake, "/conversations", "424242", "zzz999"


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[HelpdeskWorld]:
    fake, create_path, missing, foreign = standin(request.param)
    with respx.mock(assert_all_called=False) as router:
        router.route(host=fake.host).mock(side_effect=fake.handle)
        yield HelpdeskWorld(
            request.param, fake, provider_for(fake.tenant()), create_path, missing, foreign
        )


def stored_config(world: HelpdeskWorld) -> dict[str, str]:
    """What connecting the stand-in's account stores (IntegrationCredential.config)."""
    fake = world.standin
    common = {"bot_actor_id": fake.bot_id, "webhook_secret": fake.webhook_secret}
    if world.name == "gorgias":
        return {
            **common,
            "subdomain": fake.tenant_key,
            "email": "owner@merchant.test",
            "api_key": fake.token,
        }
    if world.name == "zendesk":
        return {
            **common,
            "subdomain": "northwind",
            "email": "bot@merchant.test",
            "api_token": fake.token,
            "account_id": fake.tenant_key,
        }
    if world.name == "front":
        return {
            **common,
            "api_token": fake.token,
            "company_id": fake.tenant_key,
            "inbox_id": fake.channel_ref,
        }
    return {**common, "access_token": fake.token, "region": "us", "app_id": fake.tenant_key}
