"""POST /webhooks/shopify: authentication, validation, dedupe and enqueueing."""

from __future__ import annotations

import json
import re

import pytest

from apps.stores.models import StoreStatus
from apps.webhooks.models import WebhookEvent, WebhookStatus
from tests.factories import StoreFactory
from tests.webhooks.helpers import SHOP, delivery_headers, fixture, post_webhook

pytestmark = pytest.mark.django_db

URL = "/webhooks/shopify"
NUL_REFUSED = "Body holds a \\u0000 escape, which cannot be stored."
TOO_DEEP = "Body is nested deeper than 64 levels."


def _post_raw(client, body: bytes, headers: dict[str, str]):
    return client.post(URL, data=body, content_type="application/json", headers=headers)


# ---------------------------------------------------------------- authentication


def test_it_accepts_a_signed_order_webhook_and_enqueues_it_after_commit(
    client, shop, queued, django_capture_on_commit_callbacks
):
    payload = fixture("orders_create")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(client, "orders/create", payload, event_id="evt-1")

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    event = WebhookEvent.objects.get()
    assert (event.provider, event.store, event.shop_domain) == ("shopify", shop, SHOP)
    assert (event.topic, event.event_id, event.api_version) == ("orders/create", "evt-1", "2026-10")
    assert event.status == WebhookStatus.PENDING
    assert event.attempts == 0
    assert event.payload == payload
    assert event.triggered_at.isoformat() == "2026-03-02T15:15:34.123456+00:00"
    assert len(callbacks) == 1
    assert queued() == 1


@pytest.mark.parametrize(
    ("label_case", "mangle"),
    [
        ("forged_signature", lambda h: {**h, "X-Shopify-Hmac-Sha256": "bm90IGEgcmVhbCBobWFj"}),
        ("missing_signature", lambda h: {k: v for k, v in h.items() if "Hmac" not in k}),
        ("empty_signature", lambda h: {**h, "X-Shopify-Hmac-Sha256": ""}),
    ],
)
def test_it_refuses_a_bad_or_missing_hmac_and_stores_nothing(
    client, shop, queued, label_case, mangle
):
    body = json.dumps(fixture("orders_create")).encode()
    headers = mangle(delivery_headers("orders/create", body))
    response = _post_raw(client, body, headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "HMAC signature missing or invalid."
    assert WebhookEvent.objects.count() == 0
    assert queued() == 0


def test_it_refuses_a_body_altered_after_signing(client, shop):
    body = json.dumps(fixture("orders_create")).encode()
    headers = delivery_headers("orders/create", body)
    tampered = body.replace(b'"113.36"', b'"0.01"')
    assert _post_raw(client, tampered, headers).status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_it_accepts_the_old_secret_during_a_rotation(client, shop, settings):
    settings.SHOPIFY_API_SECRET_OLD = "the-previous-secret"
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), secret="the-previous-secret"
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_it_refuses_a_retired_secret(client, shop, settings):
    settings.SHOPIFY_API_SECRET_OLD = ""
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), secret="the-previous-secret"
    )
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


# ---------------------------------------------------------------- header styles


def test_it_accepts_the_newer_unprefixed_headers(client, shop):
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), style="shopify", event_id="evt-new"
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().event_id == "evt-new"


def test_header_names_are_case_insensitive(client, shop):
    body = json.dumps(fixture("orders_create")).encode()
    headers = {k.upper(): v for k, v in delivery_headers("orders/create", body).items()}
    assert _post_raw(client, body, headers).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_the_newer_header_wins_when_both_styles_are_present(client, shop):
    body = json.dumps(fixture("orders_create")).encode()
    legacy = delivery_headers("orders/create", body, event_id="evt-legacy")
    newer = delivery_headers("orders/updated", body, event_id="evt-newer", style="shopify")
    assert _post_raw(client, body, {**legacy, **newer}).status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.topic, event.event_id) == ("orders/updated", "evt-newer")


def test_the_webhook_id_is_the_dedupe_key_when_there_is_no_event_id(client, shop):
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), event_id="", webhook_id="wh-77"
    )
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.webhook_id) == ("wh-77", "wh-77")


def test_an_unparseable_triggered_at_is_stored_as_unknown(client, shop):
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), triggered_at="yesterday"
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().triggered_at is None


