"""Money moves once: each guard of action execution, the executing state and the reconciler.

Three guards stand between a request and a second refund (apps.agent.actions): the
per-action lock, the status claim, and the idempotency key the platform dedupes on. Each
test here fails when one of them is removed. The platform stand-in is the demo provider,
which keeps one refund per key like Shopify's @idempotent; KeyRecordingProvider records
every key it was sent, so "asked once" and "asked again with the same key" are checked,
not assumed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.utils import timezone

from apps.agent import actions, tasks
from apps.agent.actions import ActionSpec, action_execute, action_get_or_create
from apps.agent.reconcile import stuck_action_ids
from apps.agent.services import action_approve, action_carry_out
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Conversation,
    Message,
    MessageRole,
)
from apps.core.redis import get_redis
from apps.integrations.commerce.registry import get_commerce_provider
from apps.orders.models import Order
from apps.stores.models import Store
from tests.agent.providers import KeyRecordingProvider, ProcessKilled
from tests.webhooks.helpers import broker_unreachable

REFUND = ActionSpec(
    kind=ActionKind.REFUND,
    order_id="demo-order-1002",
    order_name="#1002",
    amount=Decimal("45.00"),
    currency="USD",
    reason="Customer request",
)


def _refunds(store: Store) -> list[str]:
    order = Order.objects.get(store=store, number=1002)
    return [r["idempotency_key"] for r in order.refunds]


def _proposed_refund(conversation: Conversation) -> AgentAction:
    message = message_add_customer(conversation, "refund order 1002")
    action, _ = action_get_or_create(
        spec=REFUND,
        store_id=conversation.store_id,
        conversation_id=conversation.pk,
        message_id=message.pk,
        order_pk=None,
        status=ActionStatus.PROPOSED,
        policy_version=1,
        policy_reason="Within the limit.",
    )
    return action


def _age(action: AgentAction, seconds: float) -> None:
    AgentAction.objects.filter(pk=action.pk).update(
        execution_started_at=timezone.now() - timedelta(seconds=seconds)
    )


def _updates(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.filter(
            conversation=conversation, role=MessageRole.ASSISTANT, metadata__kind="approval"
        ).values_list("text", flat=True)
    )


@pytest.fixture
def recording(use_provider: Callable[[str], None]) -> type[KeyRecordingProvider]:
    use_provider("KeyRecordingProvider")
    KeyRecordingProvider.reset()
    return KeyRecordingProvider


def _in_thread(target: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# ---------------------------------------------------------------- the lock


@pytest.mark.django_db(transaction=True)
def test_a_second_execution_while_one_is_in_flight_does_not_reach_the_platform(
    start, demo_store, recording, monkeypatch
):
    monkeypatch.setattr(actions, "ACTION_LOCK_WAIT", 0.3)
    recording.reset(gate=True)
    action = _proposed_refund(start(email="jane@example.com"))
    provider = get_commerce_provider(demo_store)

    first = _in_thread(lambda: action_execute(action, provider))
    assert recording.entered.wait(10)
    second = action_execute(AgentAction.objects.get(pk=action.pk), provider)
    recording.release.set()
    first.join(15)

    assert second.status == ActionStatus.EXECUTING  # reported as in progress, not sent
    assert recording.keys == [action.idempotency_key]
    assert _refunds(demo_store) == [action.idempotency_key]
    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED


@pytest.mark.django_db(transaction=True)
def test_a_lost_lock_resumes_under_the_same_key_and_the_first_outcome_stands(
    start, demo_store, recording
):
    """The holder's lease ran out while it was still working (a stalled process): the next
    caller resumes, with the same key; the platform makes one refund; and the late first
    execution cannot overwrite the outcome recorded by the resume."""
    recording.reset(gate=True)
    action = _proposed_refund(start(email="jane@example.com"))
    provider = get_commerce_provider(demo_store)
    first = _in_thread(lambda: action_execute(action, provider))
    assert recording.entered.wait(10)

    get_redis().delete(f"lock:agent-action:{action.pk}")  # the lease expired
    resumed = action_execute(AgentAction.objects.get(pk=action.pk), provider)
    recording.release.set()
    first.join(15)

    assert recording.keys == [action.idempotency_key, action.idempotency_key]
    assert _refunds(demo_store) == [action.idempotency_key]  # the platform's key check
    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED
    assert action.evidence == resumed.evidence
    assert action.evidence["replayed"] is False  # the late first answer changed nothing


# ---------------------------------------------------------------- the status claim


@pytest.mark.django_db
def test_an_executed_action_is_never_sent_to_the_platform_again(start, demo_store, recording):
    action = _proposed_refund(start(email="jane@example.com"))
    provider = get_commerce_provider(demo_store)

    done = action_execute(action, provider)
    again = action_execute(AgentAction.objects.get(pk=action.pk), provider)

    assert done.status == again.status == ActionStatus.EXECUTED
    assert recording.keys == [action.idempotency_key]
    assert _refunds(demo_store) == [action.idempotency_key]


@pytest.mark.django_db
def test_a_rejected_or_awaiting_action_is_never_executed(start, demo_store, recording):
    action = _proposed_refund(start(email="jane@example.com"))
    provider = get_commerce_provider(demo_store)
    for status in (ActionStatus.AWAITING_APPROVAL, ActionStatus.REJECTED):
        AgentAction.objects.filter(pk=action.pk).update(status=status)
        assert action_execute(AgentAction.objects.get(pk=action.pk), provider).status == status
    assert recording.keys == []
    assert _refunds(demo_store) == []


# ---------------------------------------------------------------- cut off halfway


@pytest.mark.django_db
def test_a_turn_killed_after_the_platform_refunded_is_finished_once_by_its_redelivery(
    chat, demo_store, recording
):
    """The worker died between the platform's refund and recording it: the row says
    executing; the redelivered task resumes it under the same key, the platform answers
    from its record, and the customer gets one reply confirming one refund."""
    c = chat(email="jane@example.com")
    c("refund order 1002")
    recording.reset(die_after_commit=True)
    with pytest.raises(ProcessKilled):
        c("yes")
    action = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert action.status == ActionStatus.EXECUTING
    assert _refunds(demo_store) == [action.idempotency_key]  # the money moved
    recording.die_after_commit = False
    yes = Message.objects.filter(role=MessageRole.CUSTOMER, handled_at__isnull=True).get()

    tasks.handle_message.apply(args=[yes.pk])  # the broker redelivers the unacked task

    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED
    assert action.evidence["replayed"] is True
    assert recording.keys == [action.idempotency_key, action.idempotency_key]
    assert _refunds(demo_store) == [action.idempotency_key]
    reply = Message.objects.get(reply_to=yes)
    assert "refunded $45.00" in reply.text


@pytest.mark.django_db
def test_the_reconciler_finishes_an_action_whose_turn_already_answered_and_tells_once(
    chat, demo_store, recording, monkeypatch
):
    """The turn ran out of time after the platform refunded; the customer got the "still
    working on it" apology. The reconciler records the refund and tells them, once."""
    c = chat(email="jane@example.com")
    c("refund order 1002")
    yes = message_add_customer(c.conversation, "yes")

    def refund_then_time_out(self, **kwargs):  # type: ignore[no-untyped-def]
        KeyRecordingProvider.keys.append(kwargs["idempotency_key"])
        super(KeyRecordingProvider, self).refund(**kwargs)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(KeyRecordingProvider, "refund", refund_then_time_out)
    tasks.handle_message.apply(args=[yes.pk])
    monkeypatch.undo()
    action = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert action.status == ActionStatus.EXECUTING
    assert Message.objects.filter(reply_to=yes).exists()  # the apology
    sent: list[int] = []
    monkeypatch.setattr(tasks.execute_action, "delay", sent.append)

    assert tasks.reconcile_actions() == 0  # still within its bound: maybe in progress
    _age(action, 600)
    assert tasks.reconcile_actions() == 1
    action_carry_out(sent[0])
    action_carry_out(sent[0])  # the next beat enqueued it again

    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED
    assert _refunds(demo_store) == [action.idempotency_key]
    assert _updates(c.conversation) == [
        "An update on your request to refund $45.00 on order #1002: it's done."
    ]


