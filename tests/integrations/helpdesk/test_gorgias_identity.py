"""Gorgias: who the credentials act as, whether or not `GET /users/0` answers."""

from __future__ import annotations

import pytest
import respx

from apps.integrations.helpdesk.base import PermanentError
from apps.integrations.helpdesk.gorgias.provider import GorgiasProvider
from standins.helpdesk.fake_gorgias import FakeGorgias


@pytest.fixture
def fake() -> FakeGorgias:
    return FakeGorgias("northwind", bot_id="7001", agent_id="7002", secret="s")


@pytest.mark.parametrize("user_zero", [True, False])
def test_the_bot_user_is_found_with_or_without_user_zero(fake: FakeGorgias, user_zero: bool):
    fake.user_zero = user_zero
    with respx.mock(assert_all_called=False) as router:
        router.route(host=fake.host).mock(side_effect=fake.handle)
        identity = GorgiasProvider(fake.tenant()).identify(actor_email="BOT@merchant.test")
    assert identity.actor_id == "7001"
    assert "bot@merchant.test" in identity.label


def test_an_unknown_login_is_a_permanent_error_not_someone_else(fake: FakeGorgias):
    fake.user_zero = False
    with respx.mock(assert_all_called=False) as router:
        router.route(host=fake.host).mock(side_effect=fake.handle)
        with pytest.raises(PermanentError):
            GorgiasProvider(fake.tenant()).identify(actor_email="nobody@merchant.test")
