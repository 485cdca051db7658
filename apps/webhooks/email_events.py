"""SendGrid's signed Event Webhook (`/inbound/email/<store token>/events`): delivery news for
the email outbox.

Verified with the SDK's EventWebhook (ECDSA P-256 over timestamp + raw body) and the store's
own verification key, then refused unless the timestamp is fresh (the helper does not check it:
a captured request could be replayed forever). Events come batched and repeated for up to a day
(reference §5, §8.4): each `sg_event_id` is applied once.
"""

from __future__ import annotations

import binascii
import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from sendgrid.helpers.eventwebhook import EventWebhook

from apps.conversations import inbound, outbox
from apps.conversations.models import Channel, InboundReceipt
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.stores.credential_cache import revealed_config_cached
from apps.stores.models import Store

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 1000
FRESH_SECONDS = 300  # how far the signed timestamp may be from our clock, either way
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


@csrf_exempt
@require_POST
def email_events(request: HttpRequest, token: str) -> HttpResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    # As the inbound views: one query, the config decrypted once a minute per process.
    credential = inbound.endpoint_credential(token, Channel.EMAIL, "sendgrid")
    if credential is None:
        return HttpResponse(status=404)
    store = credential.store
    config = revealed_config_cached(credential.pk, credential.sealed)  # type: ignore[attr-defined]
    key = config.get("event_webhook_key", "")
    if not key:
        return HttpResponse(status=404)
    if not _signed_and_fresh(request, key):
        return HttpResponse(status=403)
    try:
        events = parse_json(request.body)
    except InvalidJSON:
        return HttpResponse(status=400)
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        return HttpResponse(status=400)
    for event in events:
        if isinstance(event, dict):
            _apply(store, event)
    return HttpResponse(status=204)


def _signed_and_fresh(request: HttpRequest, key: str) -> bool:
    signature = request.headers.get(SIGNATURE, "")  # Django's headers are case-insensitive
    timestamp = request.headers.get(TIMESTAMP, "")
    if (
        not signature
        or not timestamp.isdigit()
        or abs(time.time() - int(timestamp)) > FRESH_SECONDS
    ):
        return False
    try:
        body = request.body.decode("utf-8")
        return bool(EventWebhook(key).verify_signature(body, signature, timestamp))
    except (ValueError, binascii.Error, UnicodeDecodeError):  # a bad key, signature or body
        return False


def _apply(store: Store, event: dict[str, Any]) -> None:
    event_id = event.get("sg_event_id")
    message_id = str(event.get("sg_message_id") or "").split(".", 1)[0]
    if not isinstance(event_id, str) or not event_id or len(event_id) > 90:
        return
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(
                store=store, channel=Channel.EMAIL, external_id=f"event:{event_id}"
            )
            outbox.record_delivery(
                store=store,
                provider="sendgrid",
                message_id=message_id[:100],
                event=str(event.get("event", ""))[:20],
                detail=str(event.get("status") or event.get("reason") or "")[:10],
            )
    except IntegrityError:
        return  # applied before
