"""The plans, as data. Prices are USD; every paid plan starts with a free trial.

A plan is a recurring base price every 30 days plus a usage line item: a price per
conversation the AI resolved on its own (see billing.resolution), capped per 30-day
cycle. Shopify's hosted App Pricing cannot express the per-resolution part, hence the
Billing API. Features not listed for a plan are refused by `plan_allows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.integrations.connections import registry
from apps.integrations.connections.base import ProviderKind, ProviderSpec


class Feature:
    """What a plan may include (checked with selectors.plan_allows)."""

    WEB_CHAT = "web_chat"
    SMS = "sms"
    EMAIL = "email"
    HELPDESK = "helpdesk"
    ANALYTICS = "analytics"


ALL_FEATURES = frozenset(
    {Feature.WEB_CHAT, Feature.SMS, Feature.EMAIL, Feature.HELPDESK, Feature.ANALYTICS}
)
CURRENCY = "USD"
TRIAL_DAYS = 14


@dataclass(frozen=True)
class Plan:
    key: str
    name: str  # shown on Shopify's approval page and the merchant's invoice
    recurring_price: Decimal
    usage_price: Decimal  # per AI resolution
    capped_amount: Decimal  # most usage charges per 30-day cycle
    features: frozenset[str]
    trial_days: int = TRIAL_DAYS
    currency: str = CURRENCY

    @property
    def terms(self) -> str:
        """The usage terms Shopify shows the merchant when they approve."""
        return (
            f"${self.usage_price} per conversation Aftersale resolves without your team, "
            f"at most ${self.capped_amount} every 30 days"
        )

    @property
    def included_resolutions(self) -> int:
        """How many resolutions the cap covers in one cycle."""
        return int(self.capped_amount // self.usage_price)


STARTER = Plan(
    key="starter",
    name="Aftersale Starter",
    recurring_price=Decimal("29.00"),
    usage_price=Decimal("0.40"),
    capped_amount=Decimal("100.00"),
    features=frozenset({Feature.WEB_CHAT, Feature.ANALYTICS}),
)
GROWTH = Plan(
    key="growth",
    name="Aftersale Growth",
    recurring_price=Decimal("99.00"),
    usage_price=Decimal("0.30"),
    capped_amount=Decimal("500.00"),
    features=ALL_FEATURES,
)
PLANS: dict[str, Plan] = {plan.key: plan for plan in (STARTER, GROWTH)}


def plan_named(key: str) -> Plan | None:
    return PLANS.get(key)


# Providers that only some plans include; the rest come with every plan.
_PLAN_FEATURE_BY_PROVIDER = {"twilio": Feature.SMS, "sendgrid": Feature.EMAIL}


def plan_feature_for(spec: ProviderSpec) -> str | None:
    """The plan feature connecting `spec` needs (None: every plan may connect it)."""
    if spec.kind == ProviderKind.HELPDESK:
        return Feature.HELPDESK
    return _PLAN_FEATURE_BY_PROVIDER.get(spec.key)


def feature_is_live(feature: str) -> bool:
    """Whether a merchant gets `feature` today: a feature made of integrations is live once
    one of them can be connected (registry.CONNECTABLE); until then the plans list it as
    coming soon instead of selling it."""
    providers = [s for s in registry.PROVIDERS.values() if plan_feature_for(s) == feature]
    return not providers or any(registry.connectable(s) for s in providers)


def live_features() -> dict[str, bool]:
    return {feature: feature_is_live(feature) for feature in sorted(ALL_FEATURES)}
