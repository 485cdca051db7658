"""What mirroring adds to a chat turn in the request: one INSERT, and no broker publish."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.helpdesk import tasks
from apps.helpdesk.models import HelpdeskSync, HelpdeskThread
from apps.helpdesk.relay import relay
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Platform
from tests.chat.chat_api import post_json, widget_messages_url, widget_start
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mirrored_chat_turn_costs_one_query_more_and_publishes_off_the_request(
    client, monkeypatch
):  # type: ignore[no-untyped-def]
    published: list[tuple[int, str]] = []

    def record(args, **_):  # type: ignore[no-untyped-def]
        published.append((args[0], threading.current_thread().name))

    monkeypatch.setattr(tasks.send_helpdesk_sync, "apply_async", record)
    shop = StoreFactory(platform=Platform.DEMO, domain="mirrored.example.com")
    conversation_id, token = widget_start(client, shop)
    url = widget_messages_url(shop, conversation_id, token)

    def turn(text: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = post_json(client, url, {"text": text}, HTTP_IDEMPOTENCY_KEY=text)
        assert response.status_code in (200, 201), response.content
        return len(queries)

    turn("warm-up")
    off = turn("not mirrored")
    IntegrationCredential.objects.create(
        store=shop,
        provider="intercom",
        config=Secret(json.dumps({"access_token": "t", "region": "us", "app_id": "a"})),
        status=IntegrationStatus.CONNECTED,
    )
    HelpdeskThread.objects.create(
        store=shop, conversation_id=conversation_id, provider="intercom", external_id="c1"
    )
    on = turn("mirrored")

    # Before: +5 (thread lookup, connected helpdesks, get_or_create with its savepoint).
    assert on == off + 1  # the sync row's INSERT only
    [row] = HelpdeskSync.objects.filter(message__text="mirrored")
    assert relay.flush(5.0)
    assert published == [(row.pk, "helpdesk-sync-relay")]
