"""POST /webhooks/helpdesk/<provider>/<token>: verify over the raw body, persist each event
once, hand off, answer fast. No call to the helpdesk happens here (Gorgias's re-fetch and
Front's preview hydration run in the task).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.helpdesk.events import credential_for_token, webhook_seen
from apps.integrations.helpdesk.base import (
    HelpdeskEvent,
    HelpdeskProvider,
    InvalidWebhook,
    NeedsReauth,
    WebhookRequest,
)
from apps.integrations.helpdesk.registry import provider_for
from apps.integrations.helpdesk.tenants import tenant_from_config
from apps.stores.models import IntegrationCredential
from apps.webhooks import delivery
from apps.webhooks.dispatch import enqueue_event
from apps.webhooks.handlers.helpdesk import TOPIC_PREFIX
from apps.webhooks.models import WebhookEvent
from apps.webhooks.views import problem

logger = logging.getLogger(__name__)


@csrf_exempt
def helpdesk_webhook(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    if request.method != "POST":
        response = problem(405, "Method not allowed", "Webhooks are delivered with POST.")
        response["Allow"] = "POST"
        return response
    credential = credential_for_token(provider, token)
    if credential is None:
        return problem(404, "Not found", "No such webhook.")
    try:
        body = delivery.read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    except delivery.DeliveryError as exc:
        return problem(exc.status, "Bad webhook", str(exc), exc.code)
    try:
        client = provider_for(tenant_from_config(provider, credential.revealed_config()))
        received = WebhookRequest(body, _headers(request), timezone.now())
        client.verify_webhook(received)
        payload = parse_json(body)
        challenge = received.headers.get("x-front-challenge", "")
        if provider == "front" and challenge:
            # Front's check when the app webhook is saved: echo the challenge.
            return JsonResponse({"challenge": challenge[:200]})
        events = client.parse_webhook(payload)
    except (InvalidWebhook, NeedsReauth) as exc:
        logger.info("helpdesk webhook refused (%s): %s", provider, exc)
        return problem(401, "Unauthorized", "Signature, freshness or account check failed.")
    except InvalidJSON as exc:
        return problem(400, "Bad webhook", str(exc), "invalid_json")
    accepted = _record(credential, client, events, payload)
    webhook_seen(credential.pk)
    return JsonResponse({"status": "accepted" if accepted else "duplicate"})


def _headers(request: HttpRequest) -> dict[str, str]:
    return {k.lower(): str(v)[:1000] for k, v in request.headers.items()}


def _record(
    credential: IntegrationCredential,
    client: HelpdeskProvider,
    events: list[HelpdeskEvent],
    payload: Any,
) -> int:
    """Store each new event (unique per provider + store + event id) and enqueue it on commit."""
    accepted = 0
    for event in events:
        try:
            with transaction.atomic():
                row, created = WebhookEvent.objects.get_or_create(
                    provider=client.key,
                    # Scoped to the store: one account's ids never collide with another's.
                    event_id=f"{credential.store_id}:{event.event_id}"[:128],
                    defaults={
                        "store_id": credential.store_id,
                        "shop_domain": credential.store.domain,
                        "topic": f"{TOPIC_PREFIX}{client.key}",
                        "webhook_id": event.event_id[:128],
                        "payload": payload,
                        "dispatched_at": timezone.now(),
                    },
                )
        except IntegrityError:
            continue  # a concurrent copy of the same delivery won
        if created:
            accepted += 1
            transaction.on_commit(partial(enqueue_event, row.pk))
    return accepted
