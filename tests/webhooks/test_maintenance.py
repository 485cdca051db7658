"""The sweep (beat) and replays (command, admin action)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.webhooks.maintenance import SweepReport, processing_stale_after, webhook_events_sweep
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import sweep_pending_events
from tests.factories import StoreFactory
from tests.webhooks.factories import WebhookEventFactory

pytestmark = pytest.mark.django_db


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `call` and then its on-commit callbacks (the enqueues), as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def grace(settings):
    settings.WEBHOOK_PENDING_GRACE_SECONDS = 30
    return 30


def test_the_sweep_re_enqueues_pending_events_older_than_the_grace_period(
    shop, grace, queued, committed
):
    late = WebhookEventFactory(store=shop, dispatched_at=_ago(grace + 5))
    never_sent = WebhookEventFactory(store=shop, dispatched_at=None)
    fresh = WebhookEventFactory(store=shop, dispatched_at=_ago(grace - 10))

    report = committed(sweep_pending_events)

    assert report == {"reclaimed": 0, "exhausted": 0, "pending": 2, "retries": 0}
    assert queued() == 2
    rows = {e.pk: e.dispatched_at for e in WebhookEvent.objects.all()}
    assert rows[late.pk] > _ago(2)
    assert rows[never_sent.pk] > _ago(2)
    assert rows[fresh.pk] < _ago(grace - 11)
    # Just dispatched: the next sweep leaves them alone.
    assert webhook_events_sweep().pending == 0


def test_the_sweep_reclaims_an_event_stuck_in_processing_by_a_dead_worker(shop, queued, committed):
    stuck = WebhookEventFactory(
        store=shop,
        status=WebhookStatus.PROCESSING,
        attempts=1,
        claimed_at=timezone.now() - processing_stale_after() - timedelta(seconds=1),
    )
    running = WebhookEventFactory(
        store=shop, status=WebhookStatus.PROCESSING, attempts=1, claimed_at=_ago(5)
    )

    assert committed(webhook_events_sweep).reclaimed == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.note) == ("pending", "reclaimed from a lost worker")
    assert WebhookEvent.objects.get(pk=running.pk).status == WebhookStatus.PROCESSING
    assert queued() == 1
    from apps.webhooks.processing import webhook_event_process

    assert webhook_event_process(stuck.pk).status == "processed"
    assert WebhookEvent.objects.get(pk=stuck.pk).attempts == 2


def test_an_event_that_keeps_killing_workers_ends_failed(shop, settings, queued):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    poison = WebhookEventFactory(
        store=shop, status=WebhookStatus.PROCESSING, attempts=3, claimed_at=_ago(3600)
    )
    assert webhook_events_sweep().exhausted == 1
    poison.refresh_from_db()
    assert (poison.status, poison.next_attempt_at) == ("failed", None)
    assert poison.last_error == "worker lost while processing; no attempts left"
    assert queued() == 0


def test_the_sweep_re_enqueues_a_retry_whose_message_was_lost(shop, grace, queued, committed):
    lost = WebhookEventFactory(
        store=shop, status=WebhookStatus.FAILED, attempts=2,
        next_attempt_at=_ago(grace + 60), dispatched_at=_ago(grace + 120),
    )  # fmt: skip
    on_schedule = WebhookEventFactory(
        store=shop, status=WebhookStatus.FAILED, attempts=1,
        next_attempt_at=timezone.now() + timedelta(seconds=20), dispatched_at=_ago(5),
    )  # fmt: skip
    given_up = WebhookEventFactory(store=shop, status=WebhookStatus.FAILED, attempts=8)

    assert committed(webhook_events_sweep).retries == 1

    assert queued() == 1
    lost.refresh_from_db()
    assert lost.dispatched_at > _ago(2)
    assert {on_schedule.pk, given_up.pk}.isdisjoint({lost.pk})


def test_the_sweep_leaves_finished_events_alone(shop, grace, queued):
    for status in (WebhookStatus.PROCESSED, WebhookStatus.IGNORED):
        WebhookEventFactory(store=shop, status=status, dispatched_at=_ago(3600))
    assert webhook_events_sweep() == SweepReport()
    assert queued() == 0


# ---------------------------------------------------------------- replay_webhooks


@pytest.fixture
def replay(committed):
    def run(*args: str) -> str:
        out = StringIO()
        committed(call_command, "replay_webhooks", *args, stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def failed_mix(shop):
    other = StoreFactory()
    return {
        "orders": WebhookEventFactory(store=shop, status="failed", attempts=8, last_error="boom"),
        "refund": WebhookEventFactory(store=shop, status="failed", topic="refunds/create"),
        "other_store": WebhookEventFactory(store=other, status="failed"),
        "old": WebhookEventFactory(store=shop, status="failed", received_at=_ago(3 * 86400)),
        "ignored": WebhookEventFactory(store=shop, status="ignored"),
        "processed": WebhookEventFactory(store=shop, status="processed"),
        "processing": WebhookEventFactory(store=shop, status="processing", claimed_at=_ago(1)),
    }


def _statuses(events) -> dict[str, str]:
    by_pk = dict(WebhookEvent.objects.values_list("pk", "status"))
    return {name: by_pk[e.pk] for name, e in events.items()}


def test_replay_resets_failed_events_to_pending_and_enqueues_them(failed_mix, replay, queued):
    assert replay() == "4 event(s) reset to pending and enqueued.\n"

    assert _statuses(failed_mix) == {
        "orders": "pending", "refund": "pending", "other_store": "pending", "old": "pending",
        "ignored": "ignored", "processed": "processed", "processing": "processing",
    }  # fmt: skip
    replayed = WebhookEvent.objects.get(pk=failed_mix["orders"].pk)
    assert (replayed.attempts, replayed.last_error, replayed.note) == (0, "", "replayed")
    assert queued() == 4


def test_replay_filters_by_store_topic_and_age(failed_mix, replay, shop, queued):
    assert replay("--store", shop.domain.upper(), "--topic", "orders/create", "--since", "2d") == (
        "1 event(s) reset to pending and enqueued.\n"
    )
    assert _statuses(failed_mix)["orders"] == "pending"
    assert {k for k, v in _statuses(failed_mix).items() if v == "pending"} == {"orders"}
    assert queued() == 1


def test_replay_accepts_an_iso_date_and_several_statuses(failed_mix, replay):
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    replay("--status", "failed", "--status", "processed", "--since", since)
    pending = {k for k, v in _statuses(failed_mix).items() if v == "pending"}
    assert pending == {"orders", "refund", "other_store", "processed"}


def test_a_dry_run_changes_nothing(failed_mix, replay, queued):
    before = _statuses(failed_mix)
    assert replay("--dry-run") == "4 event(s) would be replayed.\n"
    assert _statuses(failed_mix) == before
    assert queued() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "evil.com"], "--store"),
        (["--since", "last tuesday"], "--since"),
    ],
)
def test_replay_refuses_bad_arguments(failed_mix, replay, args, message):
    before = _statuses(failed_mix)
    with pytest.raises(CommandError, match=message):
        replay(*args)
    assert _statuses(failed_mix) == before


def test_replay_cannot_target_events_being_processed(failed_mix, replay):
    with pytest.raises(CommandError):
        replay("--status", "processing")


# ---------------------------------------------------------------- a backlog is not a loss


def test_while_a_backlog_waits_only_events_the_workers_passed_over_are_re_enqueued(
    shop, grace, committed
):
    from apps.webhooks import backlog
    from tests.webhooks.helpers import queued_event_ids

    head = _ago(300)  # workers are now claiming what was dispatched five minutes ago
    backlog.note_claimed(head)
    waiting = [
        WebhookEventFactory(store=shop, dispatched_at=head + timedelta(seconds=s))
        for s in (5, 60, 240)
    ]
    from apps.webhooks.dispatch import enqueue_events

    enqueue_events([e.pk for e in waiting])  # their tasks wait in the queue
    lost = WebhookEventFactory(store=shop, dispatched_at=head - timedelta(seconds=grace + 5))
    never_sent = WebhookEventFactory(store=shop, dispatched_at=None)

    report = committed(webhook_events_sweep)

    assert report.pending == 2
    assert sorted(queued_event_ids()) == sorted([e.pk for e in waiting] + [lost.pk, never_sent.pk])


def test_a_backlog_nobody_has_started_on_is_left_in_the_queue(shop, grace, committed):
    from apps.webhooks.dispatch import enqueue_events
    from tests.webhooks.helpers import queued_event_ids

    waiting = WebhookEventFactory(store=shop, dispatched_at=_ago(grace * 10))
    enqueue_events([waiting.pk])  # the workers are down; the task waits in the queue

    assert committed(webhook_events_sweep).pending == 0
    assert queued_event_ids() == [waiting.pk]


def test_the_watermark_only_moves_forward(db):
    from apps.webhooks import backlog

    backlog.note_claimed(_ago(10))
    backlog.note_claimed(_ago(100))  # a straggler claimed late
    assert backlog.watermark() == pytest.approx(_ago(10).timestamp(), abs=1)


def test_a_dead_claim_is_taken_back_within_a_minute(settings):
    settings.WEBHOOK_TASK_TIME_LIMIT = 45
    assert timedelta(seconds=45) < processing_stale_after() < timedelta(seconds=60)
