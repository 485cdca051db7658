"""Returns in the inbox: a person approves the inspected items, which releases the refund."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_POST

from apps.agent.return_refunds import return_inspection_approve
from apps.dashboard.auth import dashboard_view
from apps.dashboard.views.common import actor
from apps.dashboard.views.inbox import panel_response
from apps.integrations.shipping.models import ReturnShipment
from apps.shopify_app.embedded import EmbeddedRequest


@dashboard_view
@require_POST
def inspected(request: EmbeddedRequest, shipment_id: int) -> HttpResponse:
    """Record the inspection (once) and enqueue the refund's release: the refund goes
    through the same action as any other, once, and the customer is told."""
    try:
        shipment = return_inspection_approve(
            store_id=request.store.pk, shipment_id=shipment_id, by=actor(request)
        )
    except ReturnShipment.DoesNotExist:
        raise Http404("no such return") from None
    transaction.on_commit(lambda: _enqueue_release(shipment.pk))
    conversation_id = _conversation_of(shipment)
    if conversation_id is None:
        raise Http404("no such conversation")
    toast = "Inspection recorded; releasing the refund"
    return panel_response(request, conversation_id, toast=toast)


def _enqueue_release(shipment_id: int) -> None:
    from apps.agent.return_tasks import return_release_task

    return_release_task.delay(shipment_id)


def _conversation_of(shipment: ReturnShipment) -> int | None:
    from apps.conversations.models import AgentAction

    return (
        AgentAction.objects.filter(store_id=shipment.store_id, idempotency_key=shipment.reference)
        .values_list("conversation_id", flat=True)
        .first()
    )
