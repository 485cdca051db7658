"""POST /webhooks/easypost/<store> and /webhooks/stripe/<store>: a store's own accounts.

Each merchant points the provider's webhook at their store's URL and gives us the endpoint
secret (the integrations page). The URL only says whose secret to check; the signature is
the authentication: EasyPost's `X-Hmac-Signature` through the SDK's `validate_webhook`
(given Django's case-insensitive `request.headers`, platforms.md §8.9), Stripe's
`Stripe-Signature` with a 300 s tolerance. A verified event is persisted first (deduped on
the provider's event id) and processed by the worker; nothing here calls out.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from easypost.errors import SignatureVerificationError
from easypost.util import validate_webhook

from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks import delivery
from apps.webhooks.inbox import Recorded
from apps.webhooks.models import Provider
from apps.webhooks.provider_inbox import provider_event_record
from apps.webhooks.views import problem

logger = logging.getLogger(__name__)

STRIPE_TOLERANCE_SECONDS = 300
_ACKS = {r: f'{{"status": "{r.value}"}}'.encode() for r in Recorded}


def _secret(store_id: int, provider: str) -> tuple[Store, str] | None:
    """The store and its endpoint secret, when it connected the provider and set one."""
    credential = (
        IntegrationCredential.objects.select_related("store")
        .filter(store_id=store_id, provider=provider)
        .exclude(status=IntegrationStatus.NOT_CONNECTED)
        .first()
    )
    if credential is None:
        return None
    secret = credential.revealed_config().get("webhook_secret", "")
    return (credential.store, secret) if secret else None


def _not_configured() -> HttpResponse:
    # The same answer for an unknown store and a store without a secret: nothing to probe.
    return problem(404, "Not found", "No webhook endpoint here.")


def _read(request: HttpRequest) -> bytes | HttpResponse:
    if request.method != "POST":
        response = problem(405, "Method not allowed", "Webhooks are delivered with POST.")
        response["Allow"] = "POST"
        return response
    try:
        return delivery.read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    except delivery.DeliveryError as exc:
        return problem(exc.status, "Bad webhook", str(exc), exc.code)


def _event(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = parse_json(body)
    except InvalidJSON:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("id"), str) or not parsed["id"]:
        return None
    return parsed


@csrf_exempt
def easypost_webhook(request: HttpRequest, store_id: int) -> HttpResponse:
    body = _read(request)
    if isinstance(body, HttpResponse):
        return body
    found = _secret(store_id, Provider.EASYPOST)
    if found is None:
        return _not_configured()
    store, secret = found
    try:
        validate_webhook(body, request.headers, secret)  # type: ignore[arg-type]
    except SignatureVerificationError:
        return problem(401, "Unauthorized", "X-Hmac-Signature missing or invalid.")
    except ValueError:  # signed, but not JSON (the SDK parses it after checking)
        return problem(400, "Bad webhook", "The body is not an EasyPost event.")
    event = _event(body)
    if event is None:
        return problem(400, "Bad webhook", "The body is not an EasyPost event.")
    recorded = provider_event_record(
        provider=Provider.EASYPOST,
        store=store,
        event_id=event["id"],
        topic=f"easypost/{event.get('description') or ''}",
        payload=event,
    )
    return HttpResponse(_ACKS[recorded], content_type="application/json")


@csrf_exempt
def stripe_webhook(request: HttpRequest, store_id: int) -> HttpResponse:
    body = _read(request)
    if isinstance(body, HttpResponse):
        return body
    found = _secret(store_id, Provider.STRIPE)
    if found is None:
        return _not_configured()
    store, secret = found
    try:
        stripe.WebhookSignature.verify_header(
            body.decode("utf-8", "replace"),
            request.headers.get("Stripe-Signature", ""),
            secret,
            tolerance=STRIPE_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError:
        return problem(401, "Unauthorized", "Stripe-Signature missing, invalid or too old.")
    event = _event(body)
    if event is None or event.get("object") != "event":
        return problem(400, "Bad webhook", "The body is not a Stripe event.")
    recorded = provider_event_record(
        provider=Provider.STRIPE,
        store=store,
        event_id=event["id"],
        topic=f"stripe/{event.get('type') or ''}",
        payload=event,
    )
    return HttpResponse(_ACKS[recorded], content_type="application/json")
