"""POST /webhooks/shopify: verify, persist once, hand off, answer. No outbound calls.

Kept deliberately lean (it is the hot path): no session, no CSRF (the HMAC is the
authentication), one INSERT; after it commits, the event id goes to this process's relay
(apps.webhooks.relay), which publishes the Celery task off the request thread.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.shopify_app.security import verify_webhook_hmac
from apps.webhooks import delivery
from apps.webhooks.inbox import Recorded, webhook_event_record

# The three acknowledgements, serialised once (this is the hot path).
_ACKS = {r: f'{{"status": "{r.value}"}}'.encode() for r in Recorded}


def problem(status: int, title: str, detail: str, code: str | None = None) -> JsonResponse:
    """An RFC 9457 problem document; `code` is a stable machine-readable name."""
    body: dict[str, str | int] = {"type": "about:blank", "title": title, "status": status}
    if code:
        body["code"] = code
    return JsonResponse(
        {**body, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


_TITLES = {400: "Bad webhook", 413: "Webhook too large", 503: "Service unavailable"}


@csrf_exempt
def shopify_webhook(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        response = problem(405, "Method not allowed", "Webhooks are delivered with POST.")
        response["Allow"] = "POST"
        return response
    try:
        body = delivery.read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
        if not verify_webhook_hmac(body, delivery.header(request.META, "Hmac-Sha256")):
            return problem(401, "Unauthorized", "HMAC signature missing or invalid.")
        headers = delivery.parse_headers(request.META)
        recorded = webhook_event_record(delivery=headers, payload=delivery.payload_text(body))
    except delivery.DeliveryError as exc:
        title = _TITLES.get(exc.status, "Bad webhook")
        return problem(exc.status, title, str(exc), exc.code)
    return HttpResponse(_ACKS[recorded], content_type="application/json")
