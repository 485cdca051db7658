"""Persisting a verified delivery from a store's own provider account (EasyPost, Stripe).

Unlike Shopify's hot path (inbox.py) the store is known from the URL before anything is
stored, and the volume is a few events per return, so this is a plain ORM insert. The
unique (provider, event_id) constraint is the dedupe: a redelivery inserts nothing.
"""

from __future__ import annotations

import json
from functools import cache, partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.stores.models import Store
from apps.webhooks.handlers import HANDLERS
from apps.webhooks.inbox import NO_HANDLER, UNINSTALLED, Recorded
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.relay import hand_off

MAX_EVENT_ID = 128


def provider_event_record(
    *, provider: str, store: Store, event_id: str, topic: str, payload: dict[str, Any]
) -> Recorded:
    """Store the event once (persist first), then hand it to the worker after commit."""
    note = ""
    if topic not in HANDLERS:
        note = NO_HANDLER
    elif not store.is_installed:
        note = UNINSTALLED
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider,
                store=store,
                shop_domain=store.domain,
                topic=topic[:100],
                event_id=event_id[:MAX_EVENT_ID],
                webhook_id=event_id[:MAX_EVENT_ID],
                payload=payload,
                received_at=timezone.now(),
                dispatched_at=timezone.now(),
                status=WebhookStatus.IGNORED if note else WebhookStatus.PENDING,
                note=note,
            )
    except IntegrityError:
        return Recorded.DUPLICATE
    if note:
        return Recorded.IGNORED
    transaction.on_commit(partial(hand_off, event.pk, topic=event.topic))
    return Recorded.ACCEPTED


# The hot path's statement: the unique (provider, event_id) constraint is the dedupe, in the
# same round trip as the insert (no read first, no savepoint, no IntegrityError to catch).
_INSERT = """
INSERT INTO {table} (
    provider, store_id, shop_domain, topic, event_id, webhook_id, api_version, payload,
    received_at, dispatched_at, attempts, last_error, status, note
)
VALUES (%s, %s, %s, %s, %s, %s, '', {payload}, %s, %s, 0, '', '{pending}', '')
ON CONFLICT (provider, event_id) DO NOTHING
RETURNING id
"""


@cache
def _insert_sql(vendor: str) -> str:
    return _INSERT.format(
        table=connection.ops.quote_name(WebhookEvent._meta.db_table),
        # PostgreSQL parses the text straight into jsonb; SQLite (demo) keeps text.
        payload="%s::jsonb" if vendor == "postgresql" else "%s",
        pending=WebhookStatus.PENDING.value,
    )


def provider_event_insert(
    *, provider: str, store: Store, event_id: str, topic: str, payload: dict[str, Any]
) -> Recorded:
    """`provider_event_record` for a customer's inbound message, whose request must stay
    short: one INSERT ... ON CONFLICT DO NOTHING, and after commit the id handed to this
    process's relay (no publish in the request; see apps.webhooks.relay). The caller has
    checked the topic has a handler and the store is the one the signature proved; the
    installed check happens in the worker like every event's."""
    now = timezone.now()
    key = event_id[:MAX_EVENT_ID]
    body = json.dumps(payload)
    params = (provider, store.pk, store.domain, topic[:100], key, key, body, now, now)
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        row = cursor.fetchone()
    if row is None:
        return Recorded.DUPLICATE
    transaction.on_commit(partial(hand_off, int(row[0]), topic=topic))
    return Recorded.ACCEPTED
