"""Which skill answers a turn: a pending yes/no first, then a person on request, the
merchant's reserved intents, and the classifier's intent (weak guesses kept in check)."""

from __future__ import annotations

from apps.agent.consent import (
    Verdict,
    agrees,
    is_bare_no,
    is_bare_yes,
    judge,
    negated_request,
)
from apps.agent.context import Draft, Turn
from apps.agent.escalation import escalate
from apps.agent.policy import Outcome, intent_decision
from apps.agent.replies import join
from apps.agent.skills import SKILLS
from apps.agent.skills.compound import compound
from apps.agent.skills.confirm import ask_again, confirm_pending, drop_pending, proposal_is_open
from apps.agent.skills.special import special_case
from apps.agent.skills.talk import (
    clarify,
    handoff_declined,
    human_handoff,
    negated_request_reply,
    with_further_requests,
)
from apps.agent.state import MAX_MISUNDERSTOOD, ORDER_INTENTS, Awaiting
from apps.agent.understanding.frames import is_general_question
from apps.agent.verify import locked, lone_order_number

# A model answer below this is counted as "not understood".
LOW_CONFIDENCE = 0.3
# While answering our question, a message changes the topic only above this confidence.
ANSWER_OVERRIDE = 0.7


# After too many failed checks, these are still answered (they show no order).
_STILL_ANSWERED_WHEN_LOCKED = ("product_question", "policy_question", "greeting")
# Read beside a refused action, these are answered by the refusal's reply (which still
# answers a question about where the order is); anything else would offer what the customer
# did not ask for.
_NO_OFFER_BESIDE_A_REFUSAL = (
    "order_status",
    "policy_question",
    "other",
    "cancel_order",
    "refund_request",
    "return_request",
    "change_address",
    "change_order",
)
# While we wait for these, a bare "yes" is not agreement to anything.
_ASKED_FOR_DETAILS = (
    Awaiting.ORDER_NUMBER,
    Awaiting.EMAIL,
    Awaiting.ADDRESS,
    Awaiting.NOTE,
    Awaiting.AMOUNT,
)


def route(turn: Turn) -> Draft:
    """Pending yes/no first, then a person on request, the merchant's rules, the skill."""
    preface = ""
    if turn.awaited == Awaiting.CONFIRMATION and turn.state.pending is not None:
        answered = _answer_to_proposal(turn)
        if isinstance(answered, Draft):
            return answered
        preface = answered
    draft = _route_request(turn)
    return Draft(join(preface, draft.text), confirm=draft.confirm) if preface else draft


def _answer_to_proposal(turn: Turn) -> Draft | str:
    """Act only on an unambiguous yes to the very proposal we made (apps.agent.consent).

    Returns the reply, or — for a message about something else — a note that the
    proposal was not acted on, to go before the answer to the new request.
    """
    state = turn.state
    pending = state.pending
    assert pending is not None
    verdict = judge(turn.message.text, pending)
    if not proposal_is_open(turn, pending):
        state.clear_question()
        return Draft(turn.say("proposal_void")) if verdict is Verdict.YES else ""
    if verdict is Verdict.YES:
        return confirm_pending(turn)
    if verdict is Verdict.NO:
        return drop_pending(turn)
    if verdict is Verdict.UNSURE:
        return ask_again(turn)
    state.pending = None  # a new request replaces the proposal; nothing was done
    if turn.understanding.is_affirmative:
        turn.facts.add("order", pending.order_name)
        return turn.say("not_done_other", order=pending.order_name)
    return ""


def _route_request(turn: Turn) -> Draft:
    state, u, text = turn.state, turn.understanding, turn.message.text
    if turn.awaited == Awaiting.HANDOFF and u.answers:
        if u.is_negative:
            return handoff_declined(turn)
        if u.wants_human or is_bare_yes(text):
            return human_handoff(turn)
        # More than a yes ("it's order 1011"): read it as what it says.
    state.pending = None
    special = special_case(turn)
    if special is not None:
        return special
    if (
        turn.awaited not in _ASKED_FOR_DETAILS
        and not u.wants_human
        and u.intent != "greeting"
        and is_bare_yes(text)
    ):
        turn.intent = "other"  # agreement to nothing: never a new offer
        if not agrees(text) and "👍" not in text:
            return handoff_declined(turn)  # "ok": an acknowledgement
        return Draft(turn.say("nothing_pending"))
    if turn.awaited not in _ASKED_FOR_DETAILS and is_bare_no(text):
        turn.intent = "other"  # a no to nothing: nothing to do, nothing to offer
        return handoff_declined(turn)
    turn.intent = _settled_intent(turn)
    if u.wants_human or turn.intent == "human_handoff":
        turn.intent = "human_handoff"
        return human_handoff(turn)
    if negated_request(text, turn.intent):
        return negated_request_reply(turn)
    if u.refused and turn.intent in _NO_OFFER_BESIDE_A_REFUSAL:
        # "do not cancel 1003", "an exchange, not a refund": in the breath that turns an
        # action down, nothing is offered; the customer can ask for what they want next.
        turn.intent = turn.state.intent = u.refused[0]
        return negated_request_reply(turn)
    if state.verification_locked and turn.intent not in _STILL_ANSWERED_WHEN_LOCKED:
        return locked(turn)  # the same answer every time, not "not understood" in between
    ruled = intent_decision(turn.rules, turn.intent)
    if ruled is not None and ruled.outcome is Outcome.ESCALATE:
        escalated = escalate(turn, reason=ruled.reason)
        return Draft(turn.say("handoff" if escalated else "already_escalated"))
    several = compound(turn)
    if several is not None:
        return several
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
    if turn.awaited == Awaiting.HANDOFF and turn.intent == "human_handoff" and not u.wants_human:
        # Our offer of a person carried the topic over; what they wrote was not a yes to it.
        turn.intent = "other"
    answering = turn.awaited in (Awaiting.ORDER_NUMBER, Awaiting.EMAIL, Awaiting.AMOUNT)
    # "thanks. and my other one, 1008?": a lone order number keeps to the order topic.
    has_number = bool(u.entities.order_numbers) or bool(lone_order_number(turn))
    if (answering or has_number) and turn.intent in ("other", "greeting"):
        return _order_topic(turn)
    if (
        u.entities.order_numbers
        and turn.intent == "policy_question"
        and not is_general_question(turn.message.text)
    ):
        # "is order 1003 cancelled now?" asks about that order, not about a rule.
        return "order_status"
    if has_number and u.source in ("rule", "answer") and turn.intent not in ORDER_INTENTS:
        # "it's 1002" after a complaint or a payment question: the order, not the old topic.
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
