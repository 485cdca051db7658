"""Duplicates racing each other, and Redis down while a webhook arrives."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.orders.models import Order
from apps.webhooks.maintenance import webhook_events_sweep
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from apps.webhooks.relay import relay
from tests.factories import StoreFactory
from tests.webhooks.concurrency import run_concurrently
from tests.webhooks.helpers import SHOP, broker_unreachable, fixture, post_webhook
from tests.worker import live_database_url


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_concurrently_is_stored_and_processed_once(queued):
    StoreFactory(domain=SHOP)
    payload = fixture("orders_create")

    def deliver():
        return post_webhook(Client(), "orders/create", payload, event_id="evt-race").json()

    answers = run_concurrently([deliver] * 8)

    assert sorted(a["status"] for a in answers) == ["accepted"] + ["duplicate"] * 7
    event = WebhookEvent.objects.get()
    assert queued() == 1

    outcomes = run_concurrently([lambda: webhook_event_process(event.pk).status] * 6)

    assert sorted(outcomes) == ["processed"] + ["skipped"] * 5
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookStatus.PROCESSED, 1)
    assert Order.objects.count() == 1


def watch_publishing_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that publish to the broker from now on."""
    import apps.webhooks.relay as relay_module

    names: list[str] = []
    publish = relay_module.dispatch_batch

    def recording(ids: list[int], *args: Any, **kwargs: Any) -> bool:
        names.append(threading.current_thread().name)
        return publish(ids, *args, **kwargs)

    monkeypatch.setattr(relay_module, "dispatch_batch", recording)
    return names


@pytest.mark.django_db(transaction=True)
def test_redis_down_still_answers_200_and_the_sweep_delivers_the_event_later(
    queued, settings, caplog, monkeypatch
):
    StoreFactory(domain=SHOP)
    settings.WEBHOOK_PENDING_GRACE_SECONDS = 0
    publishing_threads = watch_publishing_threads(monkeypatch)
    with broker_unreachable():
        response = post_webhook(Client(), "orders/create", fixture("orders_create"))
        assert relay.flush()

        assert response.status_code == 200
        # Shopify waits 5 s: the answer never waits on the broker, because the request
        # thread never publishes; only the relay thread tried (and failed).
        assert publishing_threads == ["webhook-relay"]
        assert response.json() == {"status": "accepted"}
        assert WebhookEvent.objects.get().status == WebhookStatus.PENDING
        assert "not dispatched (broker unavailable)" in caplog.text

        # A sweep while Redis is still down loses nothing either: it cannot tell what is
        # queued, so it sends nothing and keeps the event pending.
        WebhookEvent.objects.update(dispatched_at=timezone.now() - timedelta(seconds=5))
        assert webhook_events_sweep().pending == 0
        assert WebhookEvent.objects.get().status == WebhookStatus.PENDING
    assert queued() == 0

    # Redis is back: the next sweep enqueues it, and a worker processes it.
    WebhookEvent.objects.update(dispatched_at=timezone.now() - timedelta(seconds=5))
    assert webhook_events_sweep().pending == 1
    assert queued() == 1
    event = WebhookEvent.objects.get()
    assert webhook_event_process(event.pk).status == "processed"
    assert Order.objects.get().name == "#1001"


@pytest.mark.django_db(transaction=True)
def test_a_pending_event_left_by_an_outage_is_enqueued_by_the_sweep(queued, settings):
    StoreFactory(domain=SHOP)
    settings.WEBHOOK_PENDING_GRACE_SECONDS = 30
    post_webhook(Client(), "orders/create", fixture("orders_create"))
    from apps.core.redis import get_redis

    relay.flush()
    get_redis().delete("celery")  # the message was lost with the broker
    WebhookEvent.objects.update(dispatched_at=timezone.now() - timedelta(seconds=10))
    assert webhook_events_sweep().pending == 0  # still within the grace period
    WebhookEvent.objects.update(dispatched_at=timezone.now() - timedelta(seconds=31))

    assert webhook_events_sweep().pending == 1

    assert queued() == 1
    event = WebhookEvent.objects.get()
    assert webhook_event_process(event.pk).status == "processed"
    assert Order.objects.get().name == "#1001"


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_that_died_while_idle_is_replaced_once():
    StoreFactory(domain=SHOP)
    connection.ensure_connection()
    with psycopg.connect(live_database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    response = post_webhook(Client(), "orders/create", fixture("orders_create"))

    assert response.json() == {"status": "accepted"}
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_so_shopify_redelivers(monkeypatch):
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", "9")  # nothing listens there

    response = post_webhook(Client(), "orders/create", fixture("orders_create"))

    assert response.status_code == 503
    assert response.json()["detail"] == "Database unavailable; please retry."
    monkeypatch.undo()
    connection.close()
    assert WebhookEvent.objects.count() == 0
