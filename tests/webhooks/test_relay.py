"""The per-process relay that publishes committed event ids for the web request."""

from __future__ import annotations

import os
import threading

import pytest

from apps.webhooks.relay import EventRelay, hand_off
from tests.webhooks.helpers import broker_unreachable, queued_event_ids


def _published_ids() -> list[int]:
    return queued_event_ids()


def test_every_submitted_id_is_published_exactly_once():
    relay = EventRelay()
    submitters = [
        threading.Thread(target=lambda n=n: [relay.submit(n * 100 + i) for i in range(25)])
        for n in range(4)
    ]
    for thread in submitters:
        thread.start()
    for thread in submitters:
        thread.join()

    assert relay.flush(timeout=10)
    assert _published_ids() == sorted(n * 100 + i for n in range(4) for i in range(25))


def test_a_broker_outage_loses_the_publish_but_not_the_relay(caplog):
    relay = EventRelay()
    with broker_unreachable():
        relay.submit(1)
        assert relay.flush(timeout=10)
    assert "not dispatched (broker unavailable)" in caplog.text
    assert _published_ids() == []

    relay.submit(2)  # the same thread carries on once the broker is back
    assert relay.flush(timeout=10)
    assert _published_ids() == [2]


def test_ids_arriving_together_share_one_message():
    from apps.core.redis import get_redis

    relay = EventRelay()
    for event_id in range(10):
        relay.submit(event_id)
    assert relay.flush(timeout=10)
    assert _published_ids() == list(range(10))
    assert get_redis().llen("celery") < 10


def test_the_worker_fans_a_batch_out_into_one_task_per_event():
    from apps.webhooks.tasks import dispatch_webhook_events

    assert dispatch_webhook_events([3, 1, 2]) == 3
    from apps.core.redis import get_redis

    assert get_redis().llen("celery") == 3
    assert _published_ids() == [1, 2, 3]


def test_an_outage_warns_once_per_interval_not_once_per_publish(caplog):
    relay = EventRelay()
    with broker_unreachable():
        for event_id in range(3):
            relay.submit(event_id)
            assert relay.flush(timeout=10)
    warnings = [r for r in caplog.records if "broker unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert _published_ids() == []


def test_flush_returns_at_once_when_nothing_is_waiting():
    assert EventRelay().flush(timeout=0.01)


@pytest.mark.django_db
def test_in_inline_task_mode_the_task_runs_in_the_caller(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ran = []
    monkeypatch.setattr("apps.webhooks.relay.enqueue_event", ran.append)
    hand_off(7)
    assert ran == [7]
    assert _published_ids() == []


def test_a_forked_child_gets_a_working_relay_even_if_forked_mid_submit():
    from apps.webhooks.relay import relay

    with relay._lock:  # as if a request thread was inside submit() when the fork happened
        pid = os.fork()
        if pid == 0:  # the child: publish one id through its own relay, report by exit code
            try:
                relay.submit(41)
                os._exit(0 if relay.flush(timeout=10) else 1)
            except BaseException:
                os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _published_ids() == [41]


def test_the_relay_puts_customer_messages_on_the_chat_queue_and_store_webhooks_on_the_default():
    topics = ["orders/updated", "twilio/sms.inbound", "sendgrid/email.inbound", "tracker.updated"]
    for event_id, topic in enumerate(topics, start=1):
        hand_off(event_id, topic=topic)
    from apps.webhooks.relay import relay

    assert relay.flush(timeout=10)
    assert _published_ids() == [1, 4]
    assert queued_event_ids("chat") == [2, 3]


def test_a_chat_batch_fans_out_on_the_chat_queue():
    from apps.webhooks.tasks import dispatch_webhook_events

    assert dispatch_webhook_events([5, 6], queue="chat") == 2
    assert queued_event_ids("chat") == [5, 6]
    assert _published_ids() == []
