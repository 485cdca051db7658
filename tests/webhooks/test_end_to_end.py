"""Through the real pieces: signed HTTP request -> PostgreSQL -> Redis -> Celery worker."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.test import Client
from django.utils import timezone

from apps.integrations.commerce.shopify.webhook_orders import order_upsert_from_shopify
from apps.orders.models import Order
from apps.webhooks.maintenance import processing_stale_after, webhook_events_sweep
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.relay import relay
from tests.factories import StoreFactory
from tests.webhooks.helpers import SHOP, broker_unreachable, fixture, post_webhook
from tests.worker import live_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _processed() -> bool:
    return WebhookEvent.objects.filter(status=WebhookStatus.PROCESSED).exists()


def test_a_signed_order_webhook_becomes_an_order_snapshot(celery_worker_process):
    store = StoreFactory(domain=SHOP)

    response = post_webhook(Client(), "orders/create", fixture("orders_create"))
    assert response.json() == {"status": "accepted"}

    celery_worker_process.wait_until(_processed, what="the event to be processed")
    order = Order.objects.get(store=store)
    assert (order.platform_order_id, order.name, order.total_price) == (
        "gid://shopify/Order/820982911946154508", "#1001", Decimal("113.36"),
    )  # fmt: skip
    event = WebhookEvent.objects.get()
    assert (event.attempts, event.note) == (1, "order created")


def test_an_event_that_arrived_while_redis_was_down_is_processed_after_the_sweep(
    celery_worker_process, settings
):
    StoreFactory(domain=SHOP)
    with broker_unreachable():
        response = post_webhook(Client(), "orders/fulfilled", fixture("orders_fulfilled"))
        assert relay.flush()  # the hand-off to the broker fails while it is down
    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookStatus.PENDING
    settings.WEBHOOK_PENDING_GRACE_SECONDS = 0
    WebhookEvent.objects.update(dispatched_at=None)

    assert webhook_events_sweep().pending == 1

    celery_worker_process.wait_until(_processed, what="the swept event to be processed")
    order = Order.objects.get()
    assert order.fulfillment_status == "fulfilled"
    assert order.fulfillments[0]["tracking_number"] == "1Z2345"


def test_an_event_whose_worker_died_mid_task_is_reclaimed_by_the_sweep(celery_worker_process):
    """The worker is SIGKILLed while it holds the event in `processing` (blocked on a row
    lock we hold); the sweep gives the stale claim back and a new worker finishes it."""
    store = StoreFactory(domain=SHOP)
    order_upsert_from_shopify(store, fixture("orders_create"))
    with psycopg.connect(live_database_url()) as blocker:
        blocker.execute("SELECT 1 FROM orders_order FOR UPDATE")
        post_webhook(Client(), "orders/fulfilled", fixture("orders_fulfilled"))
        celery_worker_process.wait_until(
            lambda: WebhookEvent.objects.filter(status=WebhookStatus.PROCESSING).exists(),
            what="the worker to claim the event",
        )
        celery_worker_process.kill()
        blocker.rollback()

    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (WebhookStatus.PROCESSING, 1)
    assert webhook_events_sweep().reclaimed == 0  # a fresh claim is left alone
    stale = timezone.now() - processing_stale_after() - timedelta(seconds=1)
    WebhookEvent.objects.update(claimed_at=stale)

    assert webhook_events_sweep().reclaimed == 1

    celery_worker_process.restart()
    celery_worker_process.wait_until(_processed, what="the reclaimed event to be processed")
    event = WebhookEvent.objects.get()
    assert (event.attempts, event.note) == (2, "order updated")
    assert Order.objects.get().fulfillment_status == "fulfilled"
