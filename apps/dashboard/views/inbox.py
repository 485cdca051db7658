"""Conversations: the inbox, a transcript, approvals, take over and hand back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.agent.services import action_approve, action_reject
from apps.conversations.models import ActionStatus, AgentAction, Conversation
from apps.conversations.services import MessageRejected
from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.inbox import InboxFilterForm
from apps.dashboard.rendering import render_page
from apps.dashboard.selectors.composer import canned_replies
from apps.dashboard.selectors.inbox import inbox_page, inbox_version
from apps.dashboard.selectors.returns import conversation_returns
from apps.dashboard.selectors.tracking import order_tracking
from apps.dashboard.selectors.transcript import Transcript, conversation_transcript
from apps.dashboard.services.conversations import conversation_hand_back, conversation_take_over
from apps.dashboard.services.replies import conversation_reply, display_name_for, note_add
from apps.dashboard.views.common import FORM_ERRORS, actor, partial, target_is
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import Store
from apps.stores.services import store_settings

RESULTS_ID = "inbox-results"
MAX_REASON = 500


@dashboard_view
@require_GET
def conversation_list(request: EmbeddedRequest) -> HttpResponse:
    version = inbox_version(request.store)
    if target_is(request, RESULTS_ID) and request.GET.get("v") == version:
        return HttpResponse(status=204)  # the page's poll: nothing changed
    query = request.GET.copy()
    for own in ("page", "id_token", "v"):
        query.pop(own, None)
    form = InboxFilterForm(query or None)
    if form.is_bound:
        form.is_valid()  # errors are shown; valid filters still apply
    page = inbox_page(request.store, form.filters(), request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filter_query": query.urlencode(),
        "version": version,
        "agent_name": store_settings(request.store).agent_name,
    }
    if target_is(request, RESULTS_ID):
        return partial(request, "dashboard/partials/inbox_results.html", context)
    return render_page(request, "dashboard/inbox.html", context, nav="conversations")


@dashboard_view
@require_GET
def conversation_detail(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    transcript = _transcript_or_404(request.store, conversation_id)
    context = _panel_context(request, transcript)
    return render_page(request, "dashboard/conversation.html", context, nav="conversations")


@dashboard_view
@require_GET
def transcript(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    """The transcript alone, for the page's poll: 204 while nothing changed since the
    version the page shows, so the merchant sees the customer's answer without a reload."""
    current = _transcript_or_404(request.store, conversation_id)
    if request.GET.get("v", "") == current.version:
        return HttpResponse(status=204)
    context = _panel_context(request, current)
    return partial(request, "dashboard/partials/transcript.html", context)


@dashboard_view
@require_POST
def take_over(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    return _conversation_change(
        request,
        conversation_id,
        conversation_take_over,
        "You are handling this conversation",
        focus_composer=True,
    )


@dashboard_view
@require_POST
def compose(request: EmbeddedRequest, conversation_id: int) -> HttpResponse:
    """The composer: a reply to the customer (taking the conversation over when the AI
    has it), or a note for the team only."""
    text = request.POST.get("text", "")
    kind = "note" if request.POST.get("kind") == "note" else "reply"
    name = request.POST.get("display_name", "")
    try:
        if kind == "note":
            note_add(
                store=request.store,
                conversation_id=conversation_id,
                text=text,
                author=actor(request),
            )
        else:
            conversation_reply(
                store=request.store,
                conversation_id=conversation_id,
                text=text,
                author=actor(request),
                display_name=name,
            )
    except Conversation.DoesNotExist:
        raise Http404("no such conversation") from None
    except MessageRejected as rejected:
        draft = {"text": text, "kind": kind, "display_name": name, "error": str(rejected)}
        return _panel(request, conversation_id, status=FORM_ERRORS, draft=draft)
    toast = "Note added for your team" if kind == "note" else "Sent to the customer"
    return _panel(request, conversation_id, toast=toast, focus_composer=True, sent=True)


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
    *,
    focus_composer: bool = False,
) -> HttpResponse:
    try:
        change(store=request.store, conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404("no such conversation") from None
    return _panel(request, conversation_id, toast=toast, focus_composer=focus_composer)


def _panel(
    request: EmbeddedRequest,
    conversation_id: int,
    *,
    toast: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    transcript = _transcript_or_404(request.store, conversation_id)
    context = {**_panel_context(request, transcript), **extra}
    return partial(
        request, "dashboard/partials/conversation_panel.html", context, toast=toast, status=status
    )


def _panel_context(request: EmbeddedRequest, transcript: Transcript) -> dict[str, Any]:
    return {
        "transcript": transcript,
        "conversation": transcript.conversation,
        "canned_replies": canned_replies(request.store),
        "display_name": display_name_for(request.store, actor(request)),
        "agent_name": store_settings(request.store).agent_name,
        "returns": conversation_returns(request.store, transcript.conversation),
        "order_tracking": order_tracking(request.store, transcript.conversation),
    }


# Other inbox views (returns) answer with the same panel.
panel_response = _panel


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
