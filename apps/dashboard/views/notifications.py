"""Settings → Notifications: each notification switched on or off, with a preview of it in the
store's look; and the transcript sent to a customer who asked for it."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from apps.conversations.models import Conversation
from apps.dashboard.auth import dashboard_view
from apps.dashboard.services.audit import audit_record
from apps.dashboard.views.common import actor, partial
from apps.notifications.customer import transcript_send
from apps.notifications.models import NotificationKind
from apps.notifications.preferences import (
    SWITCHES,
    notification_settings,
    notification_settings_update,
)
from apps.notifications.samples import sample
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.services import store_settings

FORM = "dashboard/partials/messaging_notifications.html"
PREVIEW = "dashboard/partials/messaging_notification_preview.html"


@dashboard_view
@require_GET
def notifications(request: EmbeddedRequest) -> HttpResponse:
    return partial(request, FORM, _context(request))


@dashboard_view
@require_POST
def notifications_save(request: EmbeddedRequest) -> HttpResponse:
    before = notification_settings(request.store)
    switches = {name: request.POST.get(name) == "on" for name in SWITCHES}
    changed = {n: on for n, on in switches.items() if getattr(before, n) != on}
    with transaction.atomic():
        notification_settings_update(store=request.store, switches=switches)
        if changed:
            audit_record(
                store=request.store,
                actor=actor(request),
                section="notifications",
                summary="Notifications changed",
                changes={n: {"before": not on, "after": on} for n, on in changed.items()},
            )
    toast = "Notifications saved" if changed else ""
    return partial(request, FORM, {**_context(request), "saved": bool(changed)}, toast=toast)


@dashboard_view
@require_GET
def notification_preview(request: EmbeddedRequest, kind: str) -> HttpResponse:
    if kind not in SWITCHES:
        raise Http404("unknown notification")
    rendered = sample(request.store, kind)
    return partial(request, PREVIEW, {"kind": NotificationKind(kind), "rendered": rendered})


@dashboard_view
@require_POST
def send_transcript(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, store=request.store, pk=conversation_id)
    row = transcript_send(conversation)
    if row is None:
        message = "No transcript sent: switched off, or no proven address for this customer."
    else:
        message = f"Transcript queued to {row.recipient}."
    return partial(
        request, "dashboard/partials/messaging_transcript.html", {"message": message}, toast=message
    )


def _context(request: EmbeddedRequest) -> dict[str, object]:
    prefs = notification_settings(request.store)
    rows = [
        {"name": kind.value, "label": kind.label, "on": getattr(prefs, kind.value)}
        for kind in NotificationKind
    ]
    return {"rows": rows, "team_email": store_settings(request.store).escalation_email}
