"""WooCommerce order webhooks: verified per store, deduped, processed into the snapshot;
the poll as their backstop, and disabled webhooks switched back on."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.conversations.models import OutboundMessage
from apps.integrations.commerce.demo import data
from apps.orders.models import Order
from apps.stores.models import Store
from apps.webhooks import processing
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.woocommerce_app.hooks import delivery_url
from apps.woocommerce_app.models import WooConnection
from apps.woocommerce_app.tasks import poll_store
from standins.woocommerce import WooStandIn
from standins.woocommerce.build import WooIds, add_order
from standins.woocommerce.store import signed_delivery

pytestmark = pytest.mark.django_db


def _order_json(shop: WooStandIn) -> dict:
    return add_order(shop, data.demo_orders(timezone.now())[0], WooIds())


def _post(client: Client, store: Store, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = reverse("webhooks:woocommerce", kwargs={"store_id": store.pk})
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    content_type = extra.pop("HTTP_CONTENT_TYPE", "application/json")
    return client.post(url, body, content_type=content_type, **extra)


def _delivery(store: Store, body: bytes, *, secret: str, delivery: str = "41") -> dict[str, str]:
    return signed_delivery(
        body,
        secret=secret,
        topic="order.updated",
        delivery_id=delivery,
        source=f"https://{store.domain}/",
    )


def test_a_signed_order_update_is_stored_once_and_fills_the_snapshot(
    client: Client, woo_store: Store, woo_shop: WooStandIn
) -> None:
    body = json.dumps(_order_json(woo_shop)).encode()
    headers = _delivery(woo_store, body, secret="whsec-north")

    first = _post(client, woo_store, body, headers)
    again = _post(client, woo_store, body, headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert json.loads(again.content) == {"status": "duplicate"}
    [event] = WebhookEvent.objects.filter(store=woo_store)
    assert event.topic == "woocommerce/order.updated"
    processing.webhook_event_process(event.pk)
    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED
    order = Order.objects.get(store=woo_store, platform_order_id="1001")
    assert (order.number, order.email) == (1001, data.JANE.email)


def test_a_delivery_signed_with_another_stores_secret_is_refused(
    client: Client, woo_store: Store, other_woo_store: Store, woo_shop: WooStandIn
) -> None:
    body = json.dumps(_order_json(woo_shop)).encode()

    response = _post(client, woo_store, body, _delivery(woo_store, body, secret="whsec-other"))

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("tamper", ["body", "signature", "missing"])
def test_a_forged_or_altered_delivery_is_refused(
    client: Client, woo_store: Store, woo_shop: WooStandIn, tamper: str
) -> None:
    body = json.dumps(_order_json(woo_shop)).encode()
    headers = _delivery(woo_store, body, secret="whsec-north")
    if tamper == "body":
        body = body.replace(b"jane@example.com", b"mallory@example.com")
    elif tamper == "signature":
        headers["X-WC-Webhook-Signature"] = "AAAA" + headers["X-WC-Webhook-Signature"][4:]
    else:
        del headers["X-WC-Webhook-Signature"]

    assert _post(client, woo_store, body, headers).status_code == 401
    assert not WebhookEvent.objects.exists()


def test_the_unsigned_ping_is_answered_and_nothing_stored(client: Client, woo_store: Store) -> None:
    response = _post(
        client,
        woo_store,
        b"webhook_id=12",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_an_unknown_store_looks_like_no_endpoint(client: Client, db: None) -> None:
    url = reverse("webhooks:woocommerce", kwargs={"store_id": 999_999})

    response = client.post(
        url, b"{}", content_type="application/json", HTTP_X_WC_WEBHOOK_SIGNATURE="x"
    )

    assert response.status_code == 404


def test_the_same_delivery_id_in_two_stores_is_two_events(
    client: Client, woo_store: Store, other_woo_store: Store, woo_shop: WooStandIn
) -> None:
    body = json.dumps(_order_json(woo_shop)).encode()

    _post(client, woo_store, body, _delivery(woo_store, body, secret="whsec-north"))
    _post(client, other_woo_store, body, _delivery(other_woo_store, body, secret="whsec-other"))

    assert WebhookEvent.objects.count() == 2


def test_the_poll_catches_orders_whose_webhook_never_came(
    woo_store: Store, woo_shop: WooStandIn
) -> None:
    add_order(woo_shop, data.demo_orders(timezone.now())[2], WooIds())
    WooConnection.objects.filter(store=woo_store).update(webhooks_checked_at=timezone.now())

    poll_store.apply((woo_store.pk,))

    assert Order.objects.filter(store=woo_store, platform_order_id="1003").exists()
    connection = WooConnection.objects.get(store=woo_store)
    assert connection.polled_through is not None
    assert connection.polled_through > timezone.now() - timedelta(hours=3)


def test_a_disabled_webhook_is_switched_back_on_and_the_merchant_told(
    woo_store: Store, woo_shop: WooStandIn
) -> None:
    for topic in ("order.created", "order.updated", "order.deleted"):
        hook_id = woo_shop.new_id()
        woo_shop.webhooks[hook_id] = {
            "id": hook_id,
            "topic": topic,
            "status": "disabled" if topic == "order.updated" else "active",
            "delivery_url": delivery_url(woo_store),
            "secret": "whsec-north",
        }

    poll_store.apply((woo_store.pk,))

    assert {h["status"] for h in woo_shop.webhooks.values()} == {"active"}
    assert len(woo_shop.webhooks) == 3
    connection = WooConnection.objects.get(store=woo_store)
    assert "order.updated" in connection.notice
    [mail] = OutboundMessage.objects.filter(store=woo_store)
    assert mail.recipient == "owner@northwind.example"


def test_a_refunded_order_is_kept_with_the_items_its_refunds_covered(
    client: Client, woo_store: Store, woo_shop: WooStandIn
) -> None:
    refunded = data.demo_orders(timezone.now())[6]  # #1007: the hoodie returned and refunded
    body = json.dumps(add_order(woo_shop, refunded, WooIds())).encode()
    _post(client, woo_store, body, _delivery(woo_store, body, secret="whsec-north"))

    processing.webhook_event_process(WebhookEvent.objects.get().pk)

    order = Order.objects.get(store=woo_store, platform_order_id="1007")
    assert [i["refunded_quantity"] for i in order.line_items] == [1]
    assert order.financial_status == "refunded"


def test_a_store_down_while_processing_leaves_the_event_to_retry(
    client: Client, woo_store: Store, woo_shop: WooStandIn, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WOOCOMMERCE_MAX_WAIT_SECONDS = 0
    refunded = data.demo_orders(timezone.now())[6]
    body = json.dumps(add_order(woo_shop, refunded, WooIds())).encode()
    _post(client, woo_store, body, _delivery(woo_store, body, secret="whsec-north"))
    woo_shop.offline = True

    processing.webhook_event_process(WebhookEvent.objects.get().pk)

    event = WebhookEvent.objects.get()
    assert event.status in (WebhookStatus.PENDING, WebhookStatus.FAILED)
    assert event.status != WebhookStatus.PROCESSED
    assert not Order.objects.filter(store=woo_store).exists()
