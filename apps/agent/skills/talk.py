"""Conversation skills without an order: greeting, not understood, complaint, payment
trouble, and handing over to a person."""

from __future__ import annotations

import re

from apps.agent.context import Draft, Turn
from apps.agent.escalation import HUMAN_OWNED, escalate
from apps.agent.replies import fmt_list, join, lines
from apps.agent.skills.answers import knowledge_answer
from apps.agent.skills.proposals import offer_human
from apps.agent.state import MAX_MISUNDERSTOOD, Awaiting


def greeting(turn: Turn) -> Draft:
    turn.facts.add("agent_name", turn.rules.agent_name)
    turn.facts.add("store", turn.store.name)
    return Draft(turn.say("greeting", agent=turn.rules.agent_name, store=turn.store.name))


def other(turn: Turn) -> Draft:
    """Not understood: explain what we can do, and offer a person before the pipeline
    hands over on its own (after MAX_MISUNDERSTOOD turns in a row)."""
    text = turn.say("other")
    if turn.state.misunderstood == MAX_MISUNDERSTOOD - 1:
        turn.state.awaiting = Awaiting.HANDOFF
        text = join(text, turn.say("offer_human"))
    return Draft(text)


def complaint(turn: Turn) -> Draft:
    turn.state.awaiting = Awaiting.HANDOFF
    return Draft(join(turn.say("complaint"), turn.say("offer_human")))


# A payment question the store's own entries clearly answer ("can I add a discount code
# after ordering?") gets that answer; anything else about money goes to people.
STRONG_KNOWLEDGE_SCORE = 0.7


def payment_issue(turn: Turn) -> Draft:
    """We cannot see card or bank details; people can. Hand over (unless the store's
    knowledge base plainly answers the question — then answer and offer a person)."""
    answer = knowledge_answer(turn, min_score=STRONG_KNOWLEDGE_SCORE)
    if answer is not None and turn.state.awaiting == Awaiting.HANDOFF:
        return Draft(answer)  # it says what the entry does not cover and offers a person
    if answer is not None:
        return Draft(join(answer, offer_human(turn)))
    if turn.conversation.status in HUMAN_OWNED:
        return Draft(turn.say("already_escalated"))
    escalate(turn, reason="Payment issue")
    return Draft(turn.say("payment_issue"))


def human_handoff(turn: Turn) -> Draft:
    """Hand over now: on request, or after repeated misunderstanding."""
    turn.state.clear_question()
    confused = turn.state.misunderstood >= MAX_MISUNDERSTOOD
    reason = "Not understood repeatedly" if confused else "Customer asked for a person"
    if not escalate(turn, reason=reason):
        return Draft(turn.say("already_escalated"))
    return Draft(turn.say("handoff"))


def handoff_declined(turn: Turn) -> Draft:
    turn.state.clear_question()
    return Draft(turn.say("handoff_declined"))


def clarify(turn: Turn) -> Draft:
    """Not sure between two close intents (a rule or a request; a refund under way or a new
    one): ask which, and start nothing. The next message is read afresh."""
    first, second = turn.understanding.unsure_between[:2]
    if "policy_question" in (first, second):
        # The rule is worth giving either way; the request is only offered, never started.
        request = second if first == "policy_question" else first
        answer = knowledge_answer(turn)
        if answer is not None and turn.state.awaiting != Awaiting.HANDOFF:
            return Draft(
                lines(answer, turn.say("clarify_request", request=turn.say(f"means_{request}")))
            )
        if answer is not None:
            return Draft(answer)
    return Draft(
        turn.say("clarify", first=turn.say(f"means_{first}"), second=turn.say(f"means_{second}"))
    )


def with_further_requests(turn: Turn, draft: Draft) -> Draft:
    """Several asks in one message: say which one this reply handles and that we come back
    to the rest, rather than dropping them silently."""
    rest = [i for i in turn.understanding.requests[1:] if i != turn.intent]
    if not rest or turn.understanding.requests[0] != turn.intent:
        return draft
    others = fmt_list([turn.say(f"about_{i}") for i in rest])
    return Draft(lines(draft.text, turn.say("further_requests", others=others)), draft.confirm)


_ABOUT_STATUS = re.compile(r"(?i)\b(?:track\w*|where|status|arriv\w*|deliver\w*|ship\w*)\b")
_NOT_DOING = {
    "cancel_order": "cancel anything",
    "refund_request": "refund anything",
    "return_request": "start a return",
    "change_address": "change the address",
    "change_order": "change the order",
}


def negated_request_reply(turn: Turn) -> Draft:
    """ "Please DON'T cancel order 1003": nothing is offered. A question about where the
    order is, asked in the same breath, is still answered."""
    from apps.agent.skills.orders import order_status

    if _ABOUT_STATUS.search(turn.message.text):
        turn.intent = "order_status"
        turn.state.intent = "order_status"
        return order_status(turn)
    return Draft(turn.say("negated_request", what=_NOT_DOING.get(turn.intent, "do that")))