@pytest.mark.django_db
def test_an_approval_whose_task_was_lost_is_carried_out_by_the_reconciler(
    chat, demo_store, django_capture_on_commit_callbacks
):
    c = chat(email="alex@example.com")
    c("refund order 1011")
    c("yes")
    action = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert action.status == ActionStatus.AWAITING_APPROVAL

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        approved = action_approve(action.pk, demo_store, "owner")
    assert (approved.status, approved.approved_by) == (ActionStatus.PROPOSED, "owner")

    assert stuck_action_ids(timezone.now()) == []
    AgentAction.objects.filter(pk=action.pk).update(
        approved_at=timezone.now() - timedelta(minutes=5)
    )
    assert stuck_action_ids(timezone.now()) == [action.pk]
    done = action_carry_out(action.pk)

    assert done is not None
    assert done.status == ActionStatus.EXECUTED
    assert Order.objects.get(store=demo_store, number=1011).total_refunded == Decimal("250.00")
    assert len(_updates(c.conversation)) == 1


@pytest.mark.django_db
def test_actions_in_progress_or_settled_are_left_alone(start, demo_store):
    conversation = start(email="jane@example.com")
    fresh = _proposed_refund(conversation)
    AgentAction.objects.filter(pk=fresh.pk).update(
        status=ActionStatus.EXECUTING, execution_started_at=timezone.now()
    )
    week_old = timezone.now() - timedelta(days=8)
    for status in (ActionStatus.EXECUTED, ActionStatus.FAILED, ActionStatus.AWAITING_APPROVAL):
        AgentAction.objects.create(
            store=demo_store,
            conversation=conversation,
            kind=ActionKind.REFUND,
            status=status,
            idempotency_key=f"settled-{status}",
            execution_started_at=week_old,
            approved_at=week_old,
        )
    unapproved = AgentAction.objects.create(
        store=demo_store,
        conversation=conversation,
        kind=ActionKind.CANCEL_ORDER,
        status=ActionStatus.PROPOSED,
        idempotency_key="agent-proposed",
    )
    AgentAction.objects.filter(pk=unapproved.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )

    assert stuck_action_ids(timezone.now()) == []
