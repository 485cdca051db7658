"""The mandatory privacy webhooks: data export, customer redaction, shop redaction."""

from __future__ import annotations

import pytest

from apps.conversations.models import AgentAction, Conversation, Message
from apps.integrations.commerce.shopify.webhook_orders import order_upsert_from_shopify
from apps.orders.models import Order
from apps.stores.models import Store, StoreSettings, StoreStatus
from apps.webhooks.models import CustomerDataExport, WebhookEvent
from apps.webhooks.tasks import process_webhook_event
from tests.factories import OrderFactory
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db

JON_ORDER = "gid://shopify/Order/820982911946154508"


def _conversation(store, *, email="", phone="", platform_id="", order=None, text="hello"):
    conversation = Conversation.objects.create(
        store=store,
        customer_email=email,
        customer_phone=phone,
        customer_platform_id=platform_id,
        order_in_focus=order,
    )
    question = Message.objects.create(
        store=store, conversation=conversation, role="customer", text=text
    )
    Message.objects.create(
        store=store, conversation=conversation, role="assistant", text="Let me check.",
        reply_to=question,
    )  # fmt: skip
    AgentAction.objects.create(
        store=store, conversation=conversation, message=question, order=order,
        kind="lookup_order", status="executed", idempotency_key=f"k-{conversation.pk}",
        parameters={"order": order.name if order else ""},
    )  # fmt: skip
    return conversation


@pytest.fixture
def jon(shop):
    """Jon's data in the shop: his order (from the webhook), and three conversations found
    by email, by phone in another format, and by the storefront's numeric customer id."""
    order_upsert_from_shopify(shop, fixture("orders_create"))
    order = Order.objects.get(store=shop)
    return {
        "order": order,
        "by_email": _conversation(
            shop, email="JON@example.com", order=order, text="Where is #1001?"
        ),
        "by_phone": _conversation(shop, phone="555.010.1234", text="Text me the tracking"),
        "by_id": _conversation(shop, platform_id="115310627314723954", text="Logged in, hi"),
    }


@pytest.fixture
def bystanders(shop, other_store):
    """Data that must survive: another customer in the shop, and Jon's twin in another store."""
    other_order = OrderFactory(store=shop, email="arya@example.com", phone="+15550109999")
    twin_order = OrderFactory(store=other_store, email="jon@example.com")
    return {
        "other_customer": _conversation(shop, email="arya@example.com", order=other_order),
        "anonymous": _conversation(shop),  # no identity at all: must never match
        "other_store": _conversation(other_store, email="jon@example.com", order=twin_order),
        "orders": [other_order, twin_order],
    }


def test_a_data_request_exports_everything_held_about_the_customer(shop, jon, bystanders):
    event = WebhookEventFactory(
        store=shop, topic="customers/data_request", payload=fixture("customers_data_request")
    )

    assert process_webhook_event(event.pk) == "processed"

    export = CustomerDataExport.objects.get()
    assert (export.store, export.data_request_id, export.webhook_event) == (shop, "9999", event)
    assert export.customer_platform_id == "gid://shopify/Customer/115310627314723954"
    assert export.orders_requested == [JON_ORDER]
    data = export.data
    assert data["store"] == shop.domain
    assert data["customer"] == {
        "id": 115310627314723954, "email": "jon@example.com", "phone": "+1 (555) 010-1234",
    }  # fmt: skip
    assert [o["platform_order_id"] for o in data["orders"]] == [JON_ORDER]
    assert data["orders"][0]["total_price"] == "113.36"
    assert data["orders"][0]["shipping_address"]["name"] == "Steve Shipper"
    conversation_ids = sorted(c["id"] for c in data["conversations"])
    assert conversation_ids == sorted(jon[k].pk for k in ("by_email", "by_phone", "by_id"))
    by_email = next(c for c in data["conversations"] if c["id"] == jon["by_email"].pk)
    assert [m["text"] for m in by_email["messages"]] == ["Where is #1001?", "Let me check."]
    assert by_email["actions"][0]["kind"] == "lookup_order"
    assert "arya@example.com" not in str(data)
    assert _reload(event).note == f"export {export.pk}: 1 orders, 3 conversations"


def test_a_redelivered_data_request_rebuilds_the_same_export(shop, jon):
    payload = fixture("customers_data_request")
    for _ in range(2):
        process_webhook_event(
            WebhookEventFactory(store=shop, topic="customers/data_request", payload=payload).pk
        )
    assert CustomerDataExport.objects.count() == 1


def test_a_data_request_for_an_unknown_customer_exports_nothing_of_others(shop, jon, bystanders):
    payload = fixture("customers_data_request")
    payload["customer"] = {"id": 1, "email": "nobody@example.com", "phone": None}
    payload["orders_requested"] = []
    process_webhook_event(
        WebhookEventFactory(store=shop, topic="customers/data_request", payload=payload).pk
    )
    data = CustomerDataExport.objects.get().data
    assert (data["orders"], data["conversations"]) == ([], [])