@pytest.mark.parametrize(
    "missing",
    ["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-API-Version"],
)
def test_it_refuses_a_delivery_missing_a_required_header(client, shop, queued, missing):
    body = json.dumps(fixture("orders_create")).encode()
    headers = delivery_headers("orders/create", body)
    del headers[missing]
    response = _post_raw(client, body, headers)
    assert response.status_code == 400
    assert missing in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0
    assert queued() == 0


@pytest.mark.parametrize(
    ("label_case", "header", "value"),
    [
        ("foreign_domain", "X-Shopify-Shop-Domain", "evil.com"),
        ("suffix_attack", "X-Shopify-Shop-Domain", "x.myshopify.com.evil.com"),
        ("path_in_domain", "X-Shopify-Shop-Domain", "x.myshopify.com/../"),
        ("topic_with_spaces", "X-Shopify-Topic", "orders updated"),
        ("event_id_too_long", "X-Shopify-Event-Id", "e" * 129),
        ("api_version_injection", "X-Shopify-API-Version", "2026-10'; drop"),
    ],
)
def test_it_refuses_malformed_header_values(client, shop, label_case, header, value):
    body = json.dumps(fixture("orders_create")).encode()
    headers = {**delivery_headers("orders/create", body), header: value}
    assert _post_raw(client, body, headers).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_an_upper_case_shop_domain_is_normalised(client, shop):
    response = post_webhook(client, "orders/create", fixture("orders_create"), shop=SHOP.upper())
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.shop_domain, event.store_id, event.status) == (SHOP, shop.pk, "pending")


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize(
    ("label_case", "body", "detail"),
    [
        ("empty", b"", "Empty body: a JSON object is expected."),
        ("whitespace", b"  \n", "Empty body: a JSON object is expected."),
        ("form_encoded", b"order=1001&total=113.36", "Body must be a JSON object."),
        ("truncated", b'{"id": 820982911946154508, "name": "#10', "Body is not valid JSON."),
        ("trailing_garbage", b'{"id": 1} {"id": 2}', "Body is not valid JSON."),
        ("not_utf8", '{"note": "caf\u00e9"}'.encode("latin-1"), "Body is not UTF-8."),
        ("nan", b'{"total_price": NaN}', "Body is not valid JSON."),
        ("array", b"[1, 2, 3]", "Body must be a JSON object."),
        ("string", b'"{not an object}"', "Body must be a JSON object."),
        ("nul_escape", b'{"note": "a\\u0000b"}', NUL_REFUSED),
        ("lone_surrogate", b'{"note": "\\ud800x"}', "Body is not valid JSON."),
        ("lone_low_surrogate", b'{"id": 1, "note": "x\\udfff"}', "Body is not valid JSON."),
        ("deep_nesting", b'{"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", TOO_DEEP),
        ("deep_objects", b'{"a": ' * 100 + b"1" + b"}" * 100, TOO_DEEP),
        ("unbalanced_nesting", b'{"a": ' + b"[" * 200_000 + b"}", TOO_DEEP),
    ],
)
def test_it_refuses_bodies_that_are_not_a_json_object(
    client, shop, queued, caplog, label_case, body, detail
):
    response = _post_raw(client, body, delivery_headers("orders/create", body))
    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank", "title": "Bad webhook", "status": 400, "code": "invalid_json",
        "detail": detail,
    }  # fmt: skip
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert WebhookEvent.objects.count() == 0
    assert queued() == 0


