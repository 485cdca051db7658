"""A message that asks several things at once ("where is 1003, can I cancel it, and what's
your return policy?"): answer each part it names, instead of the one the classifier picked.

Parts, in the order they are answered: the store's policy (from its own entries), where the
order is, and last the one action asked for (its yes/no question ends the reply, so what
the customer agrees to is exactly what was proposed). When the order still needs proving,
the reply asks for that and answers the policy part only.
"""

from __future__ import annotations

import re

from apps.agent.consent import negated_request
from apps.agent.context import Draft, Turn
from apps.agent.policy import intent_decision
from apps.agent.replies import lines
from apps.agent.skills import changes, orders, returns
from apps.agent.skills.answers import knowledge_answer
from apps.agent.state import Awaiting

_POLICY = re.compile(r"(?i)\bpolic(?:y|ies)\b|\bhow long do i have\b")
_STATUS = re.compile(r"(?i)\b(?:where(?:'s| is)?|status|track\w*|arriv\w*|when will)\b")
_ACTIONS = (
    ("cancel_order", re.compile(r"(?i)\bcancel\b"), changes.cancel_order),
    (
        "refund_request",
        re.compile(r"(?i)\brefund (?:it|me|them|order|#?\d)|\b(?:get|want|like|need) an? refund"),
        returns.refund_request,
    ),
    ("return_request", re.compile(r"(?i)\breturn (?:it|them|order|#?\d)"), returns.return_request),
)


def compound(turn: Turn) -> Draft | None:
    """The reply to a message asking two or more of: policy, order status, one action."""
    text = turn.message.text
    if turn.intent == "refund_status":
        return None  # "where's my refund for 1007" asks one thing
    action = next(
        (
            (intent, skill)
            for intent, rx, skill in _ACTIONS
            # An action the merchant keeps for people is not proposed here, nor one the
            # customer turned down ("I do not want a refund, just the tracking").
            if rx.search(text)
            and intent_decision(turn.rules, intent) is None
            and not _refused(turn, intent)
        ),
        None,
    )
    asks_policy = bool(_POLICY.search(text))
    asks_status = bool(_STATUS.search(text))
    if asks_policy + asks_status + (action is not None) < 2 or not _names_an_order(turn):
        return None
    parts: list[str] = []
    policy = knowledge_answer(turn, question=_policy_clause(text)) if asks_policy else None
    if policy:
        parts.append(policy)
    if asks_status:
        status = orders.order_status(turn)
        closing = turn.say("anything_else")
        parts.append(status.text.removesuffix(closing).rstrip() if action else status.text)
        if turn.state.awaiting in (Awaiting.EMAIL, Awaiting.ORDER_NUMBER):
            return Draft(lines(*parts))
    if action is not None:
        intent, skill = action
        turn.intent = turn.state.intent = intent
        done = skill(turn)
        if not asks_status or turn.state.awaiting not in (Awaiting.EMAIL, Awaiting.ORDER_NUMBER):
            parts.append(done.text)
        return Draft(lines(*parts), confirm=done.confirm)
    turn.intent = turn.state.intent = "order_status"
    return Draft(lines(*parts))


def _refused(turn: Turn, intent: str) -> bool:
    return intent in turn.understanding.refused or negated_request(turn.message.text, intent)


def _policy_clause(text: str) -> str:
    """ "where is 1003, can I cancel it, and what's your return policy?" -> the last part."""
    clauses = re.split(r"[,;?.!]+|\band\b", text)
    return next((c for c in clauses if _POLICY.search(c)), text).strip()


def _names_an_order(turn: Turn) -> bool:
    from apps.agent.verify import lone_order_number

    return bool(turn.understanding.entities.order_numbers or lone_order_number(turn))
