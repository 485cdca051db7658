"""SendGrid and Twilio on the integrations page: the URLs to paste into their consoles, a real
test message (queued through the outbox, its fate polled), and each conversation's deliveries."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from apps.conversations.models import Conversation, OutboundMessage, OutboundStatus
from apps.dashboard.auth import dashboard_view
from apps.dashboard.services.messaging import (
    CHANNEL_OF,
    TestRefused,
    messaging_test_row,
    messaging_test_send,
    setup_urls,
)
from apps.dashboard.views.common import FORM_ERRORS, partial
from apps.integrations.connections.registry import connectable, provider
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import IntegrationCredential
from apps.stores.services import store_settings

SETUP = "dashboard/partials/messaging_setup.html"
TEST = "dashboard/partials/messaging_test.html"
DELIVERIES = "dashboard/partials/messaging_deliveries.html"
PENDING = (OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.UNCONFIRMED)


@dashboard_view
@require_GET
def messaging_setup(request: EmbeddedRequest, key: str) -> HttpResponse:
    _configured(request, key)
    context = {
        "key": key,
        "channel": CHANNEL_OF[key],
        "urls": setup_urls(request.store, key),
        "default_to": store_settings(request.store).escalation_email if key == "sendgrid" else "",
    }
    return partial(request, SETUP, context)


@dashboard_view
@require_POST
def messaging_test(request: EmbeddedRequest, key: str) -> HttpResponse:
    _configured(request, key)
    to = request.POST.get("to", "")[:254]
    try:
        row = messaging_test_send(store=request.store, provider=key, to=to)
    except TestRefused as exc:
        return partial(request, TEST, {"key": key, "error": str(exc)}, status=FORM_ERRORS)
    return partial(request, TEST, _test_context(key, row), toast="Test queued")


@dashboard_view
@require_GET
def messaging_test_status(request: EmbeddedRequest, key: str, outbound_id: int) -> HttpResponse:
    row = messaging_test_row(request.store, outbound_id)
    if row is None:
        raise Http404("no such test")
    return partial(request, TEST, _test_context(key, row))


@dashboard_view
@require_GET
def conversation_deliveries(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, store=request.store, pk=conversation_id)
    rows = OutboundMessage.objects.filter(store=request.store, conversation=conversation).order_by(
        "-id"
    )[:20]
    return partial(request, DELIVERIES, {"conversation": conversation, "deliveries": list(rows)})


def _test_context(key: str, row: OutboundMessage) -> dict[str, object]:
    return {"key": key, "row": row, "pending": row.status in PENDING}


def _configured(request: EmbeddedRequest, key: str) -> None:
    spec = provider(key)
    if spec is None or key not in CHANNEL_OF or not connectable(spec):
        raise Http404("not a messaging provider")
    if not IntegrationCredential.objects.filter(store=request.store, provider=key).exists():
        raise Http404("not connected")
