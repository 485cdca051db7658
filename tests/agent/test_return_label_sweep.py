"""A recorded return whose label task was lost (the broker down at enqueue, a worker that
died first) is enqueued again by the beat sweep, once it is old enough never to race the
normal task; however the sweep and the first task interleave, one label is bought."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import easypost
import pytest
from django.conf import settings
from django.utils import timezone

from apps.agent import label_executor, return_flow, return_tasks
from apps.agent.return_flow import Run, return_label_run
from apps.agent.return_sweep import returns_missing_a_label
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Message, MessageRole
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.stores.models import ReturnLabels, Store, StoreSettings
from standins.easypost import EasyPostStandIn
from tests.agent.conftest import Chat
from tests.agent.test_return_flow import JANE, KEY, _labels_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> EasyPostStandIn:
    standin = EasyPostStandIn((KEY,))
    shipping = EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))
    monkeypatch.setattr(label_executor, "shipping_provider_for", lambda store: shipping)
    return standin


def _lost_return(
    chat: Callable[..., Chat],
    monkeypatch: pytest.MonkeyPatch,
    capture: Any,
    *,
    age: timedelta,
) -> AgentAction:
    """A return recorded on the platform whose label task never reached a worker."""

    def broker_down(return_action_id: int) -> None:
        raise ConnectionError("broker unreachable")

    c = chat(email=JANE)
    c("I'd like to return order 1002")
    with monkeypatch.context() as patched, capture(execute=True):
        patched.setattr(return_tasks.return_label_task, "delay", broker_down)
        c("yes")  # return_hook logs the failed enqueue and carries on
    returned = AgentAction.objects.get(kind=ActionKind.CREATE_RETURN)
    assert returned.status == ActionStatus.EXECUTED
    assert not AgentAction.objects.filter(kind=ActionKind.RETURN_LABEL).exists()
    AgentAction.objects.filter(pk=returned.pk).update(executed_at=timezone.now() - age)
    return returned


def _old() -> timedelta:
    return timedelta(seconds=settings.RETURN_LABEL_SWEEP_AFTER_SECONDS + 60)


def _label_texts(returned: AgentAction) -> list[str]:
    return [
        t
        for t in Message.objects.filter(
            conversation_id=returned.conversation_id, role=MessageRole.ASSISTANT
        ).values_list("text", flat=True)
        if "prepaid return label for" in t
    ]


def test_a_lost_label_is_enqueued_again_and_bought_once(
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _labels_on(demo_store)
    returned = _lost_return(chat, monkeypatch, django_capture_on_commit_callbacks, age=_old())
    swept: list[int] = []
    monkeypatch.setattr(return_tasks.return_label_task, "delay", swept.append)

    assert return_tasks.sweep_return_labels() == 1
    assert swept == [returned.pk]
    assert return_label_run(swept[0]) == Run.DONE

    assert standin.accounts[KEY].purchases == 1
    assert len(_label_texts(returned)) == 1
    assert return_tasks.sweep_return_labels() == 0  # it has its label now
    assert swept == [returned.pk]


def test_a_fresh_return_is_left_to_its_own_task_and_an_old_one_to_people(
    chat: Callable[..., Chat],
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _labels_on(demo_store)
    returned = _lost_return(chat, monkeypatch, django_capture_on_commit_callbacks, age=_old())
    now = timezone.now()
    assert list(returns_missing_a_label(now)) == [returned.pk]
    # Within the threshold the normal task may still be running or retrying.
    AgentAction.objects.filter(pk=returned.pk).update(executed_at=now - timedelta(minutes=2))
    assert list(returns_missing_a_label(now)) == []
    # Days late, a label is a person's decision.
    AgentAction.objects.filter(pk=returned.pk).update(executed_at=now - timedelta(days=3))
    assert list(returns_missing_a_label(now)) == []


def test_no_label_is_swept_for_a_store_that_turned_labels_off(
    chat: Callable[..., Chat],
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _labels_on(demo_store)
    _lost_return(chat, monkeypatch, django_capture_on_commit_callbacks, age=_old())
    StoreSettings.objects.filter(store=demo_store).update(return_labels=ReturnLabels.OFF)
    assert list(returns_missing_a_label(timezone.now())) == []


def _first_task_paused_at_the_order_read(
    monkeypatch: pytest.MonkeyPatch, during: Callable[[], None]
) -> None:
    """The first label task reads the order (before any label action exists) and, while it
    is there, `during` runs: the beat sweep and the task it enqueued."""
    real = return_flow.get_commerce_provider

    class Paused:
        def __init__(self, store: Store) -> None:
            self.inner = real(store)

        def get_order(self, order_id: str) -> Any:
            if not state["paused"]:
                state["paused"] = True
                during()
            return self.inner.get_order(order_id)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    state = {"paused": False}
    monkeypatch.setattr(return_flow, "get_commerce_provider", Paused)


def test_the_sweep_while_the_first_task_is_in_flight_still_buys_one_label(
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A retry of the first task is in flight when the sweep finds the return label-less.
    _labels_on(demo_store)
    returned = _lost_return(chat, monkeypatch, django_capture_on_commit_callbacks, age=_old())
    swept: list[int] = []
    runs: list[Run] = []

    def sweep_and_run_what_it_enqueued() -> None:
        monkeypatch.setattr(return_tasks.return_label_task, "delay", swept.append)
        assert return_tasks.sweep_return_labels() == 1
        runs.extend(return_label_run(i) for i in swept)

    _first_task_paused_at_the_order_read(monkeypatch, sweep_and_run_what_it_enqueued)

    assert return_label_run(returned.pk) == Run.DONE  # the first task resumes and finishes
    assert runs == [Run.DONE]
    assert swept == [returned.pk]
    assert standin.accounts[KEY].purchases == 1
    assert AgentAction.objects.filter(kind=ActionKind.RETURN_LABEL).count() == 1
    assert len(_label_texts(returned)) == 1  # and the customer hears it once


def test_a_label_action_left_proposed_is_swept_and_one_executing_is_not(
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _labels_on(demo_store)
    returned = _lost_return(chat, monkeypatch, django_capture_on_commit_callbacks, age=_old())

    # The task created the label action and died before claiming it.
    def died(action: AgentAction, provider: Any) -> AgentAction:
        raise SystemExit("worker lost")

    with monkeypatch.context() as patched:
        patched.setattr(return_flow, "action_execute", died)
        with pytest.raises(SystemExit):
            return_label_run(returned.pk)
    label = AgentAction.objects.get(kind=ActionKind.RETURN_LABEL)
    assert label.status == ActionStatus.PROPOSED
    now = timezone.now()
    assert list(returns_missing_a_label(now)) == [returned.pk]

    # Claimed and in flight: the action reconciler's, not the sweep's.
    AgentAction.objects.filter(pk=label.pk).update(status=ActionStatus.EXECUTING)
    assert list(returns_missing_a_label(now)) == []

    AgentAction.objects.filter(pk=label.pk).update(status=ActionStatus.PROPOSED)
    assert return_label_run(returned.pk) == Run.DONE
    assert standin.accounts[KEY].purchases == 1
    assert list(returns_missing_a_label(now)) == []


def test_the_sweep_is_on_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["agent-sweep-return-labels"]
    assert entry["task"] == return_tasks.sweep_return_labels.name
    assert entry["schedule"] < settings.RETURN_LABEL_SWEEP_AFTER_SECONDS
