"""Conversations: the inbox, a transcript, approvals, take over and hand back."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.agent.services import action_approve, action_reject
from apps.conversations.models import ActionStatus, AgentAction, Conversation
from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.inbox import InboxFilterForm
from apps.dashboard.rendering import render_page
from apps.dashboard.selectors.inbox import inbox_page
from apps.dashboard.selectors.transcript import Transcript, conversation_transcript
from apps.dashboard.services.conversations import conversation_hand_back, conversation_take_over
from apps.dashboard.views.common import actor, partial, target_is
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import Store
from apps.stores.services import store_settings

RESULTS_ID = "inbox-results"
MAX_REASON = 500


@dashboard_view
@require_GET
def conversation_list(request: EmbeddedRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown; valid filters still apply
    page = inbox_page(request.store, form.filters(), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("id_token", None)
    context = {
        "form": form,
        "page": page,
        "filter_query": query.urlencode(),
        "agent_name": store_settings(request.store).agent_name,
    }
    if target_is(request, RESULTS_ID):
        return partial(request, "dashboard/partials/inbox_results.html", context)
    return render_page(request, "dashboard/inbox.html", context, nav="conversations")


@dashboard_view
@require_GET
def conversation_detail(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    transcript = _transcript_or_404(request.store, conversation_id)
    context = {"transcript": transcript, "conversation": transcript.conversation}
    return render_page(request, "dashboard/conversation.html", context, nav="conversations")


@dashboard_view
@require_POST
def take_over(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    return _conversation_change(
        request, conversation_id, conversation_take_over, "You are handling this conversation"
    )


@dashboard_view
@require_POST
def hand_back(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    return _conversation_change(
        request, conversation_id, conversation_hand_back, "Aftersale is answering again"
    )


@dashboard_view
@require_POST
def approve(request: EmbeddedRequest, action_id: int) -> HttpResponse:
    """Approve an action awaiting approval: the decision is recorded and the execution
    enqueued (never run in the request); it is carried out once, however often this runs.
    The action's card then polls `action_status` until the outcome is in."""
    try:
        action = action_approve(action_id, request.store, approved_by=actor(request))
    except AgentAction.DoesNotExist:
        raise Http404("no such action") from None
    return _panel(request, action.conversation_id, toast=_outcome(action))


@dashboard_view
@require_POST
def reject(request: EmbeddedRequest, action_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:MAX_REASON]
    try:
        action = action_reject(action_id, request.store, rejected_by=actor(request), reason=reason)
    except AgentAction.DoesNotExist:
        raise Http404("no such action") from None
    return _panel(request, action.conversation_id, toast=_outcome(action))


@dashboard_view
@require_GET
def action_status(request: EmbeddedRequest, action_id: int) -> HttpResponse:
    """The card of an approved action while it executes (htmx polls it). Once the outcome
    is in, the whole panel replaces the card: the transcript now shows what the customer
    was told."""
    action = AgentAction.objects.filter(pk=action_id, store=request.store).first()
    if action is None:
        raise Http404("no such action")
    if _in_flight(action):
        return partial(request, "dashboard/partials/action.html", {"action": action})
    response = _panel(request, action.conversation_id, toast=_outcome(action))
    retarget(response, "#conversation-panel")
    reswap(response, "outerHTML")
    return response


def _in_flight(action: AgentAction) -> bool:
    return action.status == ActionStatus.EXECUTING or (
        action.status == ActionStatus.PROPOSED and action.approved_at is not None
    )


def _conversation_change(
    request: EmbeddedRequest,
    conversation_id: int,
    change: Callable[..., Conversation],
    toast: str,
) -> HttpResponse:
    try:
        change(store=request.store, conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404("no such conversation") from None
    return _panel(request, conversation_id, toast=toast)


def _panel(request: EmbeddedRequest, conversation_id: int, *, toast: str) -> HttpResponse:
    transcript = _transcript_or_404(request.store, conversation_id)
    context = {"transcript": transcript, "conversation": transcript.conversation}
    return partial(request, "dashboard/partials/conversation_panel.html", context, toast=toast)


def _transcript_or_404(store: Store, conversation_id: int) -> Transcript:
    try:
        return conversation_transcript(store, conversation_id)
    except Conversation.DoesNotExist:
        raise Http404("no such conversation") from None


def _outcome(action: AgentAction) -> str:
    if _in_flight(action):
        return "Approved; carrying it out now"
    return {
        "executed": "Approved and done",
        "rejected": "Rejected; the customer has been told",
        "failed": "Approved, but it could not be carried out",
    }.get(action.status, "Already decided")
