from __future__ import annotations

import uuid

import factory

from apps.webhooks.models import WebhookEvent, WebhookStatus
from tests.webhooks.helpers import SHOP, fixture


class WebhookEventFactory(factory.django.DjangoModelFactory):
    """A stored delivery, as the inbox would have written it (pending by default)."""

    class Meta:
        model = WebhookEvent

    provider = "shopify"
    store = None
    shop_domain = factory.LazyAttribute(lambda e: e.store.domain if e.store else SHOP)
    topic = "orders/create"
    event_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    webhook_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    api_version = "2026-10"
    payload = factory.LazyFunction(lambda: fixture("orders_create"))
    status = WebhookStatus.PENDING
