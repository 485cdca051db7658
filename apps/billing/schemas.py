"""Billing API answers as typed models (what documents.py asks for, nothing more)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Money(_Model):
    amount: Decimal
    currencyCode: str


class PricingDetails(_Model):
    typename: str = Field(alias="__typename")
    interval: str | None = None
    price: Money | None = None
    terms: str | None = None
    balanceUsed: Money | None = None
    cappedAmount: Money | None = None


class LinePlan(_Model):
    pricingDetails: PricingDetails


class LineItem(_Model):
    id: str
    plan: LinePlan

    @property
    def is_usage(self) -> bool:
        return self.plan.pricingDetails.typename == "AppUsagePricing"


class Subscription(_Model):
    id: str
    name: str = ""
    status: str
    test: bool = False
    trialDays: int = 0
    createdAt: datetime | None = None
    currentPeriodEnd: datetime | None = None
    lineItems: list[LineItem] = Field(default_factory=list)

    def usage_item(self) -> LineItem | None:
        return next((item for item in self.lineItems if item.is_usage), None)


class UserError(_Model):
    field: list[str] | None = None
    message: str


class SubscriptionCreatePayload(_Model):
    confirmationUrl: str | None = None
    appSubscription: Subscription | None = None
    userErrors: list[UserError] = Field(default_factory=list)


class UsageRecord(_Model):
    id: str


class UsageRecordCreatePayload(_Model):
    appUsageRecord: UsageRecord | None = None
    userErrors: list[UserError] = Field(default_factory=list)


class Installation(_Model):
    activeSubscriptions: list[Subscription] = Field(default_factory=list)


class SubscriptionWebhook(_Model):
    """The `app_subscription` object of an app_subscriptions/update delivery."""

    admin_graphql_api_id: str
    name: str = ""
    status: str
    updated_at: datetime | None = None
    created_at: datetime | None = None
    capped_amount: Decimal | None = None
    currency: str | None = None