def test_it_refuses_a_body_over_the_limit(client, shop, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 2048
    payload = fixture("orders_create")
    payload["note"] = "x" * 2048
    response = post_webhook(client, "orders/create", payload)
    assert response.status_code == 413
    assert response.json()["detail"] == "Body larger than 2048 bytes."
    assert WebhookEvent.objects.count() == 0


def test_a_body_exactly_at_the_limit_is_accepted(client, shop, settings):
    body = json.dumps({"id": 1, "pad": ""}).encode()
    body = json.dumps({"id": 1, "pad": "x" * (1024 - len(body))}).encode()
    assert len(body) == 1024
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    assert _post_raw(client, body, delivery_headers("orders/create", body)).status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading(rf, shop, settings):
    from apps.webhooks.views import shopify_webhook

    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    body = b'{"id": 1}'
    request = rf.post(URL, data=body, content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(10 * 1024 * 1024)
    response = shopify_webhook(request)
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_only_post_is_allowed(client, shop, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert WebhookEvent.objects.count() == 0


# ---------------------------------------------------------------- dedupe and routing


def test_a_redelivery_is_acknowledged_and_not_enqueued_again(
    client, shop, queued, django_capture_on_commit_callbacks
):
    payload = fixture("orders_create")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(client, "orders/create", payload, event_id="evt-1")
        again = post_webhook(client, "orders/create", payload, event_id="evt-1")
    assert (first.json(), again.json()) == ({"status": "accepted"}, {"status": "duplicate"})
    assert again.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert queued() == 1


def test_two_subscriptions_delivering_one_event_are_stored_once(client, shop):
    # Different webhook ids, same event id: Shopify's duplicates of one event.
    payload = fixture("orders_create")
    post_webhook(client, "orders/create", payload, event_id="evt-1", webhook_id="wh-a")
    post_webhook(client, "orders/create", payload, event_id="evt-1", webhook_id="wh-b")
    assert list(WebhookEvent.objects.values_list("webhook_id", flat=True)) == ["wh-a"]


def test_a_signed_webhook_for_an_unknown_shop_is_acknowledged_and_ignored(client, queued):
    response = post_webhook(
        client, "orders/create", fixture("orders_create"), shop="nobody.myshopify.com"
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    event = WebhookEvent.objects.get()
    assert (event.store, event.status, event.note) == (None, "ignored", "shop is not installed")
    assert queued() == 0


def test_an_order_webhook_for_an_uninstalled_shop_is_ignored(client, queued):
    store = StoreFactory(domain=SHOP, status=StoreStatus.UNINSTALLED)
    response = post_webhook(client, "orders/updated", fixture("orders_create"))
    assert response.json() == {"status": "ignored"}
    event = WebhookEvent.objects.get()
    assert (event.store, event.status, event.note) == (store, "ignored", "shop is uninstalled")
    assert queued() == 0


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("app/uninstalled", "app_uninstalled"),
        ("customers/data_request", "customers_data_request"),
        ("customers/redact", "customers_redact"),
        ("shop/redact", "shop_redact"),
    ],
)
def test_lifecycle_and_privacy_topics_are_processed_after_uninstall(
    client, queued, django_capture_on_commit_callbacks, topic, payload
):
    StoreFactory(domain=SHOP, status=StoreStatus.UNINSTALLED)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, topic, fixture(payload))
    assert response.json() == {"status": "accepted"}
    assert WebhookEvent.objects.get().status == WebhookStatus.PENDING
    assert queued() == 1


def test_an_unknown_topic_is_stored_and_ignored(client, shop, queued):
    response = post_webhook(client, "products/update", {"id": 632910392, "title": "IPod Nano"})
    assert response.json() == {"status": "ignored"}
    event = WebhookEvent.objects.get()
    assert (event.topic, event.status, event.note) == (
        "products/update", "ignored", "no handler for this topic",
    )  # fmt: skip
    assert queued() == 0


def test_the_request_makes_no_outbound_call(client, shop, monkeypatch):
    import httpx

    def refuse(*args, **kwargs):
        raise AssertionError("the webhook request must not call out")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    assert post_webhook(client, "orders/create", fixture("orders_create")).status_code == 200


@pytest.mark.parametrize(
    ("label_case", "text", "detail"),
    [
        ("truncated", '{"id": 1', "Body is not valid JSON."),
        ("nan", '{"total_price": NaN}', "Body is not valid JSON."),
        ("array", "[1]", "Body must be a JSON object."),
        ("lone_surrogate", '{"note": "\\ud800"}', "Body is not valid JSON."),
        ("deep_nesting", '{"a": ' + "[" * 3_000 + "]" * 3_000 + "}", TOO_DEEP),
    ],
)
def test_without_postgresql_the_json_is_checked_in_python(label_case, text, detail):
    from apps.webhooks.delivery import DeliveryError, check_json_object

    with pytest.raises(DeliveryError, match=re.escape(detail)):
        check_json_object(text)
    check_json_object('{"id": 1}')  # an object passes
