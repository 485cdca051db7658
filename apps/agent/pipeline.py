"""The agent pipeline for one customer message: understand -> verify -> decide -> act -> respond.

    result = run_turn(message)          # a saved customer Message
    result.reply.text, result.intent, result.entities, result.actions, result.escalated

`run_turn` is the whole turn without the task's concerns (locking, ordering, retries,
time limits: see tasks.py). It saves the reply, the turn's AgentAction rows and the
conversation's memory together, so a turn that fails half-way leaves the message
unanswered and a retry starts clean (side effects are safe to retry by their keys).
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.agent.assistant import (
    NO_ASSISTANT,
    Assistant,
    AssistContext,
    assisted_understanding,
    get_assistant,
)
from apps.agent.context import Turn
from apps.agent.escalation import with_team_hours
from apps.agent.guards import HANDOVER_TEXT
from apps.agent.respond import respond
from apps.agent.routing import route
from apps.agent.saving import (
    TurnResult,
    answered,
    entities_dict,
    reply_fallback,
    reply_unreadable,
    save_turn,
)
from apps.agent.state import Awaiting, ConversationState
from apps.agent.understanding import Understanding, understand
from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    Conversation,
    Message,
    MessageRole,
)
from apps.conversations.takeover import ai_is_silent
from apps.integrations.commerce.registry import get_commerce_provider
from apps.stores.models import Store, StoreSettings
from apps.stores.services import store_settings

HISTORY_FOR_ASSISTANT = 6

__all__ = ["TurnResult", "entities_dict", "reply_fallback", "run_turn"]


def run_turn(message: Message) -> TurnResult:
    """Answer one saved customer message. Idempotent: an answered message returns its reply.

    Raises ValueError for a message that is not the customer's.
    """
    message = (
        Message.objects.select_related("conversation__store__settings").filter(pk=message.pk).get()
    )
    if message.role != MessageRole.CUSTOMER:
        raise ValueError("only customer messages are answered")
    if message.handled_at is not None:
        return answered(message)
    conversation = message.conversation
    if ai_is_silent(conversation):
        Message.objects.filter(pk=message.pk, handled_at__isnull=True).update(
            handled_at=timezone.now()
        )
        return TurnResult(message, None, "", 0.0, {}, (), False)
    rules = _rules(conversation.store)
    text = message.text or ""
    if not text.strip() or len(text) > MAX_MESSAGE_LENGTH:
        return reply_unreadable(message, conversation, rules, text)
    return _turn(message, conversation, rules, get_assistant())


def _rules(store: Store) -> StoreSettings:
    try:
        return store.settings  # loaded with the message
    except StoreSettings.DoesNotExist:
        return store_settings(store)


def _turn(
    message: Message, conversation: Conversation, rules: StoreSettings, assistant: Assistant
) -> TurnResult:
    state = ConversationState.load(conversation.state)
    idle = timedelta(minutes=settings.AGENT_VERIFICATION_IDLE_MINUTES)
    forgot = state.forget_proof_if_idle(timezone.now(), idle)
    understanding, assisted = _understand(message, conversation, rules, state, assistant)
    turn = Turn(
        store=conversation.store,
        rules=rules,
        conversation=conversation,
        message=message,
        provider=get_commerce_provider(conversation.store),
        state=state,
        understanding=understanding,
        now=timezone.now(),
        intent=understanding.intent,
        awaited=state.awaiting,
    )
    turn.focus_changed = forgot
    if state.focus_id and conversation.order_in_focus_id:
        turn.remember_order_pk(state.focus_id, conversation.order_in_focus_id)
    state.awaiting = Awaiting.NOTHING
    draft = route(turn)
    text, phrased = respond(turn, draft, assistant)
    text = with_team_hours(turn, text, translated=draft.text in HANDOVER_TEXT.values())
    return save_turn(turn, text, assisted=assisted or phrased)


# ---------------------------------------------------------------- understand


def _awaiting_for_understanding(state: ConversationState) -> tuple[str | None, str | None]:
    """(awaiting, previous_intent) as the understanding step reads them."""
    if state.awaiting == Awaiting.HANDOFF:
        return "confirmation", "human_handoff"
    if state.awaiting == Awaiting.CONFIRMATION and state.pending is None:
        return None, state.intent or None
    return state.awaiting or None, state.intent or None


def _understand(
    message: Message,
    conversation: Conversation,
    rules: StoreSettings,
    state: ConversationState,
    assistant: Assistant,
) -> tuple[Understanding, bool]:
    awaiting, previous = _awaiting_for_understanding(state)
    builtin = understand(message.text, previous_intent=previous, awaiting=awaiting)
    if assistant is NO_ASSISTANT:
        return builtin, False
    context = AssistContext(
        store_name=conversation.store.name,
        agent_name=rules.agent_name,
        tone=rules.tone,
        previous_intent=previous,
        awaiting=awaiting,
        history=_history(message),
        builtin=builtin,
    )
    helped = assisted_understanding(assistant, message.text, context)
    if helped is None:
        return builtin, False
    return _with_entities(helped, builtin), True


def _with_entities(helped: Understanding, builtin: Understanding) -> Understanding:
    """The assistant's reading, with the built-in extraction's entities wherever it found
    any: the deterministic extraction wins, a model only fills what it missed (every value
    still passes verification and the policy engine)."""
    ours, theirs = builtin.entities, helped.entities
    merged = replace(
        ours,
        **{
            f.name: getattr(theirs, f.name)
            for f in fields(ours)
            if not getattr(ours, f.name) and getattr(theirs, f.name)
        },
    )
    return replace(helped, entities=merged, answers=helped.answers or builtin.answers)


def _history(message: Message) -> tuple[tuple[str, str], ...]:
    rows = (
        Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
        .order_by("-pk")
        .values_list("role", "text")[:HISTORY_FOR_ASSISTANT]
    )
    return tuple((role, text[:500]) for role, text in reversed(list(rows)))
