"""The per-tenant bucket: our limit bites before the provider's, and a 429 pauses everyone."""

from __future__ import annotations

from apps.integrations.helpdesk import throttle
from apps.integrations.helpdesk.base import Credentials, Tenant


def tenant(key: str = "northwind", provider: str = "gorgias") -> Tenant:
    return Tenant(provider, key, "https://x.test", Credentials("t"), bot_actor_id="1")


def test_the_bucket_allows_the_budget_then_says_how_long_to_wait():
    limit = throttle.LIMITS["gorgias"]
    waits = [throttle.seconds_until_allowed(tenant()) for _ in range(limit.count + 1)]
    assert waits[:-1] == [0] * limit.count
    assert 0 < waits[-1] <= limit.window


def test_the_budget_is_per_tenant():
    for _ in range(throttle.LIMITS["gorgias"].count):
        throttle.seconds_until_allowed(tenant("northwind"))
    assert throttle.seconds_until_allowed(tenant("southwind")) == 0
    assert throttle.seconds_until_allowed(tenant("northwind", "zendesk")) == 0


def test_our_bucket_is_below_every_documented_limit_even_at_its_worst():
    # (calls, seconds) as documented; our fixed windows can meet anywhere in theirs, so the
    # most we can send in any stretch of theirs is every window of ours it touches, full.
    documented = {"zendesk": (200, 60), "front": (50, 60), "intercom": (10_000 // 6, 10)}
    for provider, (calls, seconds) in documented.items():
        rate = throttle.LIMITS[provider]
        touched = -(-seconds // rate.window) + 1
        assert touched * rate.count < calls, provider
    # Gorgias: a leaky bucket of 40 draining 2 a second.
    gorgias = throttle.LIMITS["gorgias"]
    assert 2 * gorgias.count < 40
    assert gorgias.count / gorgias.window < 2


def test_a_429_pauses_the_tenant_for_its_retry_after():
    throttle.pause(tenant(), 30)
    assert 25 <= throttle.seconds_until_allowed(tenant()) <= 30
    assert throttle.seconds_until_allowed(tenant("southwind")) == 0
