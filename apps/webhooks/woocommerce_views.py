"""POST /webhooks/woocommerce/<store>: order webhooks of a connected WooCommerce store.

The URL only says whose secret to check; `X-WC-Webhook-Signature` (base64 of HMAC-SHA256
over the raw body with the store's own secret, compared in constant time) is the
authentication, so a delivery signed with another store's secret is refused. WooCommerce's
ping on creating a webhook (`webhook_id=N`, form-encoded, unsigned) is answered 200 with
nothing stored: any other answer counts towards WooCommerce disabling the webhook.

A verified delivery is stored once, keyed by store and `X-WC-Webhook-Delivery-ID`
(delivery ids are per site, so two stores share them), and processed by the worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.webhooks.inbox import Recorded
from apps.webhooks.models import Provider
from apps.webhooks.provider_inbox import provider_event_record
from apps.webhooks.provider_views import _not_configured, _read, _secret
from apps.webhooks.views import problem

_PING = re.compile(rb"^webhook_id=\d{1,20}$")
_TOPIC = re.compile(r"^[a-z_]{1,30}\.[a-z_]{1,30}$")
_DELIVERY = re.compile(r"^[0-9A-Za-z-]{1,64}$")
_ACKS = {r: f'{{"status": "{r.value}"}}'.encode() for r in Recorded}


def signature_valid(body: bytes, signature: str, secret: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


@csrf_exempt
def woocommerce_webhook(request: HttpRequest, store_id: int) -> HttpResponse:
    body = _read(request)
    if isinstance(body, HttpResponse):
        return body
    signature = request.headers.get("X-WC-Webhook-Signature", "")
    if not signature and _PING.match(body.strip()):
        return HttpResponse(b'{"status": "pong"}', content_type="application/json")
    found = _secret(store_id, Provider.WOOCOMMERCE)
    if found is None:
        return _not_configured()
    store, secret = found
    if not signature or not signature_valid(body, signature, secret):
        return problem(401, "Unauthorized", "X-WC-Webhook-Signature missing or invalid.")
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    delivery = request.headers.get("X-WC-Webhook-Delivery-ID", "")
    if not _TOPIC.match(topic) or not _DELIVERY.match(delivery):
        return problem(400, "Bad webhook", "X-WC-Webhook-Topic or -Delivery-ID missing.")
    payload = _payload(body)
    if payload is None:
        return problem(400, "Bad webhook", "The body is not a WooCommerce resource.")
    recorded = provider_event_record(
        provider=Provider.WOOCOMMERCE,
        store=store,
        event_id=f"{store.pk}:{delivery}",
        topic=f"woocommerce/{topic}",
        payload=payload,
    )
    return HttpResponse(_ACKS[recorded], content_type="application/json")


def _payload(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = parse_json(body)
    except InvalidJSON:
        return None
    return parsed if isinstance(parsed, dict) else None