def test_customer_redact_erases_the_customer_and_nothing_else(shop, jon, bystanders):
    process_webhook_event(
        WebhookEventFactory(
            store=shop, topic="customers/data_request", payload=fixture("customers_data_request")
        ).pk
    )
    order_event = WebhookEventFactory(store=shop, topic="orders/create", status="processed")
    unrelated_event = WebhookEventFactory(
        store=shop, topic="orders/create", status="processed",
        payload={**fixture("orders_create"), "id": 42, "email": "arya@example.com",
                 "customer": {"id": 7, "email": "arya@example.com"}},
    )  # fmt: skip
    redact = WebhookEventFactory(
        store=shop, topic="customers/redact", payload=fixture("customers_redact")
    )
    survivors = {
        c.pk
        for c in (bystanders["other_customer"], bystanders["anonymous"], bystanders["other_store"])
    }

    assert process_webhook_event(redact.pk) == "processed"

    assert not Order.objects.filter(pk=jon["order"].pk).exists()
    assert set(Conversation.objects.values_list("pk", flat=True)) == survivors
    assert set(Message.objects.values_list("conversation_id", flat=True)) == survivors
    assert set(AgentAction.objects.values_list("conversation_id", flat=True)) == survivors
    assert set(Order.objects.all()) == set(bystanders["orders"])
    assert CustomerDataExport.objects.count() == 0
    assert WebhookEvent.objects.get(pk=order_event.pk).payload == {"redacted": True}
    assert WebhookEvent.objects.get(pk=unrelated_event.pk).payload["email"] == "arya@example.com"
    request = WebhookEvent.objects.get(pk=redact.pk)
    assert request.payload["customer"] == {"id": 115310627314723954, "email": None, "phone": None}
    assert request.payload["orders_to_redact"] == [820982911946154508]
    assert request.note.startswith(
        "deleted: agent_actions 3, messages 6, conversations 3, orders 1"
    )

    # A second request finds nothing more to erase.
    again = WebhookEventFactory(
        store=shop, topic="customers/redact", payload=fixture("customers_redact")
    )
    assert process_webhook_event(again.pk) == "processed"
    assert _reload(again).note == (
        "deleted: agent_actions 0, messages 0, conversations 0, orders 0, exports 0, "
        "webhook_payloads 0, message_payloads 0"
    )
    assert set(Conversation.objects.values_list("pk", flat=True)) == survivors


def test_customer_redact_with_only_an_email_does_not_touch_rows_without_one(shop, jon, bystanders):
    payload = fixture("customers_redact")
    payload["customer"] = {"email": "jon@example.com"}
    payload["orders_to_redact"] = []
    process_webhook_event(
        WebhookEventFactory(store=shop, topic="customers/redact", payload=payload).pk
    )
    assert Conversation.objects.filter(pk=bystanders["anonymous"].pk).exists()
    assert Conversation.objects.filter(pk=jon["by_id"].pk).exists()  # not matched by email
    assert not Conversation.objects.filter(pk=jon["by_email"].pk).exists()


def test_shop_redact_erases_the_store_and_leaves_other_stores_alone(
    shop, jon, bystanders, other_store
):
    Store.objects.filter(pk=shop.pk).update(status=StoreStatus.UNINSTALLED)
    StoreSettings.objects.create(store=shop)
    stray = WebhookEventFactory(store=None, shop_domain=shop.domain, status="ignored")
    redact = WebhookEventFactory(store=shop, topic="shop/redact", payload=fixture("shop_redact"))
    other_before = (
        Order.objects.filter(store=other_store).count(),
        Conversation.objects.filter(store=other_store).count(),
        Message.objects.filter(store=other_store).count(),
    )

    assert process_webhook_event(redact.pk) == "processed"

    assert not Store.objects.filter(pk=shop.pk).exists()
    assert not StoreSettings.objects.filter(store_id=shop.pk).exists()
    for model in (Order, Conversation, Message, AgentAction, CustomerDataExport):
        assert not model.objects.filter(store_id=shop.pk).exists(), model
    assert not WebhookEvent.objects.filter(pk=stray.pk).exists()
    kept = WebhookEvent.objects.get(pk=redact.pk)
    assert (kept.store, kept.status, kept.shop_domain) == (None, "processed", shop.domain)
    assert Store.objects.filter(pk=other_store.pk).exists()
    assert other_before == (
        Order.objects.filter(store=other_store).count(),
        Conversation.objects.filter(store=other_store).count(),
        Message.objects.filter(store=other_store).count(),
    )


def test_shop_redact_for_a_store_that_is_installed_again_is_ignored(shop, jon):
    redact = WebhookEventFactory(store=shop, topic="shop/redact", payload=fixture("shop_redact"))
    assert process_webhook_event(redact.pk) == "ignored"
    assert Store.objects.filter(pk=shop.pk).exists()
    assert Order.objects.filter(store=shop).count() == 1


@pytest.mark.parametrize(
    ("topic", "name"),
    [
        ("customers/data_request", "customers_data_request"),
        ("customers/redact", "customers_redact"),
        ("shop/redact", "shop_redact"),
    ],
)
def test_a_privacy_payload_naming_another_shop_is_refused(shop, jon, topic, name):
    Store.objects.filter(pk=shop.pk).update(status=StoreStatus.UNINSTALLED)
    payload = {**fixture(name), "shop_domain": "someone-else.myshopify.com"}
    event = WebhookEventFactory(store=shop, topic=topic, payload=payload)

    assert process_webhook_event(event.pk) == "failed"

    assert "differs from the delivery's shop" in _reload(event).last_error
    assert Store.objects.filter(pk=shop.pk).exists()
    assert Conversation.objects.filter(store=shop).count() == 3
    assert CustomerDataExport.objects.count() == 0


def test_a_malformed_privacy_payload_fails_without_leaking_it(shop):
    event = WebhookEventFactory(
        store=shop, topic="customers/redact",
        payload={"shop_domain": shop.domain, "customer": "jon@example.com"},
    )  # fmt: skip
    assert process_webhook_event(event.pk) == "failed"
    error = _reload(event).last_error
    assert "customer" in error
    assert "jon@example.com" not in error


def _reload(event):
    return WebhookEvent.objects.get(pk=event.pk)
