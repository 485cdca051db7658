"""What counts as a conversation the AI resolved on its own, as one database filter.

Billing charges for exactly these conversations, and the analytics page calls them
"resolved by AI", so the merchant sees the same number in both places.

A conversation is resolved by the AI when all of these hold:

1. the customer wrote and the AI answered: it has a customer message and an assistant
   message, and every customer message has been answered (`handled_at` set);
2. no person took part: no message from a human agent, never escalated (no escalate
   action, status neither escalated nor human_handling), no action rejected by the team;
3. nothing is left open: the agent is not waiting for the customer (no question or
   proposal pending in its state) and no action is proposed, awaiting approval or failed;
4. and it is finished, in one of two ways:
   - the conversation was marked resolved (status resolved: the customer confirmed), or
   - an action the customer asked for was carried out (an executed action: a lookup,
     tracking, refund, cancellation, address change, return...) and the customer has not
     written again for QUIET_PERIOD (24 hours) since the last message.

So a conversation the customer abandoned (a question or a proposal left unanswered, or
nothing carried out), one a human finished, and an escalated one are never counted.
An action approved by the team still counts: approval is a click on a held action, the
AI carried out the rest. Answers that involved no action (a policy question answered
from the knowledge base) count only once the conversation is marked resolved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    ConversationStatus,
    Message,
    MessageRole,
)

QUIET_PERIOD = timedelta(hours=24)
PEOPLE_STATUSES = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)
# An action in one of these states means the request is not settled by the AI alone.
UNSETTLED_ACTIONS = (
    ActionStatus.PROPOSED,
    ActionStatus.EXECUTING,
    ActionStatus.AWAITING_APPROVAL,
    ActionStatus.FAILED,
    ActionStatus.REJECTED,
)


# Every message and action of a conversation is written after the conversation itself.
# Saying so in each subquery (with a day of slack for clocks) is always true, and it keeps
# each check a per-conversation index probe: with the conversation alone, the planner may
# instead hash a scan of the whole table, every store's rows, to answer a few thousand.
CREATED_AFTER_SLACK = timedelta(days=1)


def _belongs() -> Q:
    return Q(conversation=OuterRef("pk")) & Q(
        created_at__gte=OuterRef("created_at") - CREATED_AFTER_SLACK
    )


def _messages(*conditions: Q) -> Exists:
    return Exists(Message.objects.filter(_belongs(), *conditions))


def _actions(*conditions: Q) -> Exists:
    return Exists(AgentAction.objects.filter(_belongs(), *conditions))


def escalated_q() -> Q:
    """Handed to the merchant's people by the agent (or marked escalated)."""
    return Q(status=ConversationStatus.ESCALATED) | Q(_actions(Q(kind=ActionKind.ESCALATE)))


def _not_waiting_on_customer() -> Q:
    # Keys may be absent in older or hand-made states; absent means "nothing pending".
    no_question = Q(state__awaiting="") | Q(state__awaiting__isnull=True)
    no_proposal = Q(state__pending=None) | Q(state__pending__isnull=True)
    return no_question & no_proposal


def ai_resolved_q(now: datetime) -> Q:
    """Conversation filter: resolved by the AI on its own as of `now` (module docstring)."""
    answered = _messages(Q(role=MessageRole.CUSTOMER)) & _messages(Q(role=MessageRole.ASSISTANT))
    people_or_unanswered = _messages(
        Q(role=MessageRole.HUMAN_AGENT) | Q(role=MessageRole.CUSTOMER, handled_at__isnull=True)
    )
    unsettled = _actions(Q(kind=ActionKind.ESCALATE) | Q(status__in=UNSETTLED_ACTIONS))
    carried_out = _actions(Q(status=ActionStatus.EXECUTED), ~Q(kind=ActionKind.ESCALATE))
    finished = Q(status=ConversationStatus.RESOLVED) | (
        Q(last_message_at__lte=now - QUIET_PERIOD) & Q(carried_out)
    )
    # Cheapest tests first: the database stops at the first that fails (on its own
    # columns), before probing the conversation's messages and actions.
    return (
        ~Q(status__in=PEOPLE_STATUSES)
        & _not_waiting_on_customer()
        & finished
        & ~Q(unsettled)
        & Q(answered)
        & ~Q(people_or_unanswered)
    )


def resolved_at_expression() -> Coalesce:
    """When the resolution happened: marked resolved, else the last message (the answer)."""
    return Coalesce(F("resolved_at"), F("last_message_at"), F("created_at"))
