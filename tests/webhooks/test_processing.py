"""process_webhook_event: claim, dispatch by topic, record, retry with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from apps.orders.models import Order
from apps.stores.models import Store, StoreStatus
from apps.webhooks import processing
from apps.webhooks.handlers import HANDLERS
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import retry_delay, webhook_event_process
from apps.webhooks.tasks import process_webhook_event
from tests.factories import StoreFactory
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db


def _reload(event: WebhookEvent) -> WebhookEvent:
    return WebhookEvent.objects.get(pk=event.pk)


def test_an_order_event_is_processed_into_the_snapshot(shop):
    event = WebhookEventFactory(store=shop)

    assert process_webhook_event(event.pk) == "processed"

    event = _reload(event)
    assert (event.status, event.attempts, event.note, event.last_error) == (
        "processed", 1, "order created", "",
    )  # fmt: skip
    assert event.processed_at is not None
    assert Order.objects.get(store=shop).name == "#1001"


def test_an_older_orders_updated_is_ignored_and_changes_nothing(shop):
    process_webhook_event(WebhookEventFactory(store=shop, payload=fixture("orders_fulfilled")).pk)
    snapshot = Order.objects.values().get()
    stale = WebhookEventFactory(
        store=shop, topic="orders/updated", payload=fixture("orders_create")
    )

    assert process_webhook_event(stale.pk) == "ignored"

    assert _reload(stale).note == "stale: the snapshot holds a newer version of the order"
    assert Order.objects.values().get() == snapshot


def test_refunds_create_twice_counts_the_refund_once(shop):
    process_webhook_event(WebhookEventFactory(store=shop).pk)
    first = WebhookEventFactory(
        store=shop, topic="refunds/create", payload=fixture("refunds_create")
    )
    again = WebhookEventFactory(
        store=shop, topic="refunds/create", payload=fixture("refunds_create")
    )

    assert process_webhook_event(first.pk) == "processed"
    assert process_webhook_event(again.pk) == "processed"

    assert (_reload(first).note, _reload(again).note) == (
        "refund merged", "refund already in the snapshot",
    )  # fmt: skip
    assert str(Order.objects.get().total_refunded) == "15.71"


def test_a_refund_for_an_unknown_order_is_ignored_with_a_reason(shop):
    event = WebhookEventFactory(
        store=shop, topic="refunds/create", payload=fixture("refunds_create")
    )
    assert process_webhook_event(event.pk) == "ignored"
    assert _reload(event).note.startswith("order not in the snapshot yet")
    assert Order.objects.count() == 0


def test_a_processed_event_is_never_processed_again(shop):
    event = WebhookEventFactory(store=shop)
    process_webhook_event(event.pk)
    Order.objects.all().delete()

    assert process_webhook_event(event.pk) == "skipped"

    assert _reload(event).attempts == 1
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    "status", [WebhookStatus.PROCESSING, WebhookStatus.IGNORED, WebhookStatus.PROCESSED]
)
def test_only_pending_or_due_events_can_be_claimed(shop, status):
    event = WebhookEventFactory(store=shop, status=status)
    assert webhook_event_process(event.pk).status == "skipped"
    assert _reload(event).status == status
    assert Order.objects.count() == 0


def test_an_order_event_for_a_store_uninstalled_since_is_ignored(shop):
    event = WebhookEventFactory(store=shop)
    Store.objects.filter(pk=shop.pk).update(status=StoreStatus.UNINSTALLED)
    assert process_webhook_event(event.pk) == "ignored"
    assert _reload(event).note == "shop is uninstalled"
    assert Order.objects.count() == 0


def test_an_event_stored_before_the_shop_installed_is_processed_on_replay(db):
    event = WebhookEventFactory(status=WebhookStatus.IGNORED, note="shop is not installed")
    shop = StoreFactory(domain=event.shop_domain)

    call_command("replay_webhooks", "--status", "ignored")
    assert process_webhook_event(event.pk) == "processed"

    assert _reload(event).store == shop
    assert Order.objects.get().store == shop


# ---------------------------------------------------------------- app/uninstalled


def test_app_uninstalled_marks_the_store_uninstalled_and_deletes_its_tokens(shop):
    event = WebhookEventFactory(
        store=shop, topic="app/uninstalled", payload=fixture("app_uninstalled")
    )

    assert process_webhook_event(event.pk) == "processed"

    store = Store.objects.get(pk=shop.pk)
    assert (store.status, store.access_token, store.refresh_token) == ("uninstalled", None, None)
    assert _reload(event).note == "store uninstalled, tokens deleted"


def test_a_late_app_uninstalled_does_not_undo_a_reinstall(shop):
    event = WebhookEventFactory(
        store=shop,
        topic="app/uninstalled",
        payload=fixture("app_uninstalled"),
        triggered_at=timezone.now() - timedelta(hours=2),
    )
    Store.objects.filter(pk=shop.pk).update(installed_at=timezone.now() - timedelta(hours=1))

    assert process_webhook_event(event.pk) == "ignored"

    store = Store.objects.get(pk=shop.pk)
    assert store.status == StoreStatus.INSTALLED
    assert store.access_token is not None


# ---------------------------------------------------------------- failures and retries


@pytest.fixture
def flaky_orders(monkeypatch):
    """The orders/create handler fails transiently `failures` times, then works."""
    real = HANDLERS["orders/create"]
    state = {"failures": 0}

    def handler(event, store):
        if state["failures"] > 0:
            state["failures"] -= 1
            raise OperationalError("could not obtain lock on row in relation orders_order")
        return real(event, store)

    monkeypatch.setitem(HANDLERS, "orders/create", handler)
    return state


def _make_due(event: WebhookEvent) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())


def test_a_transient_failure_is_recorded_and_retried_with_backoff(shop, flaky_orders, queued):
    flaky_orders["failures"] = 1
    event = WebhookEventFactory(store=shop)
    before = timezone.now()

    assert process_webhook_event(event.pk) == "failed"

    event = _reload(event)
    assert (event.status, event.attempts) == ("failed", 1)
    assert (
        event.last_error
        == "OperationalError: could not obtain lock on row in relation orders_order"
    )
    delay = (event.next_attempt_at - before).total_seconds()
    assert 7.5 <= delay <= 16
    assert queued() == 1  # the retry, with its countdown
    assert process_webhook_event(event.pk) == "skipped"  # not due yet

    _make_due(event)
    assert process_webhook_event(event.pk) == "processed"
    event = _reload(event)
    assert (event.status, event.attempts, event.last_error) == ("processed", 2, "")
    assert Order.objects.count() == 1


def test_retries_stop_after_the_last_attempt_and_the_command_replays_the_event(
    shop, flaky_orders, settings, queued
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    flaky_orders["failures"] = 99
    event = WebhookEventFactory(store=shop)
    for _ in range(3):
        assert process_webhook_event(event.pk) == "failed"
        if _reload(event).next_attempt_at:
            _make_due(event)

    event = _reload(event)
    assert (event.status, event.attempts, event.next_attempt_at) == ("failed", 3, None)
    assert process_webhook_event(event.pk) == "skipped"
    assert Order.objects.count() == 0

    flaky_orders["failures"] = 0
    call_command("replay_webhooks", "--status", "failed", "--store", shop.domain)
    event = _reload(event)
    assert (event.status, event.attempts, event.last_error) == ("pending", 0, "")

    assert process_webhook_event(event.pk) == "processed"
    assert Order.objects.count() == 1


def test_a_payload_that_can_never_work_fails_without_retrying(shop, queued):
    payload = fixture("orders_create")
    del payload["updated_at"]
    event = WebhookEventFactory(store=shop, payload=payload)

    assert process_webhook_event(event.pk) == "failed"

    event = _reload(event)
    assert (event.status, event.attempts, event.next_attempt_at) == ("failed", 1, None)
    assert event.last_error == (
        "PermanentHandlerError: ShopifyOrder payload: updated_at: Field required"
    )
    assert queued() == 0
    assert Order.objects.count() == 0


def test_an_unexpected_error_is_recorded_with_its_traceback_in_the_log(shop, monkeypatch, caplog):
    def broken(event, store):
        raise KeyError("line_items")

    monkeypatch.setitem(HANDLERS, "orders/create", broken)
    event = WebhookEventFactory(store=shop)

    assert process_webhook_event(event.pk) == "failed"

    assert _reload(event).last_error == "KeyError: 'line_items'"
    assert "Traceback" in caplog.text


def test_an_error_message_never_carries_a_token_into_the_row(shop, monkeypatch):
    def leaky(event, store):
        raise RuntimeError("Shopify said 401 for X-Shopify-Access-Token: shpat_0123456789abcdef")

    monkeypatch.setitem(HANDLERS, "orders/create", leaky)
    event = WebhookEventFactory(store=shop)
    process_webhook_event(event.pk)
    assert "shpat_0123456789abcdef" not in _reload(event).last_error


def test_an_attempt_given_up_on_cannot_overwrite_its_successor(shop):
    event = WebhookEventFactory(store=shop)
    claimed = processing._claim(event.pk)
    # The sweep reclaims it and another worker claims it again...
    WebhookEvent.objects.filter(pk=event.pk).update(
        status=WebhookStatus.PROCESSING, claimed_at=timezone.now() + timedelta(seconds=1)
    )
    # ...so the first attempt's late verdict is dropped.
    processing._finish(claimed, processing.HandlerResult.processed("late"))
    assert _reload(event).status == WebhookStatus.PROCESSING


@pytest.mark.parametrize("attempt", [1, 2, 5, 8, 30])
def test_backoff_grows_exponentially_with_jitter_and_a_cap(attempt):
    ceiling = min(1800.0, 15.0 * 2 ** (attempt - 1))
    delays = {retry_delay(attempt) for _ in range(50)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1
