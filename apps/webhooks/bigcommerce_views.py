"""POST /webhooks/bigcommerce: BigCommerce's webhooks for the stores that installed us.

The payload is thin ({scope, producer: "stores/{hash}", data: {type, id}, hash}). The store
is the producer's; the delivery must carry that store's own secret in the header we gave
BigCommerce when creating the hook (compared in constant time), and, when BigCommerce
signs it (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`,
HMAC-SHA256 keyed with our client secret over "{id}.{timestamp}.{body}"), a valid
signature no older than 5 minutes. A verified delivery is persisted once (deduped on the
payload's `hash`, which BigCommerce repeats on duplicate fires) and answered at once:
a slow answer gets every hook of our domain blocklisted. Nothing here calls out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.commerce.bigcommerce.ids import (
    InvalidStoreHash,
    domain_for,
    hash_from_context,
)
from apps.integrations.commerce.bigcommerce.storefront import SECRET_HEADER
from apps.stores.models import IntegrationCredential, Platform
from apps.webhooks.models import Provider
from apps.webhooks.provider_inbox import provider_event_record
from apps.webhooks.provider_views import _ACKS, _not_configured, _read
from apps.webhooks.views import problem

TOLERANCE_SECONDS = 300
CREDENTIAL = "bigcommerce"


@csrf_exempt
def bigcommerce_webhook(request: HttpRequest) -> HttpResponse:
    body = _read(request)
    if isinstance(body, HttpResponse):
        return body
    payload = _payload(body)
    if payload is None:
        return problem(400, "Bad webhook", "The body is not a BigCommerce webhook.")
    try:
        store_hash = hash_from_context(payload["producer"])
    except InvalidStoreHash:
        return problem(400, "Bad webhook", "The producer names no store.")
    credential = (
        IntegrationCredential.objects.select_related("store")
        .filter(
            provider=CREDENTIAL,
            store__platform=Platform.BIGCOMMERCE,
            store__domain=domain_for(store_hash),
        )
        .first()
    )
    secret = credential.revealed_config().get("webhook_secret", "") if credential else ""
    if credential is None or not secret:
        return _not_configured()
    if not constant_time_compare(request.headers.get(SECRET_HEADER, ""), secret):
        return problem(401, "Unauthorized", f"{SECRET_HEADER} missing or invalid.")
    if "webhook-signature" in request.headers and not standard_signature_valid(request, body):
        return problem(401, "Unauthorized", "webhook-signature invalid or too old.")
    recorded = provider_event_record(
        provider=Provider.BIGCOMMERCE,
        store=credential.store,
        event_id=payload["hash"],
        topic=f"bigcommerce/{payload['scope']}",
        payload=payload,
    )
    return HttpResponse(_ACKS[recorded], content_type="application/json")


def _payload(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = parse_json(body)
    except InvalidJSON:
        return None
    if not isinstance(parsed, dict):
        return None
    fields = ("scope", "producer", "hash")
    if not all(isinstance(parsed.get(f), str) and 0 < len(parsed[f]) <= 128 for f in fields):
        return None
    return parsed if isinstance(parsed.get("data"), dict) else None


def standard_signature_valid(request: HttpRequest, body: bytes) -> bool:
    secret = settings.BIGCOMMERCE_CLIENT_SECRET
    message_id = request.headers.get("webhook-id", "")
    stamp = request.headers.get("webhook-timestamp", "")
    if not secret or not message_id or not stamp.isdigit() or len(message_id) > 128:
        return False
    if abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
        return False
    signed = message_id.encode() + b"." + stamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    for candidate in request.headers.get("webhook-signature", "").split()[:8]:
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False
