"""Which skill answers a turn: a pending yes/no first, then a person on request, the
merchant's reserved intents, and the classifier's intent (weak guesses kept in check)."""

from __future__ import annotations

from apps.agent.context import Draft, Turn
from apps.agent.escalation import escalate
from apps.agent.policy import Outcome, intent_decision
from apps.agent.skills import SKILLS
from apps.agent.skills.confirm import confirm_pending, drop_pending
from apps.agent.skills.talk import (
    clarify,
    handoff_declined,
    human_handoff,
    with_further_requests,
)
from apps.agent.state import MAX_MISUNDERSTOOD, ORDER_INTENTS, Awaiting

# A model answer below this is counted as "not understood".
LOW_CONFIDENCE = 0.3
# While answering our question, a message changes the topic only above this confidence.
ANSWER_OVERRIDE = 0.7


def route(turn: Turn) -> Draft:
    """Pending yes/no first, then a person on request, the merchant's rules, the skill."""
    state, u = turn.state, turn.understanding
    if turn.awaited == Awaiting.CONFIRMATION and state.pending is not None:
        if u.answers and u.is_affirmative and not u.is_negative:
            return confirm_pending(turn)
        if u.answers and u.is_negative:
            return drop_pending(turn)
        state.pending = None  # a new request replaces the proposal; nothing was done
    if turn.awaited == Awaiting.HANDOFF and u.answers:
        return handoff_declined(turn) if u.is_negative else human_handoff(turn)
    state.pending = None
    turn.intent = _settled_intent(turn)
    if u.wants_human or turn.intent == "human_handoff":
        turn.intent = "human_handoff"
        return human_handoff(turn)
    ruled = intent_decision(turn.rules, turn.intent)
    if ruled is not None and ruled.outcome is Outcome.ESCALATE:
        escalated = escalate(turn, reason=ruled.reason)
        return Draft(turn.say("handoff" if escalated else "already_escalated"))
    _count_misunderstanding(turn)
    if state.misunderstood >= MAX_MISUNDERSTOOD:
        return human_handoff(turn)
    if _unsure(turn):
        return clarify(turn)
    if turn.intent not in ("other", "greeting"):
        state.intent = turn.intent  # the topic survives small talk and confusion
    draft = SKILLS.get(turn.intent, SKILLS["other"])(turn)
    return with_further_requests(turn, draft)


def _unsure(turn: Turn) -> bool:
    """Two close intents the classifier cannot separate, on a fresh message: ask, don't guess."""
    u = turn.understanding
    return (
        u.source == "model"
        and len(u.unsure_between) == 2  # noqa: PLR2004 - a pair
        and not turn.awaited
        and turn.intent == u.intent
    )


def _settled_intent(turn: Turn) -> str:
    """A weak guess by the classifier is not acted on as if it were sure.

    While we wait for an order number or email, only a confident new request changes the
    topic (the understanding's own bar for overriding an answer); an order number keeps a
    vague message on the order topic; a weak "get me a person" is not a hand-over.
    """
    u = turn.understanding
    answering = turn.awaited in (Awaiting.ORDER_NUMBER, Awaiting.EMAIL)
    has_number = bool(u.entities.order_numbers)
    if (answering or has_number) and turn.intent in ("other", "greeting"):
        return _order_topic(turn)
    if u.source != "model" or u.wants_human:
        return turn.intent
    if answering and u.confidence < ANSWER_OVERRIDE:
        return _order_topic(turn)
    if u.confidence >= LOW_CONFIDENCE:
        return turn.intent
    if has_number:
        return _order_topic(turn)
    return "other" if turn.intent == "human_handoff" else turn.intent


def _order_topic(turn: Turn) -> str:
    """The order question under way (an order number alone continues it)."""
    previous = turn.state.intent
    return previous if previous in ORDER_INTENTS else "order_status"


def _count_misunderstanding(turn: Turn) -> None:
    u = turn.understanding
    unclear = turn.intent == "other" or (u.source == "model" and u.confidence < LOW_CONFIDENCE)
    turn.state.misunderstood = turn.state.misunderstood + 1 if unclear else 0
